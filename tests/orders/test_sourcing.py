"""Sourcing through the real store and admin APIs: the warehouse first, ship-from-store when
the warehouses lack stock, fewest parcels, the nearest location by postcode, click & collect
at the chosen store (from its shelf, or by a transfer it must receive before the order is
ready), staff sending a line elsewhere, and only the channel's selling locations."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.api import create_app
from comptoir.inventory import service as inventory
from comptoir.inventory.models import Location, Reservation, Transfer
from comptoir.kit.clock import FrozenClock
from comptoir.kit.db.engine import Database
from comptoir.kit.i18n import use_locale
from comptoir.kit.settings import Settings
from comptoir.orders.models import OrderEvent, OrderLine
from comptoir.orders.sourcing import Destination, Place, Want, distance, plan
from tests.backoffice.conftest import csrf_token_of
from tests.inventory.factories import make_location, stock
from tests.orders.delivery.factories import make_carriers
from tests.orders.factories import Shop, address, checkout_body, make_article, make_shop

CARTS = "/store/v1/carts"
ORDERS = "/api/v1/orders"


@pytest.fixture
def staff(settings: Settings, db: Database, clock: FrozenClock) -> Iterator[TestClient]:
    from tests.support.auth import act_as

    app = create_app(settings, db)
    act_as(app, "orders:read", "orders:write")
    with TestClient(app) as test_client:
        yield test_client


def _selling(session: Session, shop: Shop, **kw: object) -> Location:
    """A location the shop's channel sells from."""
    location = make_location(session, **kw)
    inventory.set_channel_location(
        session, channel_id=shop.channel.id, location_id=location.id, buffer=0
    )
    return location


def _cart(api: TestClient, shop: Shop, lines: Sequence[tuple[uuid.UUID, int]]) -> str:
    cart_id: str = api.post(CARTS, json={}, headers=shop.headers).json()["id"]
    for variant_id, quantity in lines:
        added = api.post(
            f"{CARTS}/{cart_id}/lines",
            json={"variant_id": str(variant_id), "quantity": quantity},
            headers=shop.headers,
        )
        assert added.status_code == 201, added.text
    return cart_id


def _checkout(
    api: TestClient, shop: Shop, cart_id: str, postal_code: str = "75011"
) -> dict[str, object]:
    body = checkout_body()
    body["billing_address"] = {**address(), "postal_code": postal_code}
    placed = api.post(f"{CARTS}/{cart_id}/checkout", json=body, headers=shop.headers)
    assert placed.status_code == 201, placed.text
    order: dict[str, object] = placed.json()
    return order


def _place(
    api: TestClient, shop: Shop, lines: Sequence[tuple[uuid.UUID, int]], postal_code: str = "75011"
) -> dict[str, object]:
    return _checkout(api, shop, _cart(api, shop, lines), postal_code)


def _line_locations(
    session: Session, order: dict[str, object]
) -> dict[uuid.UUID, uuid.UUID | None]:
    """Each variant's allocated location, fresh from the database."""
    session.expire_all()
    rows = session.scalars(
        select(OrderLine).where(OrderLine.order_id == uuid.UUID(str(order["id"])))
    )
    return {line.variant_id: line.location_id for line in rows}


def _rules(session: Session, order: dict[str, object], kind: str = "sourced") -> list[str]:
    """The rules recorded on the order's timeline by its ``kind`` event, line by line."""
    event = session.scalars(
        select(OrderEvent).where(
            OrderEvent.order_id == uuid.UUID(str(order["id"])), OrderEvent.kind == kind
        )
    ).one()
    lines = event.details["lines"]
    assert isinstance(lines, list)
    return [str(entry["rule"]) for entry in lines]


def _level(session: Session, variant_id: uuid.UUID, location_id: uuid.UUID) -> tuple[int, int]:
    session.expire_all()
    found = inventory.get_level(session, variant_id, location_id)
    return (0, 0) if found is None else (found.on_hand, found.reserved)


def test_the_warehouse_ships_first_even_when_a_store_has_more(
    api: TestClient, session: Session
) -> None:
    # given a warehouse with 5 mugs and a store of the channel with 20
    shop = make_shop(session)
    mug = make_article(session, shop, units=5)
    store = _selling(session, shop, kind="store", postal_code="75003", country="FR")
    stock(session, variant_id=mug.id, location_id=store.id, quantity=20)
    session.commit()

    # when a shopper orders 3 mugs for home delivery
    order = _place(api, shop, [(mug.id, 3)])

    # then the warehouse's units are allocated, and the timeline says why
    assert _line_locations(session, order) == {mug.id: shop.location_id}
    assert _level(session, mug.id, shop.location_id) == (5, 3)
    assert _level(session, mug.id, store.id) == (20, 0)
    assert _rules(session, order) == ["warehouse"]


def test_a_store_ships_when_the_warehouse_lacks_stock(api: TestClient, session: Session) -> None:
    # given a warehouse with 1 mug and a store with 5
    shop = make_shop(session)
    mug = make_article(session, shop, units=1)
    store = _selling(session, shop, kind="store", postal_code="69002", country="FR")
    stock(session, variant_id=mug.id, location_id=store.id, quantity=5)
    session.commit()

    # when 3 mugs are ordered
    order = _place(api, shop, [(mug.id, 3)])

    # then the store ships them (ship-from-store) and the warehouse's mug is untouched
    assert _line_locations(session, order) == {mug.id: store.id}
    assert _level(session, mug.id, store.id) == (5, 3)
    assert _level(session, mug.id, shop.location_id) == (1, 0)
    assert _rules(session, order) == ["ship_from_store"]


def test_one_warehouse_holding_every_line_beats_splitting_the_order(
    api: TestClient, session: Session
) -> None:
    # given the first warehouse holds many mugs but no plates, the second some of both
    shop = make_shop(session)
    mug = make_article(session, shop, units=50, title="Mug")
    plate = make_article(session, shop, units=0, title="Plate")
    second = _selling(session, shop, kind="warehouse", postal_code="45000", country="FR")
    stock(session, variant_id=mug.id, location_id=second.id, quantity=4)
    stock(session, variant_id=plate.id, location_id=second.id, quantity=4)
    session.commit()

    # when both are ordered
    order = _place(api, shop, [(mug.id, 2), (plate.id, 1)])

    # then both come from the second warehouse: one parcel
    assert _line_locations(session, order) == {mug.id: second.id, plate.id: second.id}
    assert _level(session, mug.id, shop.location_id) == (50, 0)
    assert _rules(session, order) == ["warehouse", "warehouse"]
    with use_locale("en"):
        detail = staff_reason(session, order)
    assert "one parcel" in detail


def staff_reason(session: Session, order: dict[str, object]) -> str:
    """The reason of the order's first line as the order page shows it."""
    from comptoir.orders.service.orders import get_order
    from comptoir.orders.service.sourcing import sourcing_of

    found = get_order(session, uuid.UUID(str(order["id"])))
    reason = next(iter(sourcing_of(session, found).values())).reason
    assert reason is not None
    return reason


def test_the_nearest_store_by_postcode_ships(api: TestClient, session: Session) -> None:
    # given an empty warehouse and two stores holding the mug, in Lyon and in Paris
    shop = make_shop(session)
    mug = make_article(session, shop, units=0)
    lyon = _selling(session, shop, kind="store", code="A-LYON", postal_code="69002", country="FR")
    paris = _selling(session, shop, kind="store", code="B-PARIS", postal_code="75003", country="FR")
    for store in (lyon, paris):
        stock(session, variant_id=mug.id, location_id=store.id, quantity=5)
    session.commit()

    # when one order goes to Paris 11e and another to Villeurbanne (Rhône)
    to_paris = _place(api, shop, [(mug.id, 1)], postal_code="75011")
    to_rhone = _place(api, shop, [(mug.id, 1)], postal_code="69100")

    # then each ships from the store in its département, whatever the codes' order
    assert _line_locations(session, to_paris) == {mug.id: paris.id}
    assert _line_locations(session, to_rhone) == {mug.id: lyon.id}
    with use_locale("en"):
        assert "nearest to 75011" in staff_reason(session, to_paris)


def test_a_postcode_is_nearer_in_its_region_than_in_the_next_one() -> None:
    # given a store in Hauts-de-Seine (Île-de-France) and one in Seine-Maritime (Normandy)
    nanterre = Place(uuid.uuid4(), "N", "Nanterre", "store", "92000", "FR")
    rouen = Place(uuid.uuid4(), "R", "Rouen", "store", "76000", "FR")

    # when both are measured from Paris, from Corsica and from Germany
    # then the same region is nearer though 76 is closer to 75 than 92 is
    assert distance(nanterre, "75011", "FR") < distance(rouen, "75011", "FR")
    assert distance(nanterre, "20000", "FR")[0] == 2
    assert distance(nanterre, "10115", "DE")[0] == 4


def test_click_and_collect_at_a_store_holding_the_units_holds_them_there(
    api: TestClient, staff: TestClient, session: Session
) -> None:
    # given a warehouse with 10 mugs and a click & collect store with 3
    shop = make_shop(session)
    make_carriers(session)
    mug = make_article(session, shop, units=10)
    store = _selling(
        session, shop, kind="store", click_and_collect=True, postal_code="75003", country="FR"
    )
    stock(session, variant_id=mug.id, location_id=store.id, quantity=3)
    session.commit()
    cart_id = _cart(api, shop, [(mug.id, 2)])
    assert _level(session, mug.id, shop.location_id) == (10, 2)

    # when the shopper chooses to collect at the store, then checks out
    chosen = api.put(
        f"{CARTS}/{cart_id}/destination",
        json={"country": "FR", "delivery_option": f"click-collect:{store.code}"},
        headers=shop.headers,
    )
    held = (_level(session, mug.id, shop.location_id), _level(session, mug.id, store.id))
    order = _checkout(api, shop, cart_id)
    ready = staff.post(f"{ORDERS}/{order['id']}/ready-for-pickup")

    # then the hold moved to the store, the order is allocated and made ready there
    assert chosen.status_code == 200, chosen.text
    assert held == ((10, 0), (3, 2))
    assert _line_locations(session, order) == {mug.id: store.id}
    assert _rules(session, order) == ["pickup_store"]
    assert ready.status_code == 200, ready.text
    assert ready.json()["location_id"] == str(store.id)


def test_click_and_collect_by_transfer_is_ready_only_once_the_transfer_arrived(
    api: TestClient, staff: TestClient, session: Session
) -> None:
    # given a warehouse with 5 mugs and an empty click & collect store
    shop = make_shop(session)
    make_carriers(session)
    mug = make_article(session, shop, units=5)
    store = _selling(
        session, shop, kind="store", click_and_collect=True, postal_code="75003", country="FR"
    )
    session.commit()
    cart_id = _cart(api, shop, [(mug.id, 2)])
    api.put(
        f"{CARTS}/{cart_id}/destination",
        json={"country": "FR", "delivery_option": f"click-collect:{store.code}"},
        headers=shop.headers,
    )

    # when the order is placed, then the store tries to make it ready at each step
    order = _checkout(api, shop, cart_id)
    transfer = session.scalars(
        select(Transfer).where(Transfer.destination_location_id == store.id)
    ).one()
    created = (transfer.source_location_id, transfer.status, transfer.note or "")
    moved = [(line.variant_id, line.quantity) for line in transfer.lines]
    before_shipping = staff.post(f"{ORDERS}/{order['id']}/ready-for-pickup")
    inventory.ship_transfer(session, transfer.id, actor="warehouse")
    session.commit()
    after_shipping = _level(session, mug.id, shop.location_id)
    in_transit = staff.post(
        f"{ORDERS}/{order['id']}/ready-for-pickup", headers={"Accept-Language": "en"}
    )
    inventory.receive_transfer(session, transfer.id, actor="store")
    session.commit()
    arrived = staff.post(f"{ORDERS}/{order['id']}/ready-for-pickup")

    # then a draft transfer of the 2 mugs was created for the order, with the promised date
    assert created[:2] == (shop.location_id, "draft")
    assert str(order["number"]) in created[2]
    assert moved == [(mug.id, 2)]
    assert order["delivery"]["estimated_on"] == "2026-11-26"  # type: ignore[index]
    assert _rules(session, order) == ["transfer_to_store"]
    # ready was refused while the units were not at the store, clearly
    assert (before_shipping.status_code, in_transit.status_code) == (409, 409)
    assert "still on their way to the store" in in_transit.json()["detail"]
    # shipping the transfer freed the units it set aside at the warehouse as they left
    assert after_shipping == (3, 0)
    # and accepted once they arrived: the units are allocated at the store
    assert arrived.status_code == 200, arrived.text
    assert arrived.json()["location_id"] == str(store.id)
    assert _line_locations(session, order) == {mug.id: store.id}
    assert _level(session, mug.id, shop.location_id) == (3, 0)
    assert _level(session, mug.id, store.id) == (2, 2)


def test_staff_send_a_line_to_another_location_or_are_told_why_not(
    api: TestClient, staff: TestClient, session: Session
) -> None:
    # given an order allocated at the warehouse, a store with 4 mugs, an empty store and
    # a warehouse the channel does not sell from
    shop = make_shop(session)
    mug = make_article(session, shop, units=10)
    store = _selling(session, shop, kind="store", postal_code="33000", country="FR")
    stock(session, variant_id=mug.id, location_id=store.id, quantity=4)
    empty = _selling(session, shop, kind="store", postal_code="13001", country="FR")
    elsewhere = make_location(session, kind="warehouse")
    stock(session, variant_id=mug.id, location_id=elsewhere.id, quantity=9)
    session.commit()
    order = _place(api, shop, [(mug.id, 3)])
    line_id = order["lines"][0]["id"]  # type: ignore[index]
    url = f"{ORDERS}/{order['id']}/lines/{line_id}/source"

    # when staff send it to the empty store, to the other warehouse, then to the stocked store
    short = staff.post(url, json={"location_id": str(empty.id)})
    foreign = staff.post(url, json={"location_id": str(elsewhere.id)})
    moved = staff.post(url, json={"location_id": str(store.id)})

    # then the first two change nothing and say why; the third moves the allocation
    assert short.status_code == 409
    assert short.json()["type"].endswith("insufficient-stock")
    assert foreign.status_code == 422
    assert foreign.json()["field"] == "location_id"
    assert moved.status_code == 200, moved.text
    assert moved.json()["lines"][0]["location_id"] == str(store.id)
    assert _level(session, mug.id, shop.location_id) == (10, 0)
    assert _level(session, mug.id, store.id) == (4, 3)
    assert _level(session, mug.id, empty.id) == (0, 0)
    assert _rules(session, order, "line_sourced") == ["staff"]
    event = moved.json()["timeline"][-1]
    assert (event["kind"], event["actor"]) == ("line_sourced", "Test caller")


def test_a_line_being_picked_cannot_move(
    api: TestClient, staff: TestClient, session: Session
) -> None:
    shop = make_shop(session)
    mug = make_article(session, shop, units=10)
    store = _selling(session, shop, kind="store")
    stock(session, variant_id=mug.id, location_id=store.id, quantity=4)
    session.commit()
    order = _place(api, shop, [(mug.id, 1)])
    staff.post(f"{ORDERS}/{order['id']}/picking")
    line_id = order["lines"][0]["id"]  # type: ignore[index]

    refused = staff.post(
        f"{ORDERS}/{order['id']}/lines/{line_id}/source", json={"location_id": str(store.id)}
    )

    assert refused.status_code == 409
    assert _level(session, mug.id, shop.location_id) == (10, 1)


def test_only_the_channels_selling_locations_are_used(api: TestClient, session: Session) -> None:
    # given a near warehouse and a click & collect store full of mugs that the channel does
    # not sell from, and the channel's own warehouse with 2 mugs
    shop = make_shop(session)
    make_carriers(session)
    mug = make_article(session, shop, units=2)
    near = make_location(session, kind="warehouse", postal_code="75011", country="FR")
    outside_store = make_location(session, kind="store", click_and_collect=True, country="FR")
    for location in (near, outside_store):
        stock(session, variant_id=mug.id, location_id=location.id, quantity=50)
    session.commit()

    # when a cart holds 2 mugs, asks for its options, then checks out to Paris
    cart_id = _cart(api, shop, [(mug.id, 2)])
    options = api.get(f"{CARTS}/{cart_id}/delivery-options", headers=shop.headers).json()
    three = api.post(
        f"{CARTS}/{_cart(api, shop, [])}/lines",
        json={"variant_id": str(mug.id), "quantity": 1},
        headers=shop.headers,
    )
    order = _checkout(api, shop, cart_id)

    # then only the channel's warehouse served it, and the outside store is no option
    assert f"click-collect:{outside_store.code}" not in {option["id"] for option in options}
    assert three.status_code == 409
    assert _line_locations(session, order) == {mug.id: shop.location_id}
    assert _level(session, mug.id, near.id) == (50, 0)
    reservations = session.scalars(
        select(Reservation).where(Reservation.location_id.in_([near.id, outside_store.id]))
    ).all()
    assert reservations == []


def test_the_plan_splits_only_when_no_location_holds_every_line() -> None:
    # given a warehouse with mugs only and a store with plates only
    warehouse = Place(uuid.uuid4(), "W", "Warehouse", "warehouse", "45000", "FR")
    store = Place(uuid.uuid4(), "S", "Store", "store", "75003", "FR")
    mug, plate = uuid.uuid4(), uuid.uuid4()
    stock_ = {mug: {warehouse.id: 5}, plate: {store.id: 5}}

    # when both are wanted for Paris
    decisions = plan(
        [Want(mug, 1), Want(plate, 1)], stock_, [warehouse, store], Destination("FR", "75011")
    )

    # then the mug ships from the warehouse and the plate from the store: two parcels
    assert [(d.location_id, d.rule) for d in decisions] == [
        (warehouse.id, "warehouse"),
        (store.id, "ship_from_store"),
    ]
    assert decisions[0].params["parcels"] == 2


def test_the_order_page_shows_the_reason_and_moves_a_line(
    api: TestClient, client: TestClient, session: Session
) -> None:
    # given an order allocated at the warehouse and a store of the channel with mugs
    shop = make_shop(session)
    mug = make_article(session, shop, units=10)
    store = _selling(session, shop, kind="store", name="Boutique Marais")
    stock(session, variant_id=mug.id, location_id=store.id, quantity=4)
    session.commit()
    order = _place(api, shop, [(mug.id, 2)])
    line_id = order["lines"][0]["id"]  # type: ignore[index]

    # when staff open the order and send the line to the store with the form
    page = client.get(f"/admin/orders/{order['id']}")
    moved = client.post(
        f"/admin/orders/{order['id']}/lines/{line_id}/source",
        data={"csrf_token": csrf_token_of(page.text), "location_id": str(store.id)},
        follow_redirects=True,
    )

    # then the page explained the first choice, and shows the move and the new location
    assert page.status_code == 200
    assert f'id="line-reason-{line_id}"' in page.text
    assert f'action="/admin/orders/{order["id"]}/lines/{line_id}/source"' in page.text
    assert moved.status_code == 200, moved.text
    assert "Boutique Marais" in moved.text.split(f'id="line-location-{line_id}"')[1][:80]
    assert _level(session, mug.id, store.id) == (4, 2)
