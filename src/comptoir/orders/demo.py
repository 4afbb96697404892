"""BoutiqueNova's orders for the demo shop: a dozen web orders placed through real carts and
checkouts (stock held, then allocated; card payments and bank transfers), half of them by
demo customers who come back."""

from __future__ import annotations

import random
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.catalog import service as catalog
from comptoir.channels import service as channels
from comptoir.customers import service as customers
from comptoir.customers.schemas import CustomerFilters
from comptoir.kit.errors import DomainError
from comptoir.kit.settings import Settings
from comptoir.orders import service
from comptoir.orders.marketplace.demo import seed_marketplace_orders
from comptoir.orders.models import Order
from comptoir.orders.schemas import Address, CheckoutRequest, PaymentIn

ORDER_COUNT: Final = 12
BUYERS: Final = (
    ("Camille Martin", "Lyon", "69003"),
    ("Lucas Bernard", "Nantes", "44000"),
    ("Chloé Dubois", "Lille", "59000"),
    ("Hugo Laurent", "Rennes", "35000"),
)


def _returning(session: Session) -> list[tuple[str, str]]:
    """The e-mails and names of a few demo customers, so that some orders are theirs (their
    customer pages then list them); the other buyers become customers at checkout."""
    page = customers.list_customers(
        session, CustomerFilters(kind="person"), limit=len(BUYERS), cursor=None
    )
    return [(c.email, customers.display_name(c)) for c in page.items if c.email]


def _request(n: int, returning: list[tuple[str, str]]) -> CheckoutRequest:
    name, city, postal_code = BUYERS[n % len(BUYERS)]
    card = n % 3 != 2
    email = f"client{n + 1}@example.com"
    if returning and n % 2:
        email, name = returning[n % len(returning)]
    return CheckoutRequest(
        email=email,
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
    returning = _returning(session)
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
        service.checkout(session, cart.id, _request(n, returning), production=False, actor="demo")
        placed += 1
    imported = seed_marketplace_orders(session)
    more = f", {imported} marketplace orders imported" if imported else ""
    return f"Orders: {placed} web orders placed{more}."
