"""Merging two customers hands the absorbed one's orders, open carts, draft orders and shopper
accounts to the one kept, and unmerging gives back exactly those."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.api import create_app
from comptoir.customers import service as customers
from comptoir.identity.shoppers.models import Shopper
from comptoir.kit.clock import FrozenClock
from comptoir.kit.db.engine import Database
from comptoir.kit.settings import Settings
from comptoir.orders.drafts.models import DraftOrder
from comptoir.orders.models import Cart, Order, OrderEvent
from comptoir.privacy.models import PrivacyAuditEntry
from tests.customers.factories import address, make_customer
from tests.orders.factories import Shop, checkout_body, make_article, make_shop
from tests.support.auth import act_as

CARTS = "/store/v1/carts"
ACCOUNT = "/store/v1/account"
ORDERS = "/api/v1/orders"
CUSTOMERS = "/api/v1/customers"
PASSWORD = "un cheval bleu mange des pommes"


@pytest.fixture
def staff(settings: Settings, db: Database, clock: FrozenClock) -> Iterator[TestClient]:
    app = create_app(settings, db)
    act_as(app, "orders:read", "orders:write", "customers:read", "customers:write")
    with TestClient(app) as test_client:
        yield test_client


def _cart(api: TestClient, headers: dict[str, str], variant_id: uuid.UUID) -> str:
    cart_id: str = api.post(CARTS, json={}, headers=headers).json()["id"]
    added = api.post(
        f"{CARTS}/{cart_id}/lines",
        json={"variant_id": str(variant_id), "quantity": 1},
        headers=headers,
    )
    assert added.status_code == 201, added.text
    return cart_id


def _place(
    api: TestClient, headers: dict[str, str], variant_id: uuid.UUID, email: str
) -> dict[str, Any]:
    cart_id = _cart(api, headers, variant_id)
    placed = api.post(
        f"{CARTS}/{cart_id}/checkout", json={**checkout_body(), "email": email}, headers=headers
    )
    assert placed.status_code == 201, placed.text
    order: dict[str, Any] = placed.json()
    return order


def _shopper(api: TestClient, shop: Shop, email: str) -> dict[str, str]:
    body = {"email": email, "password": PASSWORD}
    assert api.post(ACCOUNT, json=body, headers=shop.headers).status_code == 202
    signed = api.post(f"{ACCOUNT}/sign-in", json=body, headers=shop.headers)
    assert signed.status_code == 200, signed.text
    return {**shop.headers, "Authorization": f"Bearer {signed.json()['access_token']}"}


def _numbers_of(staff: TestClient, customer_id: object) -> list[str]:
    listed = staff.get(ORDERS, params={"customer_id": str(customer_id)})
    assert listed.status_code == 200, listed.text
    return sorted(item["number"] for item in listed.json()["items"])


@pytest.fixture
def two_records(
    api: TestClient, session: Session
) -> tuple[Shop, uuid.UUID, dict[str, Any], dict[str, str], dict[str, Any], str]:
    """A guest order by ada@ (the customer kept), and a shopper account of lovelace@ (the
    duplicate) with one order placed and one cart still open."""
    shop = make_shop(session)
    mug = make_article(session, shop, price_minor=1200, units=20)
    session.commit()
    kept_order = _place(api, shop.headers, mug.id, "ada@example.com")
    headers = _shopper(api, shop, "lovelace@example.com")
    duplicate_order = _place(api, headers, mug.id, "lovelace@example.com")
    open_cart = _cart(api, headers, mug.id)
    return shop, mug.id, kept_order, headers, duplicate_order, open_cart


def test_merging_hands_orders_open_carts_and_accounts_to_the_customer_kept(
    api: TestClient,
    staff: TestClient,
    session: Session,
    two_records: tuple[Shop, uuid.UUID, dict[str, Any], dict[str, str], dict[str, Any], str],
) -> None:
    # given two customers, each with an order, the duplicate with an account and an open cart
    _, _, kept_order, headers, duplicate_order, open_cart = two_records
    kept, duplicate = kept_order["customer_id"], duplicate_order["customer_id"]
    assert kept != duplicate
    assert _numbers_of(staff, kept) == [kept_order["number"]]

    # when staff merge the duplicate into the customer kept
    merged = staff.post(f"{CUSTOMERS}/{kept}/merge", json={"source_id": duplicate})

    # then the kept customer's order list shows both orders, and the duplicate has none
    assert merged.status_code == 201, merged.text
    assert _numbers_of(staff, kept) == sorted([kept_order["number"], duplicate_order["number"]])
    assert _numbers_of(staff, duplicate) == []
    session.expire_all()
    cart = session.get(Cart, uuid.UUID(open_cart))
    assert cart is not None
    assert str(cart.customer_id) == kept
    account = api.get(ACCOUNT, headers=headers)
    assert account.json()["customer_id"] == kept
    # the order's personal data moved to the kept customer's key with it
    order = session.get(Order, uuid.UUID(duplicate_order["id"]))
    assert order is not None
    assert str(order.subject_id) == kept
    changed = session.scalars(
        select(OrderEvent).where(
            OrderEvent.order_id == order.id, OrderEvent.kind == "customer_changed"
        )
    ).one()
    assert changed.details == {"from_customer_id": duplicate, "to_customer_id": kept}
    assert changed.actor == merged.json()["merged_by"]
    audit = session.scalars(
        select(PrivacyAuditEntry).where(PrivacyAuditEntry.action == "customer.merged")
    ).one()
    assert audit.changes["moved_orders"]["new"] == 1
    assert audit.changes["moved_carts"]["new"] == 1
    assert audit.changes["moved_shopper_accounts"]["new"] == 1


def test_unmerging_gives_back_exactly_what_the_merge_moved(
    api: TestClient,
    staff: TestClient,
    session: Session,
    two_records: tuple[Shop, uuid.UUID, dict[str, Any], dict[str, str], dict[str, Any], str],
) -> None:
    # given the duplicate merged into the customer kept, who then orders again
    shop, mug_id, kept_order, headers, duplicate_order, open_cart = two_records
    kept, duplicate = kept_order["customer_id"], duplicate_order["customer_id"]
    merge = staff.post(f"{CUSTOMERS}/{kept}/merge", json={"source_id": duplicate}).json()
    later_order = _place(api, shop.headers, mug_id, "ada@example.com")
    assert later_order["customer_id"] == kept

    # when the merge is undone
    undone = staff.post(f"{CUSTOMERS}/merges/{merge['id']}/unmerge")

    # then each customer has her own orders again; what came after the merge stays
    assert undone.status_code == 200, undone.text
    assert _numbers_of(staff, kept) == sorted([kept_order["number"], later_order["number"]])
    assert _numbers_of(staff, duplicate) == [duplicate_order["number"]]
    session.expire_all()
    cart = session.get(Cart, uuid.UUID(open_cart))
    assert cart is not None
    assert str(cart.customer_id) == duplicate
    assert api.get(ACCOUNT, headers=headers).json()["customer_id"] == duplicate
    order = session.get(Order, uuid.UUID(duplicate_order["id"]))
    assert order is not None
    assert str(order.subject_id) == duplicate
    assert order.email == "lovelace@example.com"
    kinds = session.scalars(
        select(OrderEvent.kind).where(OrderEvent.order_id == order.id).order_by(OrderEvent.id)
    ).all()
    assert kinds.count("customer_changed") == 2


def test_a_moved_order_stays_readable_when_the_absorbed_customer_is_erased(
    api: TestClient,
    staff: TestClient,
    session: Session,
    two_records: tuple[Shop, uuid.UUID, dict[str, Any], dict[str, str], dict[str, Any], str],
) -> None:
    # given the duplicate merged into the customer kept
    _, _, kept_order, _, duplicate_order, _ = two_records
    kept, duplicate = kept_order["customer_id"], duplicate_order["customer_id"]
    staff.post(f"{CUSTOMERS}/{kept}/merge", json={"source_id": duplicate})

    # when the duplicate's own data key is destroyed
    customers.erase_customer(session, uuid.UUID(duplicate))
    session.commit()
    session.expire_all()

    # then the order it brought still reads, under the key of the customer kept
    order = session.get(Order, uuid.UUID(duplicate_order["id"]))
    assert order is not None
    assert order.email == "lovelace@example.com"


def test_converted_carts_and_other_customers_records_do_not_move(
    api: TestClient,
    staff: TestClient,
    session: Session,
    two_records: tuple[Shop, uuid.UUID, dict[str, Any], dict[str, str], dict[str, Any], str],
) -> None:
    # given a third customer with an order, and the duplicate's converted cart
    shop, mug_id, kept_order, _, duplicate_order, _ = two_records
    kept, duplicate = kept_order["customer_id"], duplicate_order["customer_id"]
    third = _place(api, shop.headers, mug_id, "bob@example.com")
    converted = session.scalars(
        select(Cart).where(Cart.status == "converted", Cart.customer_id == uuid.UUID(duplicate))
    ).one()

    # when the duplicate is merged into the customer kept
    staff.post(f"{CUSTOMERS}/{kept}/merge", json={"source_id": duplicate})

    # then the converted cart and the third customer's order stay where they were
    session.expire_all()
    still = session.get(Cart, converted.id)
    assert still is not None
    assert still.customer_id == uuid.UUID(duplicate)
    assert _numbers_of(staff, third["customer_id"]) == [third["number"]]
    accounts = session.scalars(select(Shopper.customer_id)).all()
    assert accounts == [uuid.UUID(kept)]


def test_draft_orders_follow_the_merge_and_come_back_with_the_unmerge(
    staff: TestClient, session: Session
) -> None:
    # given a draft order prepared for a duplicate record of a customer
    shop = make_shop(session, code="phone")
    mug = make_article(session, shop, price_minor=1200, units=10)
    kept = make_customer(session)
    duplicate = make_customer(
        session, addresses=[address(line1="3 impasse du Moulin", is_default_shipping=True)]
    )
    session.commit()
    created = staff.post(
        "/api/v1/orders/drafts",
        json={
            "customer_id": str(duplicate.id),
            "channel_id": str(shop.channel.id),
            "lines": [{"variant_id": str(mug.id), "quantity": 1}],
        },
    )
    assert created.status_code == 201, created.text
    draft_id = uuid.UUID(created.json()["id"])

    # when the duplicate is merged into the customer kept
    merge = staff.post(f"{CUSTOMERS}/{kept.id}/merge", json={"source_id": str(duplicate.id)})

    # then the draft is the kept customer's, its address under her key
    assert merge.status_code == 201, merge.text
    session.expire_all()
    draft = session.get(DraftOrder, draft_id)
    assert draft is not None
    assert draft.customer_id == kept.id
    assert "3 impasse du Moulin" in (draft.shipping_address or "")

    # when the merge is undone, the draft goes back to the duplicate
    staff.post(f"{CUSTOMERS}/merges/{merge.json()['id']}/unmerge")
    session.expire_all()
    draft = session.get(DraftOrder, draft_id)
    assert draft is not None
    assert draft.customer_id == duplicate.id
    assert "3 impasse du Moulin" in (draft.shipping_address or "")
