"""BoutiqueNova's stock: a warehouse and three stores, which channel sells from where, and the
initial stock of every demo variant, received through the ledger."""

from __future__ import annotations

import uuid
from typing import Any, Final

from sqlalchemy.orm import Session

from comptoir.inventory import service
from comptoir.inventory.schemas import LocationCreate, StockReference
from comptoir.kit.settings import Settings

WAREHOUSE: Final = "WH-ORLEANS"
_WEEKDAYS: Final = {
    day: [{"opens": "10:00", "closes": "19:30"}] for day in ("mon", "tue", "wed", "thu", "fri")
}
STORE_HOURS: Final[dict[str, Any]] = {**_WEEKDAYS, "sat": [{"opens": "10:00", "closes": "20:00"}]}

LOCATIONS: Final = (
    LocationCreate(
        code=WAREHOUSE, name="Entrepôt Orléans", kind="warehouse",
        address_line1="12 rue des Frères Lumière", postal_code="45000", city="Orléans",
        country="FR",
    ),
    LocationCreate(
        code="ST-PARIS", name="Boutique Paris Marais", kind="store",
        address_line1="18 rue des Francs-Bourgeois", postal_code="75003", city="Paris",
        country="FR", opening_hours=STORE_HOURS, click_and_collect=True,
    ),
    LocationCreate(
        code="ST-LYON", name="Boutique Lyon Presqu'île", kind="store",
        address_line1="7 rue de la République", postal_code="69002", city="Lyon", country="FR",
        opening_hours=STORE_HOURS, click_and_collect=True,
    ),
    LocationCreate(
        code="ST-BORDEAUX", name="Boutique Bordeaux Chartrons", kind="store",
        address_line1="40 rue Notre-Dame", postal_code="33000", city="Bordeaux", country="FR",
        opening_hours={**STORE_HOURS, "sun": [{"opens": "11:00", "closes": "18:00"}]},
        click_and_collect=False,
    ),
)  # fmt: skip

# Per channel kind: the buffer kept back at the warehouse and at each store (None: not sold
# from there). The marketplace never gets the last two units of a location.
BUFFERS: Final[dict[str, tuple[int | None, int | None]]] = {
    "web": (0, 1),
    "app": (0, 1),
    "marketplace": (2, None),
    "store": (None, 0),
}


def _demo_variants(session: Session) -> list[uuid.UUID]:
    from comptoir.catalog import service as catalog
    from comptoir.catalog.schemas import ProductFilters

    variant_ids: list[uuid.UUID] = []
    cursor: str | None = None
    while True:
        page = catalog.list_products(
            session, ProductFilters(sort="title"), limit=200, cursor=cursor
        )
        for product in page.items:
            variant_ids += [
                variant.id for variant in catalog.product_out(session, product).variants
            ]
        if page.next_cursor is None:
            return variant_ids
        cursor = page.next_cursor


def _channel_rules(session: Session, locations: dict[str, uuid.UUID]) -> int:
    from comptoir.channels import service as channels

    rules = 0
    for channel in channels.list_channels(session):
        warehouse_buffer, store_buffer = BUFFERS.get(channel.kind, (0, 0))
        for code, location_id in locations.items():
            buffer = warehouse_buffer if code == WAREHOUSE else store_buffer
            if buffer is None:
                continue
            service.set_channel_location(
                session, channel_id=channel.id, location_id=location_id, buffer=buffer
            )
            rules += 1
    return rules


def seed_inventory(session: Session, settings: Settings) -> str:
    """Locations, channel rules and initial stock (one ``receipt`` per variant and location,
    so levels match the ledger). Idempotent: does nothing once the warehouse exists."""
    if service.get_location_by_code(session, WAREHOUSE) is not None:
        return "Inventory: already seeded."
    locations = {data.code: service.create_location(session, data).id for data in LOCATIONS}
    rules = _channel_rules(session, locations)
    variant_ids = _demo_variants(session)
    reference = StockReference(type="initial_stock", id="DEMO")
    for index, variant_id in enumerate(variant_ids):
        for position, (code, location_id) in enumerate(locations.items()):
            # Deterministic, varied quantities; some store shelves are empty.
            quantity = 30 + (index * 7) % 50 if code == WAREHOUSE else (index + position * 3) % 9
            if quantity:
                service.receive(
                    session, variant_id=variant_id, location_id=location_id, quantity=quantity,
                    unit_cost=None, reference=reference, actor="demo",
                )  # fmt: skip
    return (
        f"Inventory: {len(locations)} locations, {rules} channel rules, initial stock for "
        f"{len(variant_ids)} variants."
    )
