"""``GET /api/v1/billing/fec`` and ``GET /api/v1/billing/entries.csv``: the scope, the file
and its name, and the problems of a year that cannot be exported."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from comptoir.billing.fec.validator import validate_fec
from comptoir.kit.db.engine import Database
from tests.billing.fec.books import SIREN, make_seller, post_ahead_of_time, post_year
from tests.support.auth import act_as

NAME = f"{SIREN}FEC20251231.txt"


def _books(db: Database, *, seller: bool = True) -> None:
    with db.transaction() as session:
        if seller:
            make_seller(session)
        post_year(session, 2025)


def test_the_fec_is_an_attachment_named_after_the_siren_and_closing_date(
    api: TestClient, db: Database, tmp_path: Path
) -> None:
    _books(db)
    act_as(api.app, "billing:export")  # type: ignore[arg-type]

    response = api.get("/api/v1/billing/fec", params={"year": 2025})

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["content-disposition"] == f'attachment; filename="{NAME}"'
    path = tmp_path / NAME
    path.write_bytes(response.content)
    report = validate_fec(path, siren=SIREN)
    assert report.problems == []
    assert (report.line_count, report.entry_count) == (21, 8)


def test_the_fec_needs_the_export_scope(api: TestClient, db: Database) -> None:
    _books(db)
    act_as(api.app, "billing:read", "billing:post")  # type: ignore[arg-type]

    response = api.get("/api/v1/billing/fec", params={"year": 2025})

    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"


def test_a_year_without_a_fiscal_year_is_a_declared_problem(api: TestClient, db: Database) -> None:
    _books(db)
    act_as(api.app, "billing:export")  # type: ignore[arg-type]

    response = api.get(
        "/api/v1/billing/fec", params={"year": 2019}, headers={"Accept-Language": "fr"}
    )

    assert response.status_code == 404
    problem = response.json()
    assert problem["type"] == "/problems/fec-fiscal-year-not-found"
    assert problem["field"] == "year"
    assert problem["detail"] == (
        "Aucun exercice comptable ne se clôt en 2019 : il n'y a rien à exporter."
    )
    spec = api.get("/openapi.json").json()["paths"]["/api/v1/billing/fec"]["get"]["responses"]
    assert {"200", "404", "422"} <= set(spec)


def test_without_a_siren_the_fec_cannot_be_named(api: TestClient, db: Database) -> None:
    _books(db, seller=False)
    act_as(api.app, "billing:export")  # type: ignore[arg-type]

    response = api.get("/api/v1/billing/fec", params={"year": 2025})

    assert response.status_code == 422
    assert response.json()["type"] == "/problems/fec-siren-missing"


def test_a_fec_that_would_break_the_rules_is_refused_with_its_problems(
    api: TestClient, db: Database
) -> None:
    # given a sale of 2026 posted (on 23 November, the frozen clock) ahead of its date
    with db.transaction() as session:
        make_seller(session)
        post_ahead_of_time(session, date(2026, 12, 1))
    act_as(api.app, "billing:export")  # type: ignore[arg-type]

    response = api.get(
        "/api/v1/billing/fec", params={"year": 2026}, headers={"Accept-Language": "en"}
    )

    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == "/problems/fec-invalid"
    assert [error["field"] for error in problem["errors"]] == [
        "line.2.ValidDate",
        "line.3.ValidDate",
    ]
    assert problem["errors"][0]["message"] == (
        "ValidDate 20261123 is before the entry date 20261201."
    )


def test_the_entries_csv_lists_every_line_of_the_year(api: TestClient, db: Database) -> None:
    _books(db)
    act_as(api.app, "billing:export")  # type: ignore[arg-type]

    response = api.get("/api/v1/billing/entries.csv", params={"year": 2025})
    missing = api.get("/api/v1/billing/entries.csv", params={"year": 2019})

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="entries-2025.csv"'
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("journal;journal_label;number;date;account")
    assert len(lines) == 1 + 21
    assert missing.status_code == 404


def test_every_route_declares_the_export_scope(api: TestClient) -> None:
    app: FastAPI = api.app  # type: ignore[assignment]
    act_as(app, "billing:read")

    for path in ("/api/v1/billing/fec", "/api/v1/billing/entries.csv"):
        assert api.get(path, params={"year": 2025}).status_code == 403
