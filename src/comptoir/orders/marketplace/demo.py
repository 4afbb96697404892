"""A few marketplace orders for the demo shop, imported as a marketplace would send them."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Final

from sqlalchemy.orm import Session

from comptoir.catalog import service as catalog
from comptoir.channels import service as channels
from comptoir.inventory import service as inventory
from comptoir.kit import clock
from comptoir.orders.marketplace import service
from comptoir.orders.marketplace.schemas import MarketplaceBuyer, MarketplaceLine, MarketplaceOrder
from comptoir.orders.schemas import Address

BUYERS: Final = (
    ("Inès", "Moreau", "Bordeaux", "33000"),
    ("Théo", "Girard", "Toulouse", "31000"),
    ("Léa", "Roux", "Strasbourg", "67000"),
)


def seed_marketplace_orders(session: Session, *, sold_on: str = "web") -> int:
    """Three orders on the first marketplace channel, of variants the web shop lists and the
    marketplace has in stock, paid by the marketplace; how many were imported."""
    marketplace = next(
        (c for c in channels.list_channels(session) if c.kind == "marketplace"), None
    )
    web = channels.channel_by_code(session, sold_on)
    if marketplace is None or web is None:
        return 0
    listed = sorted(catalog.listed_variant_ids(session, web.id))
    available = inventory.available_to_promise(
        session, channel_id=marketplace.id, variant_ids=listed
    )
    in_stock = [variant_id for variant_id in listed if available[variant_id] >= 2]
    rng = random.Random(2027)
    orders = []
    for n, (first_name, last_name, city, postal_code) in enumerate(BUYERS):
        variants = rng.sample(in_stock, k=min(len(in_stock), 1 + n % 2))
        if not variants:
            break
        orders.append(
            MarketplaceOrder(
                marketplace_order_id=f"171-{4820031 + n:07d}-{rng.randint(1000000, 9999999)}",
                placed_at=clock.now() - timedelta(days=3 - n),
                currency=marketplace.currency,
                buyer=MarketplaceBuyer(
                    email=f"{first_name.lower()}.{last_name.lower()}@marketplace.example",
                    first_name=first_name,
                    last_name=last_name,
                ),
                shipping_address=Address(
                    name=f"{first_name} {last_name}", line1=f"{n + 8} cours Victor Hugo",
                    postal_code=postal_code, city=city, country="FR",
                ),
                lines=[
                    MarketplaceLine(
                        sku=catalog.variant_summary(session, variant_id).sku,
                        quantity=1,
                        unit_price_minor=rng.choice((1490, 2290, 3450)),
                    )
                    for variant_id in variants
                ],
                shipping_fee_minor=490,
            )
        )  # fmt: skip
    outcome = service.import_orders(session, marketplace.id, orders, actor="demo")
    return len(outcome.created)
