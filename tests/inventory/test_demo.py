"""The demo seeder: four locations, channel rules with buffers, ledger-consistent stock."""

from __future__ import annotations

from sqlalchemy.orm import Session

from comptoir.inventory import service
from comptoir.inventory.demo import seed_inventory
from comptoir.kit.settings import Settings
from tests.catalog.factories import make_channel, make_variant


def test_seeding_twice_leaves_one_demo_stock(session: Session, settings: Settings) -> None:
    # given a catalogue of two variants, a web shop and a marketplace
    variants = [make_variant(session).id for _ in range(2)]
    web = make_channel(session, kind="web").id
    marketplace = make_channel(session, kind="marketplace").id
    # when the seeder runs twice
    first = seed_inventory(session, settings)
    second = seed_inventory(session, settings)
    # then one set of locations, stock matching its ledger, and the marketplace's buffer of 2
    assert first.startswith("Inventory: 4 locations")
    assert second == "Inventory: already seeded."
    assert [loc.code for loc in service.list_locations(session)] == [
        "ST-BORDEAUX",
        "ST-LYON",
        "ST-PARIS",
        "WH-ORLEANS",
    ]
    assert service.check_levels(session) == []
    warehouse = service.get_location_by_code(session, "WH-ORLEANS")
    assert warehouse is not None
    level = service.get_level(session, variants[0], warehouse.id)
    assert level is not None
    assert service.available_to_promise(
        session, channel_id=marketplace, variant_ids=[variants[0]]
    ) == {variants[0]: level.on_hand - 2}
    assert len(service.list_channel_locations(session, channel_id=web)) == 4
