"""A store manager limited to her store sees and handles only its pick lists, click & collect
counter and returns; another store's answer 404 (screens and admin API alike) and stay as
they were."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from comptoir.api import create_app
from comptoir.identity import service as identity
from comptoir.inventory import service as inventory
from comptoir.kit.clock import FrozenClock
from comptoir.kit.db.engine import Database
from comptoir.kit.http.access import Principal, current_principal
from comptoir.kit.ids import uuid7
from comptoir.kit.settings import Settings
from tests.backoffice.conftest import csrf_token_of
from tests.orders.factories import Shop, make_article, make_shop
from tests.orders.fulfilment.support import ORDERS, place
from tests.support.staff import add_staff_user, every_scope_role, open_full_session, sign_in_client

RETURNS = f"{ORDERS}/returns"


@dataclass(frozen=True, slots=True)
class Store:
    shop: Shop
    pickup: dict[str, Any]
    shipped: dict[str, Any]
    rma: dict[str, Any]

    @property
    def location_id(self) -> uuid.UUID:
        return self.shop.location_id


def _store(api: TestClient, staff: TestClient, session: Session, title: str) -> Store:
    """A store selling a mug, with a click & collect order ready at its counter and a
    shipped order with a return requested."""
    shop = make_shop(session)
    inventory.get_location(session, shop.location_id).kind = "store"
    mug = make_article(session, shop, units=10, title=title)
    session.commit()
    pickup = place(api, shop, [(mug.id, 1)], pickup=True)
    ready = staff.post(f"{ORDERS}/{pickup['id']}/ready-for-pickup")
    assert ready.status_code == 200, ready.text
    shipped = place(api, shop, [(mug.id, 1)])
    assert staff.post(f"{ORDERS}/{shipped['id']}/shipments", json={}).status_code == 201
    lines = shipped["lines"]
    assert isinstance(lines, list)
    line_id = lines[0]["id"]
    rma = staff.post(
        f"{ORDERS}/{shipped['id']}/returns",
        json={"lines": [{"line_id": line_id, "quantity": 1, "reason": "too_small"}]},
    )
    assert rma.status_code == 201, rma.text
    return Store(shop, pickup | {"code": ready.json()["code"]}, shipped, rma.json())


@pytest.fixture
def stores(api: TestClient, staff: TestClient, session: Session) -> tuple[Store, Store]:
    """Her store (Lyon) and another one (Nantes)."""
    return _store(api, staff, session, "Lyon mug"), _store(api, staff, session, "Nantes mug")


def _sign_in_limited_to(
    client: TestClient, db: Database, settings: Settings, location_id: uuid.UUID
) -> None:
    with db.transaction() as session:
        user = add_staff_user(session, role_keys=[every_scope_role(session).key])
        identity.set_locations(session, user.id, [location_id])
        token = open_full_session(session, user, settings)
    sign_in_client(client, token)


@pytest.fixture
def manager_api(
    settings: Settings, db: Database, clock: FrozenClock
) -> Iterator[tuple[TestClient, dict[str, Principal]]]:
    """The admin API acting as the principal the test puts under ``"as"``."""
    app = create_app(settings, db)
    holder: dict[str, Principal] = {}
    app.dependency_overrides[current_principal] = lambda: holder["as"]
    with TestClient(app) as test_client:
        yield test_client, holder


def _manager_of(location_id: uuid.UUID) -> Principal:
    return Principal(
        kind="staff",
        id=uuid7(),
        scopes=frozenset({"orders:read", "orders:write"}),
        display_name="Store manager",
        location_ids=frozenset({location_id}),
    )


def test_the_fulfilment_screens_show_and_act_on_her_store_only(
    client: TestClient,
    staff: TestClient,
    db: Database,
    admin_settings: Settings,
    stores: tuple[Store, Store],
) -> None:
    # given the manager of the Lyon store signed in
    lyon, nantes = stores
    _sign_in_limited_to(client, db, admin_settings, lyon.location_id)

    # when she opens the fulfilment screens of both stores and tries the Nantes ones
    home = client.get("/admin/fulfilment")
    own_counter = client.get(f"/admin/fulfilment/{lyon.location_id}/counter")
    token = csrf_token_of(own_counter.text)
    other_counter = client.get(f"/admin/fulfilment/{nantes.location_id}/counter")
    other_pick = client.get(f"/admin/fulfilment/{nantes.location_id}/pick")
    collect_there = client.post(
        f"/admin/fulfilment/{nantes.location_id}/counter",
        data={"csrf_token": token, "order_id": nantes.pickup["id"], "code": nantes.pickup["code"]},
    )
    collect_here = client.post(
        f"/admin/fulfilment/{lyon.location_id}/counter",
        data={"csrf_token": token, "order_id": nantes.pickup["id"], "code": nantes.pickup["code"]},
    )
    pick_other = client.post(
        f"/admin/orders/{nantes.shipped['id']}/picking", data={"csrf_token": token}
    )
    own_pick = client.get(f"/admin/fulfilment/{lyon.location_id}/pick")

    # then she sees her store and its waiting order; Nantes answers 404 and still waits
    assert home.status_code == 200
    assert f"/admin/fulfilment/{lyon.location_id}/counter" in home.text
    assert str(nantes.location_id) not in home.text
    assert own_counter.status_code == 200
    assert lyon.pickup["number"] in own_counter.text
    assert nantes.pickup["number"] not in own_counter.text
    assert own_pick.status_code == 200
    assert (other_counter.status_code, other_pick.status_code) == (404, 404)
    assert (collect_there.status_code, collect_here.status_code) == (404, 404)
    assert pick_other.status_code == 404
    fulfilment = staff.get(f"{ORDERS}/{nantes.pickup['id']}/fulfilment").json()
    assert fulfilment["status"] == "ready_for_pickup"


def test_the_returns_screens_show_and_act_on_her_store_only(
    client: TestClient,
    staff: TestClient,
    db: Database,
    admin_settings: Settings,
    stores: tuple[Store, Store],
) -> None:
    # given the manager of the Lyon store signed in, a return requested in each store
    lyon, nantes = stores
    _sign_in_limited_to(client, db, admin_settings, lyon.location_id)

    # when she lists the returns, opens both, and tries to receive the Nantes one
    listed = client.get("/admin/returns")
    own = client.get(f"/admin/returns/{lyon.rma['id']}")
    token = csrf_token_of(own.text)
    other = client.get(f"/admin/returns/{nantes.rma['id']}")
    receive_other = client.post(
        f"/admin/returns/{nantes.rma['id']}/receive", data={"csrf_token": token}
    )
    new_for_other = client.get(f"/admin/orders/{nantes.shipped['id']}/returns/new")

    # then only Lyon's return is hers; Nantes's answers 404 and is still only requested
    assert listed.status_code == 200
    assert lyon.rma["number"] in listed.text
    assert nantes.rma["number"] not in listed.text
    assert own.status_code == 200
    assert f'value="{nantes.location_id}"' not in own.text
    assert other.status_code == 404
    assert receive_other.status_code == 404
    assert new_for_other.status_code == 404
    assert staff.get(f"{RETURNS}/{nantes.rma['id']}").json()["status"] == "requested"


def test_the_admin_api_keeps_a_store_manager_to_her_pickups_and_returns(
    manager_api: tuple[TestClient, dict[str, Principal]],
    staff: TestClient,
    stores: tuple[Store, Store],
) -> None:
    # given the Lyon manager's token
    api, holder = manager_api
    lyon, nantes = stores
    holder["as"] = _manager_of(lyon.location_id)

    # when she reads and acts on both stores' orders and returns
    own_fulfilment = api.get(f"{ORDERS}/{lyon.pickup['id']}/fulfilment")
    other_fulfilment = api.get(f"{ORDERS}/{nantes.pickup['id']}/fulfilment")
    other_collect = api.post(
        f"{ORDERS}/{nantes.pickup['id']}/collect", json={"code": nantes.pickup["code"]}
    )
    other_picking = api.post(f"{ORDERS}/{nantes.shipped['id']}/picking")
    listed = api.get(RETURNS)
    other_return = api.get(f"{RETURNS}/{nantes.rma['id']}")
    other_receive = api.post(f"{RETURNS}/{nantes.rma['id']}/receive")
    other_cancel = api.post(f"{RETURNS}/{nantes.rma['id']}/cancel")
    other_request = api.post(
        f"{ORDERS}/{nantes.shipped['id']}/returns",
        json={
            "lines": [
                {"line_id": nantes.shipped["lines"][0]["id"], "quantity": 1, "reason": "other"}
            ]
        },
    )
    own_receive = api.post(f"{RETURNS}/{lyon.rma['id']}/receive")
    restock_elsewhere = api.post(
        f"{RETURNS}/{lyon.rma['id']}/inspect",
        json={
            "decisions": [
                {
                    "return_line_id": own_receive.json()["lines"][0]["id"],
                    "outcome": "restock",
                    "location_id": str(nantes.location_id),
                }
            ]
        },
    )

    # then Lyon's answer, Nantes's are 404 and unchanged
    assert own_fulfilment.status_code == 200
    assert other_fulfilment.status_code == 404
    assert other_fulfilment.json()["type"].endswith("order-not-found")
    assert (other_collect.status_code, other_picking.status_code) == (404, 404)
    assert [r["number"] for r in listed.json()["items"]] == [lyon.rma["number"]]
    assert other_return.status_code == 404
    assert other_return.json()["type"].endswith("return-not-found")
    assert (other_receive.status_code, other_cancel.status_code) == (404, 404)
    assert other_request.status_code == 404
    assert own_receive.status_code == 200, own_receive.text
    assert restock_elsewhere.status_code == 404
    assert staff.get(f"{RETURNS}/{lyon.rma['id']}").json()["status"] == "received"
    assert staff.get(f"{RETURNS}/{nantes.rma['id']}").json()["status"] == "requested"
    returns_of_nantes = staff.get(RETURNS, params={"order_id": nantes.shipped["id"]}).json()
    assert len(returns_of_nantes["items"]) == 1
    fulfilment = staff.get(f"{ORDERS}/{nantes.pickup['id']}/fulfilment").json()
    assert fulfilment["status"] == "ready_for_pickup"
