"""The "Orders" section the orders module adds to a customer's back-office page: her orders
from every channel (and those of the customers merged into her), each linking to its page."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from comptoir.customers import service as customers
from comptoir.privacy.schemas import AuditActor
from tests.customers.factories import make_customer
from tests.orders.factories import Shop, checkout_body, make_article, make_shop

CARTS = "/store/v1/carts"
STAFF = AuditActor(kind="staff", id=None, display_name="Nadia (support)")


def _place(api: TestClient, shop: Shop, variant_id: uuid.UUID, email: str) -> dict[str, str]:
    cart_id = api.post(CARTS, json={}, headers=shop.headers).json()["id"]
    api.post(
        f"{CARTS}/{cart_id}/lines",
        json={"variant_id": str(variant_id), "quantity": 2},
        headers=shop.headers,
    )
    placed = api.post(
        f"{CARTS}/{cart_id}/checkout",
        json={**checkout_body(), "email": email},
        headers=shop.headers,
    )
    assert placed.status_code == 201, placed.text
    order: dict[str, str] = placed.json()
    return order


def test_a_customers_page_lists_her_orders_with_links(
    api: TestClient, client: TestClient, session: Session
) -> None:
    # given a customer who ordered twice on a web shop, and another buyer
    shop = make_shop(session)
    mug = make_article(session, shop, price_minor=1200, units=10, title="Enamel mug")
    session.commit()
    first = _place(api, shop, mug.id, "ada@example.com")
    second = _place(api, shop, mug.id, "ada@example.com")
    other = _place(api, shop, mug.id, "bob@example.com")

    # when staff open her page
    page = client.get(f"/admin/customers/{first['customer_id']}")

    # then the orders section lists her two orders, linked, with channel, status and total
    assert page.status_code == 200
    section = page.text.split('id="customer-orders"', 1)[1].split("</table>", 1)[0]
    for order in (first, second):
        assert f'<a href="/admin/orders/{order["id"]}">{order["number"]}</a>' in section
    assert other["number"] not in section
    assert shop.channel.name in section
    assert section.count("Payée") == 2
    assert section.count("24,00\u00a0€") == 2
    assert "2 commandes en tout." in page.text


def test_a_customer_without_orders_gets_an_empty_section(
    client: TestClient, session: Session
) -> None:
    customer = make_customer(session)
    session.commit()

    page = client.get(f"/admin/customers/{customer.id}")

    assert page.status_code == 200
    assert "<h3>Aucune commande pour l\u2019instant</h3>" in page.text
    assert 'id="customer-orders"' not in page.text


def test_the_orders_of_a_merged_customer_show_on_the_customer_she_became(
    api: TestClient, client: TestClient, session: Session
) -> None:
    # given a guest order of a duplicate customer, merged since into the kept one
    shop = make_shop(session)
    mug = make_article(session, shop, units=10)
    session.commit()
    order = _place(api, shop, mug.id, "ada.duplicate@example.com")
    kept = make_customer(session, email="ada@example.com")
    customers.merge_customers(session, kept.id, uuid.UUID(order["customer_id"]), actor=STAFF)
    session.commit()

    # when staff open the kept customer's page
    page = client.get(f"/admin/customers/{kept.id}")

    # then the duplicate's order is listed there
    assert f'<a href="/admin/orders/{order["id"]}">{order["number"]}</a>' in page.text
