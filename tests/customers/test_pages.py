"""The customers' back-office pages over HTTP: list, search, forms, consents, merge."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.customers import service
from comptoir.customers.models import Customer
from comptoir.customers.vies import VatCheck
from tests.backoffice.conftest import csrf_token_of
from tests.customers.factories import make_customer

LIST = "/admin/customers"
HTMX = {"HX-Request": "true"}


def _token(client: TestClient) -> str:
    return csrf_token_of(client.get(f"{LIST}/new").text)


def test_an_empty_list_explains_and_offers_to_add(client: TestClient) -> None:
    html = client.get(LIST).text

    assert "<h3>Aucun client pour l\u2019instant</h3>" in html
    assert 'href="/admin/customers/new"' in html


def test_the_list_finds_a_customer_by_exact_email_through_htmx(
    client: TestClient, session: Session
) -> None:
    make_customer(session, first_name="Margaux", last_name="Petit", email="margaux@example.fr")
    make_customer(session, first_name="Jules", last_name="Blanc", email="jules@example.fr")
    session.commit()

    html = client.get(f"{LIST}?q=MARGAUX@example.fr", headers=HTMX).text

    assert html.lstrip().startswith('<div id="customers">')
    assert "Margaux Petit" in html
    assert "Jules Blanc" not in html


def test_a_company_is_created_from_the_form(client: TestClient, session: Session) -> None:
    response = client.post(
        f"{LIST}/new",
        data={
            "csrf_token": _token(client),
            "kind": "company",
            "company_name": "Atelier Nova",
            "email": "contact@atelier-nova.fr",
            "phone": "04 78 00 00 00",
            "siret": "73282932000074",
            "line1": "7 rue de la République",
            "postcode": "69002",
            "city": "Lyon",
            "country": "FR",
        },
        follow_redirects=False,
    )

    assert response.status_code == 303
    customer = service.find_by_email(session, "contact@atelier-nova.fr")
    assert customer is not None
    assert (customer.company_name, customer.siren) == ("Atelier Nova", "732829320")
    detail = client.get(response.headers["location"]).text
    assert "Atelier Nova" in detail
    assert "Lyon" in detail
    assert "Commandes" in detail  # the section left for the orders module


def test_a_bad_form_is_shown_again_with_messages_and_values_kept(
    client: TestClient, session: Session
) -> None:
    before = session.scalars(select(Customer.id)).all()

    response = client.post(
        f"{LIST}/new",
        data={
            "csrf_token": _token(client),
            "kind": "person",
            "first_name": "Zoé",
            "email": "zoe-at-example",
            "siren": "123",
        },
    )

    assert response.status_code == 422
    assert "Il y a un problème" in response.text
    assert 'href="#email">Ce n\u2019est pas une adresse e-mail valide.' in response.text
    assert 'href="#siren">Un SIREN compte 9 chiffres' in response.text
    assert 'value="Zoé"' in response.text
    assert session.scalars(select(Customer.id)).all() == before


def test_editing_and_recording_a_consent(client: TestClient, session: Session) -> None:
    customer = make_customer(session, first_name="Anaïs")
    session.commit()
    token = _token(client)

    edited = client.post(
        f"{LIST}/{customer.id}/edit",
        data={
            "csrf_token": token,
            "kind": "person",
            "first_name": "Anaïs",
            "last_name": "Roy",
            "language": "en",
            "email": customer.email or "",
        },
        follow_redirects=False,
    )
    consent = client.post(
        f"{LIST}/{customer.id}/consents",
        data={
            "csrf_token": token,
            "consent_channel": "sms",
            "consent_purpose": "marketing",
            "consent_wording_version": "2026-11",
            "action": "grant",
        },
        follow_redirects=False,
    )
    page = client.get(f"{LIST}/{customer.id}").text

    assert (edited.status_code, consent.status_code) == (303, 303)
    assert "Anaïs Roy" in page
    assert "(2026-11)" in page
    assert service.has_consent(session, customer.id, "sms", "marketing")


def test_merging_asks_for_confirmation_then_merges_and_can_be_undone(
    client: TestClient, session: Session
) -> None:
    target = make_customer(session, first_name="Paul", last_name="Vidal", email="paul@example.fr")
    duplicate = make_customer(
        session, first_name="P.", last_name="Vidal", phone="0611111111", email=None
    )
    session.commit()

    review = client.get(f"{LIST}/{target.id}/merge", params={"duplicate": "06 11 11 11 11"})
    token = csrf_token_of(review.text)
    merged = client.post(
        f"{LIST}/{target.id}/merge",
        data={"csrf_token": token, "source_id": str(duplicate.id)},
        follow_redirects=False,
    )
    merge = service.merges_of(session, target.id)[0]
    undone = client.post(
        f"{LIST}/merges/{merge.id}/unmerge", data={"csrf_token": token}, follow_redirects=False
    )

    assert review.status_code == 200
    assert "P. Vidal sera fusionné dans Paul Vidal." in review.text
    assert (merged.status_code, undone.status_code) == (303, 303)
    session.expire_all()
    assert session.get(Customer, duplicate.id).status == "active"  # type: ignore[union-attr]


def test_a_merge_review_without_a_match_says_so(client: TestClient, session: Session) -> None:
    target = make_customer(session)
    session.commit()

    response = client.get(f"{LIST}/{target.id}/merge", params={"duplicate": "nobody@example.fr"})

    assert response.status_code == 422
    assert "Aucun autre client actif" in response.text


def test_the_customer_page_shows_the_last_vies_check_of_the_vat_number(
    client: TestClient, session: Session
) -> None:
    # given a company whose VAT number VIES found valid, and one never checked
    checked = make_customer(
        session, kind="company", company_name="Odigo", email=None, vat_number="FR40303265045"
    )
    service.record_vat_check(
        session,
        checked.id,
        "FR40303265045",
        VatCheck(
            valid=True,
            name="SA ODIGO",
            address=None,
            checked_at=datetime(2026, 11, 2, 9, 30, tzinfo=UTC),
            request_identifier="WAPIAAAAW1x2Y3z",
        ),
    )
    unchecked = make_customer(
        session, kind="company", company_name="Atelier", email=None, vat_number="FR44732829320"
    )
    session.flush()

    # when their pages are opened
    first = client.get(f"{LIST}/{checked.id}").text
    second = client.get(f"{LIST}/{unchecked.id}").text

    # then the first says valid, when and the request number; the second, not checked yet
    assert "Vérification VIES" in first
    assert "Conforme" in first
    assert "WAPIAAAAW1x2Y3z" in first
    assert "Pas encore vérifié" in second
