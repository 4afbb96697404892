"""The purchasing demo seeder."""

from __future__ import annotations

from sqlalchemy.orm import Session

from comptoir.kit.settings import Settings
from comptoir.purchasing import service
from comptoir.purchasing.demo import SUPPLIERS, seed_purchasing
from tests.catalog.factories import make_variant
from tests.inventory.factories import make_location


def test_the_seeder_makes_suppliers_and_orders_once(session: Session, settings: Settings) -> None:
    # given
    for _ in range(3):
        make_variant(session)
    make_location(session, kind="warehouse")

    # when
    first = seed_purchasing(session, settings)
    second = seed_purchasing(session, settings)

    # then
    assert first.startswith("Purchasing: 3 suppliers, 3 purchase orders")
    assert second == "Purchasing: already seeded."
    names = {s.name for s in service.list_suppliers(session, limit=50).items}
    assert {s.name for s in SUPPLIERS} <= names
    assert service.count_orders(session, "partly_received") == 1
    assert service.count_orders(session, "sent") == 1
    assert service.count_orders(session, "draft") == 1
