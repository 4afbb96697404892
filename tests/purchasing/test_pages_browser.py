"""The purchasing and import screens in chromium: receiving part of a purchase order, and a
catalogue file checked, applied as a job and followed to the end."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import FilePayload, Page, expect

from comptoir.catalog import service as catalog
from comptoir.inventory import service as inventory
from comptoir.kit.db.engine import Database
from tests.catalog.factories import make_price_list, make_variant
from tests.inventory.factories import make_location
from tests.purchasing.factories import make_purchase_order, make_supplier
from tests.support.live_server import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.committed]


def test_receiving_part_of_a_purchase_order(
    page: Page, live_server: LiveServer, committed_db: Database
) -> None:
    # given a sent order of 12 bags of coffee
    with committed_db.transaction() as session:
        variant = make_variant(session, sku="BEANS-1KG")
        location = make_location(session, name="Main warehouse")
        order = make_purchase_order(
            session,
            supplier=make_supplier(session, name="Brûlerie du Marais"),
            location_id=location.id,
            lines=[(variant.id, 12, Decimal("8.20"))],
        )
        variant_id, location_id, number = variant.id, location.id, order.number

    # when the order is opened from the list and 5 bags are received
    page.goto(live_server.at("/admin/purchasing/orders"))
    page.get_by_role("link", name=number).click()
    page.screenshot(path="/tmp/purchase-order-1280.png", full_page=True)
    page.get_by_label("Units of BEANS-1KG that arrived").fill("5")
    page.get_by_role("button", name="Receive into stock").click()

    # then the page confirms and shows the order partly received
    expect(page.locator("#flash")).to_contain_text("The delivery was received into stock.")
    expect(page.locator("#order-status")).to_have_text("Partly received")
    expect(page.locator("#order-lines tbody tr").first).to_contain_text("5")
    with committed_db.transaction(readonly=True) as session:
        level = inventory.get_level(session, variant_id, location_id)
        assert level is not None
        assert level.on_hand == 5


def test_importing_a_catalogue_file(
    page: Page, live_server: LiveServer, committed_db: Database
) -> None:
    # given a location, a price list and a file with one bad row
    with committed_db.transaction() as session:
        make_location(session, code="MAIN", name="Main warehouse")
        make_price_list(session, code="public", name="Public", currency="EUR")
    data = "Référence;Nom;Prix;Quantité\nMUG-RED;Mug rouge;12,50;7\nMUG-BAD;Mug;abc;1\n"

    # when it is checked
    page.goto(live_server.at("/admin/imports"))
    payload: FilePayload = {
        "name": "catalogue.csv",
        "mimeType": "text/csv",
        "buffer": data.encode("cp1252"),
    }
    page.get_by_label("File", exact=True).set_input_files(files=payload)
    page.get_by_label("Location for the stock quantities").select_option("MAIN")
    page.get_by_label("Price list for the prices").select_option("public")
    page.get_by_role("button", name="Check the file").click()

    # then the refused row is listed with its line and column, and nothing changed yet
    row = page.locator("#refused-rows tbody tr").first
    expect(row).to_contain_text("3")
    expect(row).to_contain_text("Prix")
    expect(row).to_contain_text("Must be a decimal number.")
    page.screenshot(path="/tmp/imports-report-1280.png", full_page=True)
    with committed_db.transaction(readonly=True) as session:
        assert catalog.find_variant_by_sku(session, "MUG-RED") is None

    # when it is applied, the page follows the job to the end
    page.get_by_role("button", name="Apply the import").click()
    expect(page.locator("#upload-state")).to_have_text("Applied", timeout=15_000)
    expect(page.locator("#count-created")).to_have_text("1")
    with committed_db.transaction(readonly=True) as session:
        assert catalog.find_variant_by_sku(session, "MUG-RED") is not None


def test_a_price_is_added_to_a_supplier_price_list_and_removed(
    page: Page, live_server: LiveServer, committed_db: Database
) -> None:
    # given a supplier and a variant of the catalogue
    with committed_db.transaction() as session:
        make_variant(session, sku="JUG-BLUE")
        make_supplier(session, name="Céramiques Roux", lead_time_days=9)

    # when the supplier is opened from the list and the jug added to its price list
    page.goto(live_server.at("/admin/purchasing/suppliers"))
    page.get_by_role("link", name="Céramiques Roux").click()
    page.get_by_label("SKU in the catalogue").fill("JUG-BLUE")
    page.get_by_label("Supplier reference").fill("CR-77")
    page.get_by_label("Unit cost (EUR)").fill("5,40")
    page.get_by_role("button", name="Add to the price list").click()

    # then the row shows the cost and the supplier's usual lead time
    expect(page.locator("#flash")).to_contain_text("The price list was updated.")
    row = page.locator("#supplier-prices tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("€5.40")
    expect(row).to_contain_text("usual")
    page.screenshot(path="/tmp/supplier-1280.png", full_page=True)

    # when it is removed, once the confirmation is accepted
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Remove JUG-BLUE").click()

    # then the list is empty again
    expect(page.locator("#flash")).to_contain_text("The price was removed from the price list.")
    expect(page.get_by_role("heading", name="No price yet")).to_be_visible()
