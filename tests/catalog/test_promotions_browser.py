"""A promotion in chromium: created from the back office, then seen on the product's page as
a reduced price with the lowest price of the previous 30 days (EU Omnibus), which counts an
earlier promotion."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from comptoir.catalog import service
from comptoir.catalog.schemas import PriceSet
from comptoir.kit.clock import FrozenClock
from comptoir.kit.db.engine import Database
from tests.catalog.factories import make_price_list, make_product, make_promotion, make_variant
from tests.support.browser import DESKTOP_VIEWPORT
from tests.support.live_server import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.committed]


def test_a_new_promotion_shows_the_reduced_price_and_the_omnibus_reference(
    clock: FrozenClock, page: Page, live_server: LiveServer, committed_db: Database
) -> None:
    # given a jumper at 30 € for two months, sold at 22.50 € by a promotion 20 to 13 days ago
    with committed_db.transaction() as session:
        product = make_product(session, title="Pull marin", handle="pull-marin")
        variant = make_variant(session, product=product, sku="PM-M")
        prices = make_price_list(session, name="Public")
        today = clock.now()
        # (the clock goes back for the first price only: the signed-in session stays valid)
        clock.set(today - timedelta(days=60))
        service.set_price(session, prices.id, PriceSet(variant_id=variant.id, amount_minor=3000))
        clock.set(today)
        make_promotion(
            session,
            name="Soldes d\u2019automne",
            percent=Decimal("25"),
            product_ids=[str(product.id)],
            starts_at=clock.now() - timedelta(days=20),
            ends_at=clock.now() - timedelta(days=13),
        )
        product_id = product.id

    # when a promotion of 10 % on this product is created from the promotion list
    page.set_viewport_size(DESKTOP_VIEWPORT)
    page.goto(live_server.at("/admin/catalog/promotions"))
    expect(page.locator("#promotions tbody tr")).to_have_count(1)
    page.get_by_role("link", name="Créer une promotion").first.click()
    page.get_by_label("Nom", exact=True).fill("Black Friday")
    page.get_by_label("Type de remise", exact=True).select_option("percentage")
    page.get_by_label("Pourcentage de remise", exact=True).fill("10")
    page.get_by_label("Produits", exact=True).fill("pull-marin")
    page.get_by_role("button", name="Créer la promotion").click()

    # then it runs, and the product's page shows 27 € instead of 30 €, with 22.50 € as the
    # lowest price of the previous 30 days
    expect(page.locator("#flash")).to_contain_text("La promotion a été créée.")
    expect(page.locator("h1")).to_contain_text("Black Friday")
    expect(page.locator(".badge").first).to_contain_text("En cours")
    page.screenshot(path="/tmp/catalog-promotion-1280.png", full_page=True)
    page.goto(live_server.at(f"/admin/catalog/products/{product_id}"))
    row = page.locator("#price-today tbody tr").first
    expect(row).to_contain_text("27,00\u00a0€")
    expect(row).to_contain_text("30,00\u00a0€")
    expect(row).to_contain_text("Black Friday")
    expect(row.locator("td").last).to_have_text("22,50\u00a0€")
    page.screenshot(path="/tmp/catalog-product-prices-1280.png", full_page=True)
