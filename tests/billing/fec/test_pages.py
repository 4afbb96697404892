"""The back office's accounting exports page: the year selector, the validator's verdict and
the downloads."""

from __future__ import annotations

import re
from datetime import date

from fastapi.testclient import TestClient

from comptoir.kit.clock import FrozenClock
from comptoir.kit.db.engine import Database
from comptoir.kit.settings import Settings
from tests.billing.fec.books import SIREN, make_seller, post_ahead_of_time, post_year
from tests.support.staff import sign_in_client, staff_session_token

PAGE = "/admin/billing/exports"


def _text_of(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</', html, re.S)
    assert match is not None, f"no element #{element_id}"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def test_without_books_the_page_says_what_will_come(client: TestClient) -> None:
    response = client.get(PAGE)

    assert response.status_code == 200
    assert "Pas encore d'exercice" in response.text
    assert 'id="fec-download"' not in response.text


def test_the_page_shows_the_verdict_and_offers_both_downloads(
    client: TestClient, db: Database, clock: FrozenClock
) -> None:
    with db.transaction() as session:
        make_seller(session)
        post_year(session, 2024)
        post_year(session, 2025)

    page = client.get(PAGE)  # the latest year by default
    earlier = client.get(PAGE, params={"year": 2024})

    assert page.status_code == 200
    assert _text_of(page.text, "fec-status") == "Conforme"
    assert _text_of(page.text, "fec-name") == f"{SIREN}FEC20251231.txt"
    assert _text_of(page.text, "fec-lines") == "21"
    assert _text_of(page.text, "fec-entries") == "8"
    assert (
        _text_of(page.text, "fec-debit").replace("\u202f", " ").replace("\xa0", " ")
        == "12 107,00 €"
    )
    assert '<option value="2024">' in page.text
    assert '<option value="2025" selected>' in page.text
    assert 'href="/admin/billing/exports/fec?year=2025"' in page.text
    assert 'href="/admin/billing/exports/entries.csv?year=2025"' in page.text
    assert _text_of(earlier.text, "fec-name") == f"{SIREN}FEC20241231.txt"
    assert 'href="/admin/billing/exports/fec?year=2024"' in earlier.text


def test_the_downloads_are_the_fec_and_the_csv(
    client: TestClient, db: Database, clock: FrozenClock
) -> None:
    with db.transaction() as session:
        make_seller(session)
        post_year(session, 2025)

    fec = client.get(f"{PAGE}/fec", params={"year": 2025})
    entries = client.get(f"{PAGE}/entries.csv", params={"year": 2025})

    assert fec.status_code == 200
    assert fec.headers["content-disposition"] == f'attachment; filename="{SIREN}FEC20251231.txt"'
    assert fec.text.splitlines()[0].startswith("JournalCode\tJournalLib\tEcritureNum")
    assert len(fec.text.splitlines()) == 22
    assert entries.status_code == 200
    assert len(entries.content.decode("utf-8-sig").splitlines()) == 22


def test_a_year_that_breaks_the_rules_lists_its_problems_and_offers_no_fec(
    client: TestClient, db: Database, clock: FrozenClock
) -> None:
    # given a sale of 2026 posted on 23 November (the frozen clock) but dated 1 December
    with db.transaction() as session:
        make_seller(session)
        post_ahead_of_time(session, date(2026, 12, 1))

    page = client.get(PAGE, params={"year": 2026})
    download = client.get(f"{PAGE}/fec", params={"year": 2026}, follow_redirects=False)

    assert _text_of(page.text, "fec-status") == "2 problèmes"
    assert 'id="fec-problems"' in page.text
    assert "ValidDate 20261123 est antérieure à la date d&#39;écriture 20261201." in page.text
    assert 'id="fec-download"' not in page.text
    assert download.status_code == 303
    assert download.headers["location"] == f"{PAGE}?year=2026"


def test_a_missing_siren_is_said_on_the_page(
    client: TestClient, db: Database, clock: FrozenClock
) -> None:
    with db.transaction() as session:
        post_year(session, 2025)

    page = client.get(PAGE)

    assert "Renseignez le SIREN du vendeur" in _text_of(page.text, "fec-refusal")


def test_the_page_needs_the_export_scope(
    client: TestClient, db: Database, admin_settings: Settings
) -> None:
    sign_in_client(client, staff_session_token(db, admin_settings, scopes=["billing:read"]))

    assert client.get(PAGE).status_code == 403
    assert client.get(f"{PAGE}/fec", params={"year": 2025}).status_code == 403


def test_the_page_is_in_the_finance_navigation(client: TestClient) -> None:
    home = client.get("/admin")

    assert f'href="{PAGE}"' in home.text
