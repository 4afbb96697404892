"""The back-office return screens: recording a return from a shipped order, receiving,
inspecting and refunding it from its page, and the returns list."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.backoffice.conftest import csrf_token_of
from tests.orders.factories import make_article, make_shop
from tests.orders.fulfilment.support import ORDERS, level, movements, place


def test_a_return_goes_from_request_to_refund_in_the_back_office(
    api: TestClient, staff: TestClient, client: TestClient, session: Session
) -> None:
    # given a shipped order of 2 mugs
    shop = make_shop(session)
    mug = make_article(session, shop, units=10, title="Enamel mug", price_minor=1500)
    session.commit()
    order = place(api, shop, [(mug.id, 2)])
    staff.post(f"{ORDERS}/{order['id']}/shipments", json={})
    line_id = order["lines"][0]["id"]  # type: ignore[index]

    # when staff record a return of 1 mug, receive it, restock it and refund it
    form = client.get(f"/admin/orders/{order['id']}/returns/new")
    token = csrf_token_of(form.text)
    too_many = client.post(
        f"/admin/orders/{order['id']}/returns",
        data={"csrf_token": token, f"quantity-{line_id}": "5", f"reason-{line_id}": "too_small",
              f"comment-{line_id}": "Keep me"},
    )  # fmt: skip
    created = client.post(
        f"/admin/orders/{order['id']}/returns",
        data={"csrf_token": token, f"quantity-{line_id}": "1", f"reason-{line_id}": "too_small"},
        follow_redirects=False,
    )
    return_path = created.headers["location"]
    client.post(f"{return_path}/receive", data={"csrf_token": token})
    received = client.get(return_path)
    return_line_id = received.text.split('name="outcome-')[1].split('"')[0]
    client.post(
        f"{return_path}/inspect",
        data={"csrf_token": token, f"outcome-{return_line_id}": "restock"},
    )
    refunded = client.post(f"{return_path}/refund", data={"csrf_token": token},
                           follow_redirects=True)  # fmt: skip
    listed = client.get("/admin/returns", params={"status": "refunded"})

    # then the form kept what was typed on error, and the return ended refunded
    assert form.status_code == 200
    assert "Enamel mug" in form.text
    assert too_many.status_code == 422
    assert "Keep me" in too_many.text
    assert created.status_code == 303
    assert 'class="badge badge--refunded" id="return-status"' in refunded.text
    assert "15.00" in refunded.text or "15,00" in refunded.text
    assert f"RMA-{order['number']}-1" in listed.text
    assert level(session, mug.id, shop.location_id) == (9, 0)
    assert movements(session, mug.id) == [("sale", -2), ("return", 1)]


def test_the_returns_list_explains_itself_when_empty(client: TestClient) -> None:
    empty = client.get("/admin/returns", params={"status": "received"})

    assert empty.status_code == 200
    assert 'class="empty"' in empty.text
