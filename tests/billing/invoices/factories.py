"""Factories for the invoices tests: the seller's identity, a paid order from a shop, and
the relay that runs the invoicing handler on the events of the test's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.billing.invoices import service
from comptoir.billing.invoices.models import Invoice, SellerProfile
from comptoir.billing.invoices.schemas import InvoiceDraftIn, InvoiceLineIn, SellerProfileIn
from comptoir.kit.db.engine import Database
from comptoir.kit.events.relay import Relay
from comptoir.orders import service as orders
from comptoir.orders.schemas import CheckoutRequest
from tests.orders.factories import Shop, checkout_body, make_article, make_shop

SELLER_SIREN = "552100554"


def make_seller(session: Session, **changes: object) -> SellerProfile:
    """BoutiqueNova SAS, in Paris, registered for VAT."""
    data = {
        "legal_name": "BoutiqueNova SAS",
        "legal_form": "SAS",
        "share_capital_minor": 1_000_000,
        "siren": SELLER_SIREN,
        "siret": "55210055400013",
        "vat_number": "FR96552100554",
        "rcs": "RCS Paris 552 100 554",
        "address_line1": "8 rue de la Paix",
        "postcode": "75002",
        "city": "Paris",
        "iban": "FR7630006000011234567890189",
        **changes,
    }
    return service.update_seller(session, SellerProfileIn.model_validate(data))


def paid_order(
    session: Session,
    shop: Shop | None = None,
    *,
    items: Sequence[tuple[int, int]] = ((1200, 2),),
    body: dict[str, object] | None = None,
) -> tuple[Shop, uuid.UUID]:
    """An order paid by card: ``items`` are (unit price, units) of one article each."""
    shop = shop or make_shop(session)
    cart = orders.create_cart(session, channel_id=shop.channel.id)
    for n, (price, units) in enumerate(items):
        article = make_article(session, shop, price_minor=price, units=units + 5, title=f"Mug {n}")
        orders.add_line(session, cart, article.id, units)
    order = orders.checkout(
        session, cart.id, CheckoutRequest.model_validate(body or checkout_body()), production=False
    )
    return shop, order.id


def relay(db: Database) -> int:
    """Deliver every pending event to its handlers; returns how many deliveries ran."""
    runner = Relay(db, worker_name="invoices-test", max_attempts=1)
    total = 0
    while ran := runner.deliver_batch():
        total += ran
    return total


def invoices_of(session: Session, order_id: uuid.UUID, kind: str = "invoice") -> list[Invoice]:
    return list(
        session.scalars(
            select(Invoice)
            .where(Invoice.order_id == order_id, Invoice.kind == kind)
            .order_by(Invoice.number)
            .execution_options(populate_existing=True)
        )
    )


def b2b_draft(**changes: object) -> InvoiceDraftIn:
    """Consulting and goods for a French company, 30 days."""
    data: dict[str, object] = {
        "buyer_name": "Atelier Durand SARL",
        "buyer_address": "3 quai des Chartrons\n33000 Bordeaux\nFR",
        "buyer_siren": "404833048",
        "buyer_vat_number": "FR83404833048",
        "buyer_reference": "PO-7781",
        "payment_terms_days": 30,
        "lines": [
            InvoiceLineIn(
                kind="service", title="Conseil", quantity=Decimal(3), unit_code="HUR",
                unit_price_excl_minor=9000, vat_rate=Decimal(20),
            ),
            InvoiceLineIn(
                title="Livre", quantity=Decimal(2), unit_price_excl_minor=1999,
                vat_rate=Decimal("5.5"),
            ),
        ],
        **changes,
    }  # fmt: skip
    return InvoiceDraftIn.model_validate(data)
