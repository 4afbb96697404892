"""The stock screens in chromium: from the stock list to a variant, an adjustment recorded
and shown in its movement history."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from comptoir.inventory import service
from comptoir.kit.db.engine import Database
from tests.catalog.factories import make_variant
from tests.inventory.factories import make_location, stock
from tests.support.browser import TABLET_VIEWPORT
from tests.support.live_server import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.committed]


def test_adjusting_a_variant_from_the_stock_page(
    page: Page, live_server: LiveServer, committed_db: Database
) -> None:
    # given a mug with 6 units in the Paris store
    with committed_db.transaction() as session:
        variant_id = make_variant(session, sku="MUG-RED").id
        paris = make_location(session, code="PARIS", name="Paris store", kind="store").id
        stock(session, variant_id=variant_id, location_id=paris, quantity=6)

    # when the stock page is opened, the mug chosen, and 2 units written off as damaged
    page.goto(live_server.at("/admin/inventory"))
    page.locator("#location-PARIS").click()
    expect(page).to_have_url(live_server.at(f"/admin/inventory?location={paris}&"))
    page.get_by_role("link", name="MUG-RED").click()
    page.get_by_label("Location", exact=True).select_option(str(paris))
    page.get_by_label("Change in units").fill("-2")
    page.get_by_label("Reason", exact=True).select_option("damaged")
    page.get_by_role("button", name="Record the adjustment").click()

    # then the page confirms, shows 4 on hand and the adjustment at the top of the history
    expect(page.locator("#flash")).to_contain_text("The stock was adjusted.")
    expect(page.locator("#variant-levels tbody tr").first).to_contain_text("4")
    first_movement = page.locator("#movements tbody tr").first
    expect(first_movement).to_contain_text("Adjustment")
    expect(first_movement).to_contain_text("-2")
    with committed_db.transaction(readonly=True) as session:
        level = service.get_level(session, variant_id, paris)
        assert level is not None
        assert (level.on_hand, level.reserved) == (4, 0)


def test_the_variant_page_fits_a_tablet(
    page: Page, live_server: LiveServer, committed_db: Database
) -> None:
    # given a variant stocked in two stores with some history
    with committed_db.transaction() as session:
        variant_id = make_variant(session, sku="LAMP-OAK").id
        for code in ("PARIS", "LYON"):
            location_id = make_location(session, code=code, name=f"{code} store").id
            stock(session, variant_id=variant_id, location_id=location_id, quantity=3)

    # when its page is shown on a desktop and on a tablet at the counter
    page.goto(live_server.at(f"/admin/inventory/variants/{variant_id}"))
    expect(page.locator("#movements tbody tr")).to_have_count(2)
    page.screenshot(path="/tmp/inventory-variant-1280.png", full_page=True)
    page.set_viewport_size(TABLET_VIEWPORT)
    page.screenshot(path="/tmp/inventory-variant-1024.png", full_page=True)

    # then nothing overflows the tablet's width
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= TABLET_VIEWPORT["width"]
