"""The acceptance race, on PostgreSQL through the real server: a hundred storefront
checkouts over HTTP, from a hundred threads, for the last twenty units."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from comptoir.inventory import service as inventory
from comptoir.kit.clock import FrozenClock
from comptoir.kit.db.engine import Database
from comptoir.orders import service
from comptoir.orders.models import Order
from tests.inventory.factories import ref
from tests.orders.factories import Shop, checkout_body, make_article, make_shop
from tests.support.live_server import LiveServer, live_server_settings, serve

pytestmark = [pytest.mark.postgresql_only, pytest.mark.committed]

BUYERS = 100
UNITS = 20


@pytest.fixture
def live_server(
    database_url: str, committed_db: Database, clock: FrozenClock
) -> Iterator[LiveServer]:
    with serve(live_server_settings(database_url)) as server:
        yield server


def _carts_for_the_last_units(
    committed_db: Database, clock: FrozenClock
) -> tuple[Shop, uuid.UUID, list[uuid.UUID]]:
    """A hundred carts of one unit each whose holds have expired, and twenty units left."""
    with committed_db.transaction() as session:
        shop = make_shop(session, code=f"race{uuid.uuid4().hex[:6]}")
        mug = make_article(session, shop, units=BUYERS)
        carts = []
        for _ in range(BUYERS):
            cart = service.create_cart(session, channel_id=shop.channel.id)
            service.add_line(session, cart, mug.id, 1)
            carts.append(cart.id)
    clock.advance(timedelta(hours=1))
    with committed_db.transaction() as session:
        assert inventory.expire_holds(session) == BUYERS
        inventory.adjust(
            session,
            variant_id=mug.id,
            location_id=shop.location_id,
            quantity=UNITS - BUYERS,
            reason="damaged",
            reference=ref(),
        )
    return shop, mug.id, carts


def test_a_hundred_checkouts_for_twenty_units_place_exactly_twenty_orders(
    live_server: LiveServer, committed_db: Database, clock: FrozenClock
) -> None:
    # given 100 carts of one unit each and 20 units left
    shop, variant_id, carts = _carts_for_the_last_units(committed_db, clock)
    answers: list[tuple[int, str]] = []
    lock = threading.Lock()
    start = threading.Barrier(BUYERS)
    limits = httpx.Limits(max_connections=BUYERS, max_keepalive_connections=BUYERS)

    with httpx.Client(base_url=live_server.url, timeout=120.0, limits=limits) as client:

        def check_out(cart_id: uuid.UUID) -> None:
            start.wait()
            response = client.post(
                f"/store/v1/carts/{cart_id}/checkout",
                json=checkout_body(),
                headers={**shop.headers, "Idempotency-Key": f"race-{cart_id}"},
            )
            kind = response.json().get("type", "order")
            with lock:
                answers.append((response.status_code, kind))

        # when the 100 storefront checkouts arrive at the same moment
        threads = [threading.Thread(target=check_out, args=(cart,)) for cart in carts]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    # then exactly 20 orders exist, the 80 others got a clean insufficient-stock problem
    assert Counter(answers) == Counter(
        {(201, "order"): UNITS, (409, "/problems/insufficient-stock"): BUYERS - UNITS}
    )
    with committed_db.transaction(readonly=True) as session:
        numbers = sorted(
            session.scalars(select(Order.number).where(Order.channel_id == shop.channel.id))
        )
        assert numbers == [f"{shop.channel.code.upper()}-2026-{n:06d}" for n in range(1, UNITS + 1)]
        level = inventory.get_level(session, variant_id, shop.location_id)
        assert level is not None
        assert (level.on_hand, level.reserved, level.available) == (UNITS, UNITS, 0)
        active = inventory.list_reservations(
            session, variant_id=variant_id, status="active", limit=1000
        )
        # no hold left behind: the only active reservations are the orders' allocations
        assert sorted(r.kind for r in active) == ["allocation"] * UNITS
        assert inventory.check_levels(session) == []


def test_the_same_checkout_sent_twice_with_one_key_gives_one_order(
    live_server: LiveServer, committed_db: Database
) -> None:
    with committed_db.transaction() as session:
        shop = make_shop(session, code=f"twice{uuid.uuid4().hex[:6]}")
        mug = make_article(session, shop, units=5)
        cart = service.create_cart(session, channel_id=shop.channel.id)
        service.add_line(session, cart, mug.id, 1)
        cart_id = cart.id
    headers = {**shop.headers, "Idempotency-Key": f"twice-{cart_id}"}
    answers: list[httpx.Response] = []
    start = threading.Barrier(2)

    with httpx.Client(base_url=live_server.url, timeout=60.0) as client:

        def check_out() -> None:
            start.wait()
            answers.append(
                client.post(
                    f"/store/v1/carts/{cart_id}/checkout", json=checkout_body(), headers=headers
                )
            )

        threads = [threading.Thread(target=check_out) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        later = client.post(
            f"/store/v1/carts/{cart_id}/checkout", json=checkout_body(), headers=headers
        )

    # the two at once: one places the order, the other replays it or is told it is in flight
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses in ([201, 201], [201, 409])
    placed = next(answer for answer in answers if answer.status_code == 201).json()
    assert (later.status_code, later.json()["id"]) == (201, placed["id"])
    assert later.headers["Idempotent-Replayed"] == "true"
    with committed_db.transaction(readonly=True) as session:
        orders = session.scalars(select(Order.id).where(Order.cart_id == cart_id)).all()
        assert orders == [uuid.UUID(placed["id"])]
