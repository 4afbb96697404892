"""The catalogue in chromium: create a product with two variants, find it in the list."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import DESKTOP_VIEWPORT
from tests.support.live_server import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.committed]


def test_creating_a_product_with_two_variants_and_finding_it(
    page: Page, live_server: LiveServer
) -> None:
    # given the empty product list
    page.set_viewport_size(DESKTOP_VIEWPORT)
    page.goto(live_server.at("/admin/catalog/products"))
    page.get_by_role("link", name="Ajouter un produit").first.click()

    # when a product with two variants is filled in and created
    page.get_by_label("Titre", exact=True).fill("Marinière Bréhat")
    page.get_by_label("Statut", exact=True).select_option("active")
    page.get_by_label("Options", exact=True).fill("Taille")
    page.get_by_label("SKU de la variante 1").fill("MB-S")
    page.get_by_label("Valeurs d\u2019options de la variante 1").fill("S")
    page.get_by_label("SKU de la variante 2").fill("MB-M")
    page.get_by_label("Valeurs d\u2019options de la variante 2").fill("M")
    page.get_by_role("button", name="Créer le produit").click()

    # then its page shows both variants, and the list finds it by SKU
    expect(page.locator("h1")).to_contain_text("Marinière Bréhat")
    expect(page.get_by_role("cell", name="MB-M", exact=True)).to_be_visible()
    page.screenshot(path="/tmp/catalog-product-1280.png", full_page=True)
    page.goto(live_server.at("/admin/catalog/products"))
    page.get_by_label("Rechercher par titre, identifiant ou SKU").fill("MB-M")
    expect(page.get_by_role("link", name="Marinière Bréhat")).to_be_visible()
    expect(page.locator("#products tbody tr")).to_have_count(1)
    page.screenshot(path="/tmp/catalog-products-1280.png", full_page=True)
