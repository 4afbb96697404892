"""The back-office order list's filters (status, channel, store, days in the shop's timezone)
kept in its links, its CSV export, cancelling some units from an order's page, and a staff
member limited to some locations seeing only the orders touching them (pages and API)."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from html import unescape

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from comptoir.api import create_app
from comptoir.catalog.models import Variant
from comptoir.identity import service as identity
from comptoir.inventory import service as inventory
from comptoir.inventory.models import Location
from comptoir.kit.clock import FrozenClock
from comptoir.kit.db.engine import Database
from comptoir.kit.http.access import Principal, current_principal
from comptoir.kit.ids import uuid7
from comptoir.kit.settings import Settings
from tests.backoffice.conftest import csrf_token_of
from tests.inventory.factories import make_location
from tests.orders.delivery.factories import make_carriers
from tests.orders.factories import Shop, checkout_body, make_article, make_shop
from tests.support.staff import add_staff_user, every_scope_role, open_full_session, sign_in_client

CARTS = "/store/v1/carts"
LIST = "/admin/orders"
EXPORT = "/admin/orders/export.csv"


@dataclass(frozen=True, slots=True)
class Placed:
    id: str
    number: str


def _place(
    api: TestClient,
    shop: Shop,
    variant: Variant,
    quantity: int = 1,
    *,
    pickup: Location | None = None,
    method: str = "test_card",
) -> Placed:
    cart_id = api.post(CARTS, json={}, headers=shop.headers).json()["id"]
    added = api.post(
        f"{CARTS}/{cart_id}/lines",
        json={"variant_id": str(variant.id), "quantity": quantity},
        headers=shop.headers,
    )
    assert added.status_code == 201, added.text
    if pickup is not None:
        chosen = api.put(
            f"{CARTS}/{cart_id}/destination",
            json={"country": "FR", "delivery_option": f"click-collect:{pickup.code}"},
            headers=shop.headers,
        )
        assert chosen.status_code == 200, chosen.text
    card = "4242424242424242" if method == "test_card" else None
    placed = api.post(
        f"{CARTS}/{cart_id}/checkout",
        json=checkout_body(method=method, card=card),
        headers=shop.headers,
    )
    assert placed.status_code == 201, placed.text
    return Placed(placed.json()["id"], placed.json()["number"])


@dataclass(frozen=True, slots=True)
class TwoShops:
    web: Shop
    app: Shop
    store: Location
    web_mug: Variant
    app_cup: Variant


@pytest.fixture
def shops(session: Session) -> TwoShops:
    """Two channels, each selling from its own warehouse, and a click & collect store of the
    first channel that holds no stock (its units come by transfer)."""
    web, app_shop = make_shop(session), make_shop(session)
    make_carriers(session)
    store = make_location(session, kind="store", click_and_collect=True, country="FR")
    inventory.set_channel_location(
        session, channel_id=web.channel.id, location_id=store.id, buffer=0
    )
    web_mug = make_article(session, web, title="Enamel mug")
    app_cup = make_article(session, app_shop, title="Tea cup")
    session.commit()
    return TwoShops(web, app_shop, store, web_mug, app_cup)


def _listed(client: TestClient, among: list[Placed], **params: str) -> set[str]:
    """The numbers of ``among`` that the list shows with these filters."""
    page = client.get(LIST, params=params)
    assert page.status_code == 200, page.text
    return {placed.number for placed in among if f">{placed.number}</a>" in page.text}


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))


def test_the_list_filters_by_channel_status_and_store(
    api: TestClient, client: TestClient, session: Session, shops: TwoShops
) -> None:
    # given: a paid web order, a web order collected at the store, an app order awaiting
    # its bank transfer
    shipped = _place(api, shops.web, shops.web_mug)
    collected = _place(api, shops.web, shops.web_mug, pickup=shops.store)
    waiting = _place(api, shops.app, shops.app_cup, method="bank_transfer")
    among = [shipped, collected, waiting]

    # when: the list is asked with each filter
    every = _listed(client, among)
    on_web = _listed(client, among, channel_id=str(shops.web.channel.id))
    unpaid = _listed(client, among, status="pending_payment")
    at_store = _listed(client, among, location_id=str(shops.store.id))
    at_web_warehouse = _listed(client, among, location_id=str(shops.web.location_id))
    web_unpaid = _listed(
        client, among, channel_id=str(shops.web.channel.id), status="pending_payment"
    )

    # then: each keeps exactly its orders (the pickup store counts as the order's store)
    assert every == {shipped.number, collected.number, waiting.number}
    assert on_web == {shipped.number, collected.number}
    assert unpaid == {waiting.number}
    assert at_store == {collected.number}
    assert at_web_warehouse == {shipped.number, collected.number}
    assert web_unpaid == set()


def test_the_status_chips_and_the_export_link_keep_the_other_filters(
    client: TestClient, shops: TwoShops
) -> None:
    # given: a list filtered by channel, store and days
    channel, store = str(shops.web.channel.id), str(shops.store.id)

    # when
    page = client.get(
        LIST,
        params={
            "channel_id": channel,
            "location_id": store,
            "placed_from": "2026-11-01",
            "placed_to": "2026-11-30",
        },
    )

    # then: the "paid" chip and the export link carry every filter
    text = unescape(page.text)
    kept = f"channel_id={channel}&location_id={store}&placed_from=2026-11-01&placed_to=2026-11-30"
    assert f'href="{LIST}?status=paid&{kept}"' in text
    assert f'href="{EXPORT}?{kept}"' in text
    assert "Aucune commande ne correspond" in page.text


def test_the_days_are_those_of_the_shop_timezone(
    api: TestClient, client: TestClient, shops: TwoShops, clock: FrozenClock
) -> None:
    # given: an order on 23 November at 11:00 in Paris, another at 23:30 UTC, which is
    # already 24 November in Paris
    morning = _place(api, shops.web, shops.web_mug)
    clock.set(datetime(2026, 11, 23, 23, 30, tzinfo=UTC))
    night = _place(api, shops.web, shops.web_mug)
    clock.set(datetime(2026, 11, 23, 10, 5, tzinfo=UTC))  # the staff session stays fresh
    among = [morning, night]

    # when
    on_23 = _listed(client, among, placed_from="2026-11-23", placed_to="2026-11-23")
    from_24 = _listed(client, among, placed_from="2026-11-24")
    broken = client.get(LIST, params={"placed_from": "23/11/2026"})
    backwards = client.get(LIST, params={"placed_from": "2026-11-24", "placed_to": "2026-11-23"})

    # then: each day holds its order; a date that is not one is named next to its field
    assert on_23 == {morning.number}
    assert from_24 == {night.number}
    assert broken.status_code == 200
    assert 'id="placed_from-error"' in broken.text
    assert 'id="placed_to-error"' in backwards.text


def test_the_csv_export_lists_the_filtered_orders_without_personal_data(
    api: TestClient, client: TestClient, shops: TwoShops
) -> None:
    # given: two web orders (one collected at the store) and an app order
    _place(api, shops.web, shops.web_mug, 2)
    collected = _place(api, shops.web, shops.web_mug, 3, pickup=shops.store)
    _place(api, shops.app, shops.app_cup)

    # when: the web orders collected at the store are exported
    answer = client.get(
        EXPORT,
        params={"channel_id": str(shops.web.channel.id), "location_id": str(shops.store.id)},
    )

    # then: one line, the order's figures, no e-mail nor phone
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    rows = _csv(answer.text)
    assert list(rows[0]) == [
        "number",
        "placed_at",
        "channel",
        "status",
        "stores",
        "items",
        "total",
        "currency",
        "payment_status",
    ]
    assert [(r["number"], r["items"], r["total"], r["currency"]) for r in rows] == [
        (collected.number, "3", "36.00", "EUR")
    ]
    assert rows[0]["placed_at"] == "2026-11-23T11:00:00+01:00"
    assert rows[0]["channel"] == shops.web.channel.name
    assert rows[0]["status"] == "paid"
    assert rows[0]["payment_status"] == "captured"
    assert shops.store.code in rows[0]["stores"].split(" ")
    assert "ada@example.com" not in answer.text
    assert "12 34 56 78" not in answer.text


def _level(session: Session, variant: Variant, location_id: uuid.UUID) -> tuple[int, int]:
    level = inventory.get_level(session, variant.id, location_id)
    assert level is not None
    return level.on_hand, level.reserved


def test_some_units_are_cancelled_from_the_order_page(
    api: TestClient, client: TestClient, session: Session, shops: TwoShops
) -> None:
    # given: an order of 3 mugs, all reserved at the web warehouse
    placed = _place(api, shops.web, shops.web_mug, 3)
    page = client.get(f"{LIST}/{placed.id}")
    key = page.text.split('name="line_id" value="', 1)[1].split('"', 1)[0]

    # when: 2 of them are cancelled from the page
    done = client.post(
        f"{LIST}/{placed.id}/cancel-lines",
        data={
            "csrf_token": csrf_token_of(page.text),
            "line_id": key,
            "quantity": "2",
            "reason": "Chipped",
        },
        follow_redirects=True,
    )

    # then: one unit stays reserved, the order stays open and its timeline says why
    assert done.status_code == 200, done.text
    assert 'id="cancel-lines" data-confirm="' in page.text
    assert "Articles annulés" in done.text  # the timeline's "Units cancelled"
    assert "Chipped" in done.text
    assert 'class="badge badge--paid" id="order-status"' in done.text
    assert _level(session, shops.web_mug, shops.web.location_id) == (10, 1)


def test_cancelling_more_units_than_are_open_shows_the_error_next_to_the_line(
    api: TestClient, client: TestClient, session: Session, shops: TwoShops
) -> None:
    # given: an order of 2 mugs
    placed = _place(api, shops.web, shops.web_mug, 2)
    page = client.get(f"{LIST}/{placed.id}")
    key = page.text.split('name="line_id" value="', 1)[1].split('"', 1)[0]
    token = csrf_token_of(page.text)

    # when: 5 are asked, then a figure that is not one, then nothing
    too_many = client.post(
        f"{LIST}/{placed.id}/cancel-lines",
        data={"csrf_token": token, "line_id": key, "quantity": "5"},
    )
    not_a_number = client.post(
        f"{LIST}/{placed.id}/cancel-lines",
        data={"csrf_token": token, "line_id": key, "quantity": "two"},
    )
    nothing = client.post(
        f"{LIST}/{placed.id}/cancel-lines",
        data={"csrf_token": token, "line_id": key, "quantity": "0"},
    )

    # then: each is refused next to the line (or in the summary), with the figure kept,
    # and nothing changed
    assert too_many.status_code == 422
    assert f'id="cancel-{key}-error"' in too_many.text
    assert "Au plus 2 article(s) de cette ligne peuvent être annulés." in too_many.text
    assert 'value="5"' in too_many.text
    assert not_a_number.status_code == 422
    assert f'id="cancel-{key}-error"' in not_a_number.text
    assert 'value="two"' in not_a_number.text
    assert nothing.status_code == 422
    assert "annuler sur au moins une ligne." in nothing.text
    assert _level(session, shops.web_mug, shops.web.location_id) == (10, 2)
    assert "Articles annulés" not in client.get(f"{LIST}/{placed.id}").text


def _sign_in_limited_to(
    client: TestClient, db: Database, settings: Settings, location_id: uuid.UUID
) -> None:
    """Sign ``client`` in as a staff member holding every scope but limited to one
    location."""
    with db.transaction() as session:
        user = add_staff_user(session, role_keys=[every_scope_role(session).key])
        identity.set_locations(session, user.id, [location_id])
        token = open_full_session(session, user, settings)
    sign_in_client(client, token)


def test_a_staff_member_limited_to_a_store_sees_only_its_orders(
    api: TestClient,
    client: TestClient,
    session: Session,
    db: Database,
    admin_settings: Settings,
    shops: TwoShops,
) -> None:
    # given: an order collected at the store, one shipped from the web warehouse, an app
    # order; a store manager limited to the store
    collected = _place(api, shops.web, shops.web_mug, pickup=shops.store)
    shipped = _place(api, shops.web, shops.web_mug)
    other = _place(api, shops.app, shops.app_cup)
    _sign_in_limited_to(client, db, admin_settings, shops.store.id)

    # when
    listed = _listed(client, [collected, shipped, other])
    exported = _csv(client.get(EXPORT).text)
    own_page = client.get(f"{LIST}/{collected.id}")
    others_page = client.get(f"{LIST}/{other.id}")
    others_cancel = client.post(
        f"{LIST}/{other.id}/cancel",
        data={"csrf_token": csrf_token_of(own_page.text)},
    )

    # then: hers only; the others answer 404 and stay as they were
    assert listed == {collected.number}
    assert [row["number"] for row in exported] == [collected.number]
    assert own_page.status_code == 200
    assert others_page.status_code == 404
    assert others_cancel.status_code == 404
    assert _level(session, shops.app_cup, shops.app.location_id) == (10, 1)


@pytest.fixture
def limited_api(
    settings: Settings, db: Database, clock: FrozenClock
) -> Iterator[tuple[TestClient, dict[str, Principal]]]:
    """The admin API acting as whichever principal the test puts under ``"as"``."""
    app = create_app(settings, db)
    holder: dict[str, Principal] = {}
    app.dependency_overrides[current_principal] = lambda: holder["as"]
    with TestClient(app) as test_client:
        yield test_client, holder


def _principal(location_ids: frozenset[uuid.UUID] | None) -> Principal:
    return Principal(
        kind="staff",
        id=uuid7(),
        scopes=frozenset({"orders:read", "orders:write"}),
        display_name="Store manager",
        location_ids=location_ids,
    )


def test_the_admin_api_filters_by_location_and_keeps_a_limited_caller_to_hers(
    api: TestClient, limited_api: tuple[TestClient, dict[str, Principal]], shops: TwoShops
) -> None:
    # given: an order collected at the store and an app order
    staff, holder = limited_api
    collected = _place(api, shops.web, shops.web_mug, pickup=shops.store)
    other = _place(api, shops.app, shops.app_cup)

    # when: everyone's caller filters by the store; the store's manager lists, reads and
    # cancels
    holder["as"] = _principal(None)
    at_store = staff.get("/api/v1/orders", params={"location_id": str(shops.store.id)})
    holder["as"] = _principal(frozenset({shops.store.id}))
    hers = staff.get("/api/v1/orders")
    asked_elsewhere = staff.get(
        "/api/v1/orders", params={"location_id": str(shops.app.location_id)}
    )
    read_other = staff.get(f"/api/v1/orders/{other.id}")
    cancel_other = staff.post(f"/api/v1/orders/{other.id}/cancel", json={})
    read_own = staff.get(f"/api/v1/orders/{collected.id}")

    # then
    assert [o["number"] for o in at_store.json()["items"]] == [collected.number]
    assert [o["number"] for o in hers.json()["items"]] == [collected.number]
    assert asked_elsewhere.json()["items"] == []
    assert read_other.status_code == 404
    assert read_other.json()["type"].endswith("order-not-found")
    assert cancel_other.status_code == 404
    assert read_own.status_code == 200
    holder["as"] = _principal(None)
    assert staff.get(f"/api/v1/orders/{other.id}").json()["status"] == "paid"
