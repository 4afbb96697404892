"""The Operations page in chromium: a dead-lettered delivery is retried from the page."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from comptoir.kit import clock
from comptoir.kit.db.engine import Database
from comptoir.kit.events.models import EventDelivery
from tests.backoffice.factories import add_delivery, add_job
from tests.support.browser import DESKTOP_VIEWPORT, TABLET_VIEWPORT
from tests.support.live_server import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.committed]


@pytest.fixture
def dead_delivery_id(committed_db: Database) -> uuid.UUID:
    """A dead-lettered delivery next to a few other items, committed for the live server."""
    with committed_db.transaction() as session:
        delivery = add_delivery(session, key="SO-2026-000123")
        add_delivery(
            session,
            key="SO-2026-000124",
            handler="customers.update_timeline",
            status="delivered",
            attempts=1,
            last_error=None,
        )
        add_job(session)
        add_job(
            session, task="reports.daily_sales", status="succeeded", attempts=1, last_error=None
        )
        delivery_id = delivery.id
    return delivery_id


def test_retrying_a_dead_delivery_from_the_page(
    page: Page, live_server: LiveServer, committed_db: Database, dead_delivery_id: uuid.UUID
) -> None:
    # given the Operations page showing the dead-lettered deliveries
    page.goto(live_server.at("/admin/operations?events=dead"))
    row = page.locator(f"#delivery-{dead_delivery_id}")
    expect(row.get_by_text("Abandonné", exact=True)).to_be_visible()

    # when its Retry button is pressed
    row.get_by_role("button", name=re.compile("^Relancer")).click()

    # then the row shows it pending, the live region confirms, and the page did not reload
    expect(row.locator(".badge")).to_have_text("En attente")
    expect(page.locator("#flash")).to_contain_text("remis en file")
    expect(row.get_by_role("button")).to_have_count(0)
    assert page.url == live_server.at("/admin/operations?events=dead")
    # and the delivery is due again in the database
    with committed_db.transaction(readonly=True) as session:
        stored = session.get(EventDelivery, dead_delivery_id)
        assert stored is not None
        assert (stored.status, stored.attempts) == ("pending", 0)
        assert stored.next_attempt_at <= clock.now()


def test_filter_chips_update_the_tables_and_the_address(
    page: Page, live_server: LiveServer, dead_delivery_id: uuid.UUID
) -> None:
    # given the whole Operations page
    page.goto(live_server.at("/admin/operations"))
    expect(page.locator("#events tbody tr")).to_have_count(2)

    # when the "dead-lettered" chip of the deliveries is chosen
    page.locator("#events-filter-dead").click()

    # then only the dead delivery is listed, the chip is marked, and the address can be shared
    expect(page.locator("#events tbody tr")).to_have_count(1)
    expect(page.locator("#events-filter-dead")).to_have_attribute("aria-current", "true")
    expect(page).to_have_url(live_server.at("/admin/operations?events=dead"))
    expect(page.locator(f"#delivery-{dead_delivery_id}")).to_be_visible()


def test_screenshots_of_the_operations_page(
    page: Page, live_server: LiveServer, dead_delivery_id: uuid.UUID
) -> None:
    # given the Operations page with items in every table
    page.goto(live_server.at("/admin/operations"))
    expect(page.locator(f"#delivery-{dead_delivery_id}")).to_be_visible()

    # when it is shown on a desktop and on a tablet at the counter
    page.screenshot(path="/tmp/operations-1280.png", full_page=True)
    page.set_viewport_size(TABLET_VIEWPORT)
    page.screenshot(path="/tmp/operations-1024.png", full_page=True)

    # then nothing overflows the tablet's width: the page never scrolls sideways
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= TABLET_VIEWPORT["width"]
    page.set_viewport_size(DESKTOP_VIEWPORT)
