"""BoutiqueNova's orders for the demo shop: a dozen web orders placed through real carts and
checkouts (stock held, then allocated; card payments and bank transfers)."""

from __future__ import annotations

import random
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.catalog import service as catalog
from comptoir.channels import service as channels
from comptoir.kit.errors import DomainError
from comptoir.kit.settings import Settings
from comptoir.orders import service
from comptoir.orders.models import Order
from comptoir.orders.schemas import Address, CheckoutRequest, PaymentIn

ORDER_COUNT: Final = 12
BUYERS: Final = (
    ("Camille Martin", "Lyon", "69003"),
    ("Lucas Bernard", "Nantes", "44000"),
    ("Chloé Dubois", "Lille", "59000"),
    ("Hugo Laurent", "Rennes", "35000"),
)


def _request(n: int) -> CheckoutRequest:
    name, city, postal_code = BUYERS[n % len(BUYERS)]
    card = n % 3 != 2
    return CheckoutRequest(
        email=f"client{n + 1}@example.com",
        billing_address=Address(
            name=name, line1=f"{n + 3} rue de la Paix", postal_code=postal_code, city=city,
            country="FR",
        ),
        payment=PaymentIn(
            method="test_card" if card else "bank_transfer",
            card_number="4242424242424242" if card else None,
        ),
    )  # fmt: skip


def seed_orders(session: Session, settings: Settings) -> str:
    """A dozen orders on the web shop, once."""
    if session.scalar(select(func.count()).select_from(Order)):
        return "Orders: already seeded."
    web = channels.channel_by_code(session, "web")
    if web is None:
        return "Orders: no web shop to sell on."
    listed = sorted(catalog.listed_variant_ids(session, web.id))
    rng = random.Random(2026)
    placed = 0
    for n in range(ORDER_COUNT):
        cart = service.create_cart(session, channel_id=web.id, destination_country="FR")
        for variant_id in rng.sample(listed, k=min(len(listed), rng.randint(1, 3))):
            try:
                service.add_line(session, cart, variant_id, rng.randint(1, 2))
            except DomainError:
                continue  # not priced, not taxed or out of stock: a shopper would skip it
        if not cart.lines:
            continue
        service.checkout(session, cart.id, _request(n), production=False, actor="demo")
        placed += 1
    return f"Orders: {placed} web orders placed."
