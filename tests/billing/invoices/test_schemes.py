"""VAT schemes on invoices: an order's destination and VAT number decide the scheme, the
category of its lines and the exemption wording; a manual draft can reverse-charge."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from comptoir.billing.invoices import service
from comptoir.billing.invoices.errors import InvalidInvoice
from comptoir.billing.invoices.schemas import InvoiceLineIn
from comptoir.kit.clock import FrozenClock
from comptoir.orders import service as orders
from comptoir.orders.schemas import CheckoutRequest
from tests.billing.invoices.factories import b2b_draft, make_seller
from tests.orders.factories import checkout_body, make_article, make_shop


def _order(session: Session, country: str, vat_number: str | None) -> uuid.UUID:
    shop = make_shop(session)
    mug = make_article(session, shop, price_minor=1200)
    cart = orders.create_cart(session, channel_id=shop.channel.id)
    orders.add_line(session, cart, mug.id, 1)
    orders.set_destination(session, cart, country=country, vat_number=vat_number)
    body = CheckoutRequest.model_validate(checkout_body(country=country))
    return orders.checkout(session, cart.id, body, production=False).id


@pytest.mark.parametrize(
    ("country", "vat_number", "scheme", "category", "rate", "wording"),
    [
        ("FR", None, "domestic", "S", "0.2000", None),
        ("DE", None, "oss", "S", "0.1900", None),
        ("DE", "DE136695976", "intra_eu_goods", "K", "0.0000",
         "Exonération de TVA, article 262 ter I du CGI"),
        ("US", None, "export", "G", "0.0000", "Exonération de TVA, article 262 I du CGI"),
    ],
)  # fmt: skip
def test_an_orders_destination_decides_the_scheme_category_and_wording(
    session: Session,
    clock: FrozenClock,
    country: str,
    vat_number: str | None,
    scheme: str,
    category: str,
    rate: str,
    wording: str | None,
) -> None:
    make_seller(session)
    order_id = _order(session, country, vat_number)

    invoice = service.issue_for_order(session, order_id, trigger="payment")

    assert invoice is not None
    assert (invoice.vat_scheme, invoice.exemption_reason) == (scheme, wording)
    assert [(t.category, t.rate, t.exemption_reason) for t in invoice.tax_totals] == [
        (category, Decimal(rate), wording)
    ]
    assert invoice.buyer_vat_number == vat_number
    assert invoice.buyer_is_business is (vat_number is not None)
    if wording:
        assert wording in service.mentions(session, invoice)


def test_a_service_to_an_eu_business_is_reverse_charged(
    session: Session, clock: FrozenClock
) -> None:
    make_seller(session)
    draft = b2b_draft(
        vat_scheme="reverse_charge",
        buyer_country="DE",
        buyer_siren=None,
        buyer_vat_number="DE136695976",
        lines=[
            InvoiceLineIn(
                kind="service", title="Audit", quantity=Decimal(1),
                unit_price_excl_minor=50000, vat_rate=Decimal(0),
            )
        ],
    )  # fmt: skip

    invoice = service.issue(session, service.create_draft(session, draft).id, actor="staff")

    assert (invoice.supply_type, invoice.total_tax_minor, invoice.total_gross_minor) == (
        "services", 0, 50000,
    )  # fmt: skip
    assert [(t.category, t.exemption_reason) for t in invoice.tax_totals] == [
        ("AE", "Autoliquidation — article 283-2 du CGI")
    ]


def test_a_vat_rate_on_a_scheme_without_vat_is_refused(session: Session) -> None:
    draft = b2b_draft(vat_scheme="export")  # its lines carry 20 % and 5.5 %

    with pytest.raises(InvalidInvoice) as refused:
        service.create_draft(session, draft)

    assert [issue.field for issue in refused.value.issues] == [
        "lines.0.vat_rate",
        "lines.1.vat_rate",
    ]
