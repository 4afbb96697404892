"""The back-office fulfilment screens: the steps on an order's page, the pick list of a
location, the click & collect counter (a wrong code keeps what was typed and says why)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.backoffice.conftest import csrf_token_of
from tests.orders.factories import make_article, make_shop
from tests.orders.fulfilment.support import level, movements, place


def test_an_order_is_picked_packed_shipped_and_delivered_from_its_page(
    api: TestClient, client: TestClient, session: Session
) -> None:
    shop = make_shop(session)
    mug = make_article(session, shop, units=10, title="Enamel mug")
    session.commit()
    order = place(api, shop, [(mug.id, 2)])
    path = f"/admin/orders/{order['id']}"

    pick_list = client.get(f"/admin/fulfilment/{shop.location_id}/pick")
    token = csrf_token_of(client.get(path).text)
    for step in ("picking", "pack"):
        assert (
            client.post(
                f"{path}/{step}", data={"csrf_token": token}, follow_redirects=False
            ).status_code
            == 303
        )
    shipped = client.post(
        f"{path}/ship",
        data={"csrf_token": token, "carrier": "Colissimo", "tracking_number": "6A999"},
        follow_redirects=True,
    )
    delivered = client.post(f"{path}/deliver", data={"csrf_token": token}, follow_redirects=True)

    assert pick_list.status_code == 200
    assert str(order["number"]) in pick_list.text
    assert "Enamel mug" in pick_list.text
    assert 'id="order-shipments"' in shipped.text
    assert "6A999" in shipped.text
    assert 'class="badge badge--delivered" id="order-status"' in delivered.text
    assert 'id="cancel"' not in delivered.text
    assert level(session, mug.id, shop.location_id) == (8, 0)
    assert movements(session, mug.id) == [("sale", -2)]
    assert str(order["number"]) not in client.get(f"/admin/fulfilment/{shop.location_id}/pick").text


def test_the_counter_hands_over_an_order_only_with_its_code(
    api: TestClient, client: TestClient, session: Session
) -> None:
    shop = make_shop(session)
    mug = make_article(session, shop, units=10)
    session.commit()
    order = place(api, shop, [(mug.id, 1)], pickup=True)
    path = f"/admin/orders/{order['id']}"
    counter = f"/admin/fulfilment/{shop.location_id}/counter"

    token = csrf_token_of(client.get(path).text)
    ready = client.post(f"{path}/ready-for-pickup", data={"csrf_token": token})
    match = re.search(r'id="pickup-code"[^>]*><strong>([A-Z0-9]{6})</strong>', ready.text)
    assert match is not None
    code = match.group(1)
    waiting = client.get(counter)
    wrong = client.post(
        counter, data={"csrf_token": token, "order_id": str(order["id"]), "code": "XXXXXX"}
    )
    right = client.post(
        counter,
        data={"csrf_token": token, "order_id": str(order["id"]), "code": code},
        follow_redirects=True,
    )

    assert str(order["number"]) in waiting.text
    assert wrong.status_code == 422
    assert "error-summary" in wrong.text
    assert 'aria-invalid="true"' in wrong.text
    assert right.status_code == 200
    assert 'id="pickups"' not in right.text
    assert 'class="empty"' in right.text
    assert client.get(path).text.count("badge--collected") == 1
    assert level(session, mug.id, shop.location_id) == (9, 0)


def test_the_fulfilment_home_lists_locations_with_their_work(
    api: TestClient, client: TestClient, session: Session
) -> None:
    shop = make_shop(session)
    mug = make_article(session, shop, units=10)
    session.commit()
    place(api, shop, [(mug.id, 1)])

    home = client.get("/admin/fulfilment")

    assert home.status_code == 200
    assert f"/admin/fulfilment/{shop.location_id}/pick" in home.text
