"""The audit trail page, and writes over HTTP recorded for the request's principal."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.api import create_app
from comptoir.kit.db.engine import Database
from comptoir.kit.http.access import requires
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.settings import Settings
from comptoir.privacy.capture import audit_writes
from comptoir.privacy.models import PrivacyAuditEntry
from comptoir.privacy.schemas import AuditActor, FieldChange
from comptoir.privacy.service import record
from tests.backoffice.conftest import make_settings
from tests.kit.crypto.models import Person
from tests.support.auth import act_as
from tests.support.staff import sign_in_client, staff_session_token

PAGE = "/admin/privacy/audit"


@pytest.fixture
def admin_client(tables: Database, database_url: str, tmp_path: object) -> Iterator[TestClient]:
    settings: Settings = make_settings(database_url, tmp_path)  # type: ignore[arg-type]
    with TestClient(create_app(settings, tables), headers={"Accept-Language": "en"}) as client:
        sign_in_client(client, staff_session_token(tables, settings))
        yield client


def _seed(session: Session) -> None:
    camille = AuditActor(kind="staff", id=uuid.UUID(int=1), display_name="Camille Martin")
    louis = AuditActor(kind="staff", id=uuid.UUID(int=2), display_name="Louis Petit")
    record(
        session,
        actor=camille,
        action="update",
        object_type="catalog_products",
        object_id="p-1",
        changes={"price": FieldChange(old=1000, new=1200)},
    )
    record(
        session,
        actor=louis,
        action="update",
        object_type="customers",
        object_id="c-9",
        changes={"email": FieldChange(old="a@example.com", new="b@example.com", personal=True)},
    )
    session.commit()


def test_the_page_lists_entries_newest_first(admin_client: TestClient, tables: Database) -> None:
    with tables.session() as session:
        _seed(session)
    response = admin_client.get(PAGE)
    assert response.status_code == 200
    html = response.text
    assert html.index("Louis Petit") < html.index("Camille Martin")
    assert "1000 → 1200" in html
    assert "a@example.com" not in html
    assert "b@example.com" not in html


def test_the_page_filters_by_actor(admin_client: TestClient, tables: Database) -> None:
    with tables.session() as session:
        _seed(session)
    html = admin_client.get(PAGE, params={"actor": "louis"}).text
    assert "Louis Petit" in html
    assert "Camille Martin" not in html


def test_the_page_filters_by_object(admin_client: TestClient, tables: Database) -> None:
    with tables.session() as session:
        _seed(session)
    html = admin_client.get(PAGE, params={"object_type": "catalog_products"}).text
    assert 'id="audit-1"' in html
    assert 'id="audit-2"' not in html


def test_the_page_filters_by_date_in_the_shop_timezone(
    admin_client: TestClient, tables: Database
) -> None:
    with tables.session() as session:
        _seed(session)
    html = admin_client.get(PAGE, params={"until": "2000-01-01"}).text
    assert 'id="audit-1"' not in html
    assert "No entry matches these filters." in html


def test_a_bad_date_is_shown_as_an_error_next_to_its_field(admin_client: TestClient) -> None:
    response = admin_client.get(PAGE, params={"since": "yesterday"})
    assert response.status_code == 200
    assert 'id="since-error"' in response.text
    assert 'value="yesterday"' in response.text


def test_htmx_gets_only_the_results(admin_client: TestClient) -> None:
    response = admin_client.get(PAGE, headers={"HX-Request": "true"})
    assert response.text.lstrip().startswith('<section class="panel" id="audit-results"')


def test_a_write_over_http_is_recorded_for_its_principal(
    tables: Database, database_url: str, tmp_path: object
) -> None:
    # given an API route that writes, with the audit dependency
    router = APIRouter()

    @router.post("/test-people", status_code=201)
    def create_person(session: DbSession) -> dict[str, str]:
        person = Person(name="Ada Lovelace", nickname="Ada")
        session.add(person)
        session.flush()
        return {"id": str(person.id)}

    settings: Settings = make_settings(database_url, tmp_path)  # type: ignore[arg-type]
    app = create_app(settings, tables)
    app.include_router(
        router, prefix="/api/v1", dependencies=[requires("test:write"), audit_writes]
    )
    principal = act_as(app, "test:write")
    # when it is called
    with TestClient(app) as client:
        response = client.post("/api/v1/test-people", headers={"User-Agent": "pytest-agent"})
    # then one entry says who, from where, and hides the name
    assert response.status_code == 201
    with tables.session() as session:
        [entry] = session.scalars(select(PrivacyAuditEntry)).all()
    assert (entry.actor_kind, entry.actor_id, entry.actor_name) == (
        "staff",
        principal.id,
        "",  # a staff member is named by id only: the name stays encrypted in identity
    )
    assert (entry.action, entry.object_id) == ("create", response.json()["id"])
    assert (entry.ip, entry.user_agent) == ("testclient", "pytest-agent")
    assert entry.changes["name"] == {"old": "[redacted]", "new": "[redacted]"}
