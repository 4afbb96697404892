"""The order screens in chromium, in the shop's language (French): an order found in the
list, opened, and cancelled after confirming what will happen."""

from __future__ import annotations

import pytest
from playwright.sync_api import Dialog, Page, expect

from comptoir.inventory import service as inventory
from comptoir.kit.db.engine import Database
from comptoir.orders import service
from comptoir.orders.schemas import CheckoutRequest
from tests.orders.factories import checkout_body, make_article, make_shop
from tests.support.live_server import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.committed]


def test_cancelling_an_order_from_its_page(
    page: Page, live_server: LiveServer, committed_db: Database
) -> None:
    # given a paid order of 2 enamel mugs
    with committed_db.transaction() as session:
        shop = make_shop(session)
        mug = make_article(session, shop, units=10, title="Enamel mug")
        cart = service.create_cart(session, channel_id=shop.channel.id)
        service.add_line(session, cart, mug.id, 2)
        order = service.checkout(
            session, cart.id, CheckoutRequest.model_validate(checkout_body()), production=False
        )
        number, variant_id, location_id = order.number, mug.id, shop.location_id
    dialogs: list[str] = []

    def accept(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)

    # when it is opened from the list and cancelled
    page.goto(live_server.at("/admin/orders"))
    page.get_by_role("link", name=number).click()
    expect(page.locator("#order-lines")).to_contain_text("Enamel mug")
    page.screenshot(path="/tmp/order-1280.png", full_page=True)
    page.get_by_label("Motif (facultatif)").fill("Customer called")
    page.get_by_role("button", name="Annuler la commande").click()

    # then the person was told what would happen, and the order is cancelled, units back
    assert dialogs == ["Annuler la commande ? 2 articles réservés seront de nouveau disponibles."]
    expect(page.locator("#flash")).to_contain_text("La commande a été annulée")
    expect(page.locator("#order-status")).to_have_text("Annulé")
    expect(page.locator("#order-timeline")).to_contain_text("Customer called")
    with committed_db.transaction(readonly=True) as session:
        level = inventory.get_level(session, variant_id, location_id)
        assert level is not None
        assert (level.on_hand, level.reserved) == (10, 0)
