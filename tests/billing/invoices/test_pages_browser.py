"""The invoice screens in chromium, in the back office's language (French): a paid order's
invoice found under Finance > Invoices, opened with its totals per rate, its rounding and its
mentions, and its Factur-X PDF downloaded."""

from __future__ import annotations

from pathlib import Path

import facturx
import pytest
from playwright.sync_api import Page, expect

from comptoir.billing.invoices import service
from comptoir.kit.clock import FrozenClock
from comptoir.kit.db.engine import Database
from comptoir.orders import service as orders
from comptoir.orders.schemas import CheckoutRequest
from tests.billing.invoices.factories import make_seller
from tests.orders.factories import checkout_body, make_article, make_shop, make_tax_class_with
from tests.support.live_server import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.committed]


def test_staff_find_an_order_invoice_open_it_and_download_its_pdf(
    page: Page, live_server: LiveServer, committed_db: Database, clock: FrozenClock
) -> None:
    # given the seller, and a paid order of a mug at 9.99 (20 %) and a book at 21.10 (5.5 %),
    # invoiced and settled through the service
    with committed_db.transaction() as session:
        make_seller(session)
        shop = make_shop(session)
        mug = make_article(session, shop, price_minor=999, title="Mug émaillé")
        books = make_tax_class_with(session, {"FR": "5.5"}, code="fr-books")
        book = make_article(session, shop, price_minor=2110, tax_class=books, title="Livre")
        cart = orders.create_cart(session, channel_id=shop.channel.id)
        orders.add_line(session, cart, mug.id, 1)
        orders.add_line(session, cart, book.id, 1)
        order = orders.checkout(
            session, cart.id, CheckoutRequest.model_validate(checkout_body()), production=False
        )
        invoice = service.issue_for_order(session, order.id, trigger="payment")
        assert invoice is not None
        service.apply_order_payments(session, invoice)
        number = invoice.number
        assert number is not None
        assert (invoice.rounding_minor, invoice.status) == (1, "paid")

    # when staff open Finance > Invoices, find it in the list and open it
    page.goto(live_server.at("/admin"))
    finance = page.locator("section.app-nav__section", has=page.locator("#nav-finance"))
    finance.get_by_role("link", name="Factures", exact=True).click()
    expect(page.locator("h1")).to_contain_text("Factures")
    page.get_by_role("link", name=number).click()

    # then the page shows the totals per rate, the rounding and what was paid, and mentions
    expect(page.locator("#invoice-status")).to_have_text("Payée")
    expect(page.locator("#invoice-total")).to_contain_text("31,09")  # what the customer paid
    totals = page.locator("#invoice-tax-totals")
    expect(totals).to_contain_text("20 %")
    expect(totals).to_contain_text("5,5 %")
    expect(totals).to_contain_text("8,32")  # 9.99 at 20 %: base 8.32, VAT 1.66
    expect(totals).to_contain_text("1,66")
    expect(totals).to_contain_text("20,00")  # 21.10 at 5.5 %: base 20.00, VAT 1.10
    expect(totals).to_contain_text("1,10")
    expect(page.locator("#invoice-rounding")).to_contain_text("0,01")
    expect(page.locator("#invoice-payable")).to_contain_text("31,09")
    expect(page.locator("#invoice-due")).to_contain_text("0,00")
    expect(page.locator("#invoice-mentions")).to_contain_text("Date d\u2019échéance")
    page.screenshot(path="/tmp/invoice-1280.png", full_page=True)

    # and its PDF downloads, a Factur-X with its XML embedded
    with page.expect_download() as started:
        page.get_by_role("link", name="Télécharger le PDF").click()
    download = started.value
    assert download.suggested_filename == f"{number}.pdf"
    pdf = Path(download.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    filename, xml = facturx.get_facturx_xml_from_pdf(pdf, check_xsd=True)
    assert filename == "factur-x.xml"
    assert number.encode() in xml
    assert b"<ram:RoundingAmount>0.01</ram:RoundingAmount>" in xml
