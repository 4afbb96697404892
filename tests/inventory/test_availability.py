"""Available-to-promise per channel (its locations, minus its buffers) and per location."""

from __future__ import annotations

from sqlalchemy.orm import Session

from comptoir.inventory import service
from comptoir.inventory.schemas import LocationUpdate
from tests.catalog.factories import make_channel, make_variant
from tests.inventory.factories import make_location, ref, stock


def test_atp_sums_the_channel_locations_minus_their_buffers(session: Session) -> None:
    # given 10 at a warehouse and 3 at a store, a marketplace keeping 2 back at each
    variant_id = make_variant(session).id
    warehouse, store, elsewhere = (make_location(session).id for _ in range(3))
    stock(session, variant_id=variant_id, location_id=warehouse, quantity=10)
    stock(session, variant_id=variant_id, location_id=store, quantity=3)
    stock(session, variant_id=variant_id, location_id=elsewhere, quantity=50)
    marketplace = make_channel(session, kind="marketplace").id
    service.set_channel_location(session, channel_id=marketplace, location_id=warehouse, buffer=2)
    service.set_channel_location(session, channel_id=marketplace, location_id=store, buffer=2)
    # when its ATP is asked for this variant and one never stocked
    never = make_variant(session).id
    answer = service.available_to_promise(
        session, channel_id=marketplace, variant_ids=[variant_id, never]
    )
    # then (10 - 2) + (3 - 2), the other location ignored, and 0 for the unknown one
    assert answer == {variant_id: 9, never: 0}


def test_a_buffer_larger_than_the_stock_counts_as_zero_not_negative(session: Session) -> None:
    variant_id = make_variant(session).id
    first, second = make_location(session).id, make_location(session).id
    stock(session, variant_id=variant_id, location_id=first, quantity=1)
    stock(session, variant_id=variant_id, location_id=second, quantity=4)
    channel = make_channel(session).id
    service.set_channel_location(session, channel_id=channel, location_id=first, buffer=3)
    service.set_channel_location(session, channel_id=channel, location_id=second, buffer=0)
    assert service.available_to_promise(session, channel_id=channel, variant_ids=[variant_id]) == {
        variant_id: 4
    }


def test_atp_leaves_out_reserved_units_and_inactive_locations(session: Session) -> None:
    variant_id = make_variant(session).id
    open_store, closed_store = make_location(session).id, make_location(session).id
    stock(session, variant_id=variant_id, location_id=open_store, quantity=5)
    stock(session, variant_id=variant_id, location_id=closed_store, quantity=5)
    service.reserve(
        session, variant_id=variant_id, location_id=open_store, quantity=2, reference=ref()
    )
    service.update_location(session, closed_store, LocationUpdate(is_active=False))
    channel = make_channel(session).id
    for location_id in (open_store, closed_store):
        service.set_channel_location(session, channel_id=channel, location_id=location_id, buffer=0)
    assert service.available_to_promise(session, channel_id=channel, variant_ids=[variant_id]) == {
        variant_id: 3
    }


def test_available_by_location_for_a_channel_applies_its_buffers(session: Session) -> None:
    variant_id = make_variant(session).id
    warehouse, store = make_location(session).id, make_location(session).id
    stock(session, variant_id=variant_id, location_id=warehouse, quantity=10)
    stock(session, variant_id=variant_id, location_id=store, quantity=1)
    channel = make_channel(session).id
    service.set_channel_location(session, channel_id=channel, location_id=warehouse, buffer=2)
    service.set_channel_location(session, channel_id=channel, location_id=store, buffer=2)
    plain = service.available_by_location(session, variant_ids=[variant_id])
    for_channel = service.available_by_location(
        session, variant_ids=[variant_id], channel_id=channel
    )
    assert plain == {variant_id: {warehouse: 10, store: 1}}
    assert for_channel == {variant_id: {warehouse: 8, store: 0}}


def test_changing_a_buffer_replaces_it(session: Session) -> None:
    location_id = make_location(session).id
    channel = make_channel(session).id
    service.set_channel_location(session, channel_id=channel, location_id=location_id, buffer=2)
    rule = service.set_channel_location(
        session, channel_id=channel, location_id=location_id, buffer=5
    )
    assert rule.buffer == 5
    assert [r.buffer for r in service.list_channel_locations(session, channel_id=channel)] == [5]
