"""Click & collect end to end: a shopper checks out for pickup through the real store API of
the live server, then staff, in chromium, mark the order ready (the code appears once) and
hand it over at the store's counter once the customer gives that code."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect

from comptoir.inventory import service as inventory
from comptoir.kit.db.engine import Database
from tests.orders.factories import checkout_body, make_article, make_shop
from tests.support.live_server import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.committed]


def test_a_click_and_collect_order_is_made_ready_and_collected_at_the_counter(
    page: Page, live_server: LiveServer, committed_db: Database
) -> None:
    # given a shop selling enamel mugs from a store
    with committed_db.transaction() as session:
        shop = make_shop(session)
        mug = make_article(session, shop, units=10, title="Enamel mug")
        variant_id, location_id, headers = mug.id, shop.location_id, shop.headers

    # when a shopper checks out 2 mugs for pickup on the store API
    with httpx.Client(base_url=live_server.url, headers=headers, timeout=30) as store:
        cart = store.post("/store/v1/carts", json={}).json()
        store.post(
            f"/store/v1/carts/{cart['id']}/lines",
            json={"variant_id": str(variant_id), "quantity": 2},
        ).raise_for_status()
        store.put(
            f"/store/v1/carts/{cart['id']}/destination",
            json={"country": "FR", "delivery_method": "pickup"},
        ).raise_for_status()
        placed = store.post(f"/store/v1/carts/{cart['id']}/checkout", json=checkout_body())
        assert placed.status_code == 201, placed.text
        order = placed.json()

    # and staff mark it ready from its page, then hand it over at the counter
    page.goto(live_server.at(f"/admin/orders/{order['id']}"))
    expect(page.locator("#order-status")).to_have_text("Payée")
    page.locator("#ready-for-pickup").click()
    code = page.locator("#pickup-code strong").inner_text()
    page.screenshot(path="/tmp/pickup-ready-1024.png", full_page=True)
    page.goto(live_server.at("/admin/fulfilment"))
    page.locator(f'a[href="/admin/fulfilment/{location_id}/counter"]').click()
    expect(page.locator("#pickups")).to_contain_text(order["number"])
    field = page.locator(f"#code-{order['id']}")
    field.fill("AAAAAA" if code != "AAAAAA" else "CCCCCC")
    page.get_by_role("button", name="Remettre").click()
    expect(page.locator(".error-summary")).to_be_visible()
    page.locator(f"#code-{order['id']}").fill(code.lower())
    page.screenshot(path="/tmp/pickup-counter-1024.png", full_page=True)
    page.get_by_role("button", name="Remettre").click()

    # then the counter is empty, the order collected and its units gone from the store
    expect(page.locator("#flash")).to_contain_text("remise au client")
    expect(page.locator("#pickups")).to_have_count(0)
    page.goto(live_server.at(f"/admin/orders/{order['id']}"))
    expect(page.locator("#order-status")).to_have_text("Retirée")
    expect(page.locator("#order-timeline")).to_contain_text("Retirée en magasin")
    with committed_db.transaction(readonly=True) as session:
        level = inventory.get_level(session, variant_id, location_id)
        assert level is not None
        assert (level.on_hand, level.reserved) == (8, 0)
