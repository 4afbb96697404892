"""The audit trail page in chromium: filtering by who updates the list in place."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, expect

from comptoir.kit.db.engine import Database
from comptoir.privacy.schemas import AuditActor, FieldChange, RequestMeta
from comptoir.privacy.service import record
from tests.support.browser import DESKTOP_VIEWPORT, TABLET_VIEWPORT
from tests.support.live_server import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.committed]


@pytest.fixture
def trail(committed_db: Database) -> None:
    camille = AuditActor(kind="staff", id=uuid.UUID(int=1), display_name="Camille Martin")
    louis = AuditActor(kind="staff", id=uuid.UUID(int=2), display_name="Louis Petit")
    meta = RequestMeta(ip="203.0.113.9", user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0")
    with committed_db.transaction() as session:
        record(
            session,
            actor=camille,
            action="update",
            object_type="catalog_products",
            object_id=str(uuid.UUID(int=11)),
            changes={"price_minor": FieldChange(old=1990, new=2490)},
            request_meta=meta,
        )
        record(
            session,
            actor=louis,
            action="update",
            object_type="customers_customers",
            object_id=str(uuid.UUID(int=12)),
            changes={
                "email": FieldChange(old="a@example.com", new="b@example.com", personal=True),
                "segment": FieldChange(old="new", new="loyal"),
            },
            request_meta=meta,
        )
        record(
            session,
            actor=AuditActor.system("import"),
            action="create",
            object_type="catalog_products",
            object_id=str(uuid.UUID(int=13)),
        )


@pytest.mark.usefixtures("trail")
def test_filtering_by_who_updates_the_list_and_the_address(
    page: Page, live_server: LiveServer
) -> None:
    # given the audit trail page with three entries
    page.set_viewport_size(DESKTOP_VIEWPORT)
    page.goto(live_server.at("/admin/privacy/audit"))
    rows = page.locator("#audit-results tbody tr")
    expect(rows).to_have_count(3)
    page.screenshot(path="/tmp/audit-1280.png", full_page=True)
    page.set_viewport_size(TABLET_VIEWPORT)
    page.screenshot(path="/tmp/audit-1024.png", full_page=True)

    # when someone filters on "louis"
    page.get_by_label("Qui").fill("louis")
    page.get_by_role("button", name="Afficher").click()

    # then only Louis's entry is listed, its e-mail hidden, and the address says so
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Louis Petit")
    expect(rows.first).to_contain_text("personnel, non affiché")
    expect(rows.first).not_to_contain_text("example.com")
    expect(page).to_have_url(live_server.at("/admin/privacy/audit?actor=louis"))
