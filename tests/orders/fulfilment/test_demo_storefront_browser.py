"""Click & collect from both sides, in chromium: a shopper buys on the demo storefront
(``/demo-store/``, which drives the store API) and picks a store that holds the units; staff
mark the order ready in the back office and hand it over at that store's counter with the
shopper's code. The units leave that store, and only it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from comptoir.inventory import service as inventory
from comptoir.kit.db.engine import Database
from comptoir.orders.models import Order
from tests.inventory.factories import make_location, stock
from tests.orders.delivery.factories import make_carriers
from tests.orders.factories import make_article, make_shop
from tests.support.browser import open_page
from tests.support.live_server import LiveServer, live_server_settings, serve

pytestmark = [pytest.mark.browser, pytest.mark.committed]


@pytest.fixture
def live_server(database_url: str, committed_db: Database) -> Iterator[LiveServer]:
    """The real application with the demo storefront on, on the committed test database."""
    with serve(live_server_settings(database_url, demo_storefront=True)) as server:
        yield server


@pytest.fixture
def shopper(browser: Browser) -> Iterator[Page]:
    """A chromium page of its own for the shopper (no staff cookie)."""
    with open_page(browser) as browser_page:
        yield browser_page


def test_a_shopper_collects_in_store_what_she_bought_on_the_demo_storefront(
    shopper: Page, page: Page, live_server: LiveServer, committed_db: Database
) -> None:
    # given a shop with a warehouse of 10 enamel mugs, a store in the Marais holding 3 and an
    # empty store in Lyon, both offering click & collect
    with committed_db.transaction() as session:
        shop = make_shop(session)
        make_carriers(session)
        mug = make_article(session, shop, units=10, title="Enamel mug", price_minor=1450)
        stores = {}
        for name, city in (("Boutique Marais", "Paris"), ("Boutique Lyon", "Lyon")):
            store = make_location(
                session, kind="store", name=name, city=city, country="FR",
                click_and_collect=True,
            )  # fmt: skip
            inventory.set_channel_location(
                session, channel_id=shop.channel.id, location_id=store.id, buffer=0
            )
            stores[name] = store.id
        stock(session, variant_id=mug.id, location_id=stores["Boutique Marais"], quantity=3)
        key, mug_id, warehouse_id = shop.headers["X-Channel-Key"], mug.id, shop.location_id
    marais, lyon = stores["Boutique Marais"], stores["Boutique Lyon"]

    # when the shopper opens the storefront with the channel key and adds 2 mugs to her cart
    shopper.goto(live_server.at(f"/demo-store/?key={key}"))
    product = shopper.locator(f'[data-variant-id="{mug_id}"]')
    expect(product).to_contain_text("14,50")
    expect(product).to_contain_text("13 disponible(s)")
    expect(product).to_contain_text("Boutique Marais (3)")
    product.get_by_label("Quantité").fill("2")
    product.get_by_role("button", name="Ajouter au panier").click()
    expect(shopper.locator("#cart-total")).to_contain_text("29,00")

    # and asks how it can be delivered: both stores are offered, she picks the Marais
    shopper.get_by_role("button", name="Voir les modes de livraison").click()
    expect(shopper.locator(f'input[data-location-id="{lyon}"]')).to_be_visible()
    shopper.locator(f'input[data-location-id="{marais}"]').check()
    shopper.get_by_role("button", name="Choisir ce mode").click()
    expect(shopper.locator("#delivery-chosen")).to_contain_text("Boutique Marais")
    shopper.screenshot(path="/tmp/demo-storefront-cart-1280.png", full_page=True)

    # and gives her details and pays with the test card
    shopper.get_by_label("E-mail").fill("ada@example.com")
    shopper.get_by_label("Nom").fill("Ada Lovelace")
    shopper.get_by_label("Téléphone").fill("+33 6 12 34 56 78")
    shopper.get_by_label("Adresse de facturation").fill("12 rue des Lilas")
    shopper.get_by_label("Code postal").fill("75011")
    shopper.get_by_label("Ville").fill("Paris")
    shopper.get_by_role("button", name="Payer et commander").click()

    # then the storefront shows the order number of a paid order collected at the Marais
    number = shopper.locator("#order-number")
    expect(number).to_have_text(re.compile(r"^[A-Z0-9-]+-\d{4}-\d{6}$"))
    shopper.screenshot(path="/tmp/demo-storefront-1280.png", full_page=True)
    with committed_db.transaction(readonly=True) as session:
        order_id = session.scalars(
            select(Order.id).where(Order.number == number.inner_text())
        ).one()
        held = inventory.get_level(session, mug_id, marais)
        assert held is not None
        assert (held.on_hand, held.reserved) == (3, 2)

    # when staff mark it ready in the back office, then hand it over at the Marais counter
    page.goto(live_server.at(f"/admin/orders/{order_id}"))
    expect(page.locator("#order-status")).to_have_text("Payée")
    page.locator("#ready-for-pickup").click()
    code = page.locator("#pickup-code strong").inner_text()
    page.goto(live_server.at(f"/admin/fulfilment/{marais}/counter"))
    expect(page.locator("#pickups")).to_contain_text(number.inner_text())
    page.locator(f"#code-{order_id}").fill(code)
    page.get_by_role("button", name="Remettre").click()

    # then the order is collected and the 2 mugs left the Marais store, and no other place
    expect(page.locator("#flash")).to_contain_text("remise au client")
    page.goto(live_server.at(f"/admin/orders/{order_id}"))
    expect(page.locator("#order-status")).to_have_text("Retirée")
    with committed_db.transaction(readonly=True) as session:
        levels = {
            where: inventory.get_level(session, mug_id, where)
            for where in (marais, lyon, warehouse_id)
        }
        counts = {
            where: (level.on_hand, level.reserved) if level else (0, 0)
            for where, level in levels.items()
        }
        assert counts == {marais: (1, 0), lyon: (0, 0), warehouse_id: (10, 0)}
