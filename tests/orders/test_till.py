"""Till sales through the store API: a store channel's key with a real staff access token from
the real token endpoint; paid on the spot, taken from the store's stock, all or nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.api import create_app
from comptoir.catalog.models import Variant
from comptoir.customers.models import Customer
from comptoir.identity.oauth import service as oauth
from comptoir.inventory import service as inventory
from comptoir.inventory.models import Movement
from comptoir.kit.clock import FrozenClock
from comptoir.kit.db.engine import Database
from comptoir.kit.events.models import OutboxEvent
from comptoir.kit.settings import Settings
from comptoir.orders.models import Order, OrderEvent
from comptoir.orders.returns import service as returns
from tests.catalog.factories import (
    make_channel,
    make_listing,
    make_price,
    make_price_list,
    make_product,
    make_promotion,
    make_tax_class,
    make_tax_rate,
    make_variant,
)
from tests.channels.factories import make_channel_key
from tests.identity.conftest import add_user
from tests.identity.oauth.conftest import (
    approve,
    authorize_query,
    exchange_code,
    pkce_pair,
    redirect_params,
    register_app,
)
from tests.inventory.factories import make_location, stock
from tests.support.staff import open_full_session, sign_in_client

SALES = "/store/v1/till/sales"


@dataclass(frozen=True, slots=True)
class Till:
    """A store channel with its key, selling from two stores and a warehouse."""

    channel_id: uuid.UUID
    code: str
    key: str
    store_id: uuid.UUID
    other_store_id: uuid.UUID
    warehouse_id: uuid.UUID
    mug: Variant

    def headers(self, token: str | None = None) -> dict[str, str]:
        headers = {"X-Channel-Key": self.key, "Accept-Language": "en"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return headers


@pytest.fixture
def api(settings: Settings, db: Database, clock: FrozenClock) -> Iterator[TestClient]:
    """The application over https, as in production (OAuth refuses plain http)."""
    with TestClient(create_app(settings, db), base_url="https://testserver") as client:
        yield client


def make_till(session: Session, *, units: tuple[int, int, int] = (10, 5, 20)) -> Till:
    """A mug at 12.00 (VAT 20 % included) with ``units`` on hand in the store, the other
    store and the warehouse."""
    channel = make_channel(session, kind="store", code=f"pos-{uuid.uuid4().hex[:6]}")
    _, key = make_channel_key(session, channel=channel, label="Till 1")
    locations = [
        make_location(session, kind="store").id,
        make_location(session, kind="store").id,
        make_location(session, kind="warehouse").id,
    ]
    for location_id in locations:
        inventory.set_channel_location(
            session, channel_id=channel.id, location_id=location_id, buffer=0
        )
    price_list = make_price_list(session, channel=channel, prices_include_tax=True)
    tax_class = make_tax_class(session, code=f"fr-{uuid.uuid4().hex[:6]}-standard")
    make_tax_rate(session, tax_class=tax_class, rate=Decimal("20"))
    product = make_product(session, title="Mug", tax_class_id=tax_class.id)
    mug = make_variant(session, product=product, title="Blue")
    make_listing(session, channel=channel, variant=mug)
    make_price(session, price_list=price_list, variant=mug, amount_minor=1200)
    for location_id, quantity in zip(locations, units, strict=True):
        if quantity:
            stock(session, variant_id=mug.id, location_id=location_id, quantity=quantity)
    session.commit()
    store_id, other_store_id, warehouse_id = locations
    return Till(channel.id, channel.code, key, store_id, other_store_id, warehouse_id, mug)


def _settings_of(api: TestClient) -> Settings:
    app = api.app
    assert isinstance(app, FastAPI)
    settings: Settings = app.state.settings
    return settings


def staff_token(
    api: TestClient,
    session: Session,
    *,
    roles: tuple[str, ...] = ("store_manager",),
    location_ids: Iterable[uuid.UUID] = (),
) -> tuple[uuid.UUID, str]:
    """A staff member, signed in to the back office, approves the till app, which gets an
    access token from ``/oauth/token`` (authorization code with PKCE); the browser's cookies
    are then dropped, so that the token alone speaks for her."""
    email = f"till-{uuid.uuid4().hex[:8]}@example.com"
    user = add_user(session, email=email, roles=roles, location_ids=location_ids)
    sign_in_client(api, open_full_session(session, user, _settings_of(api)))
    session.commit()
    registered = register_app(session, scopes=("openid", "orders:till"))
    verifier, challenge = pkce_pair()
    query = authorize_query(registered, challenge, scope="openid orders:till")
    params = redirect_params(approve(api, query))
    answer = exchange_code(api, registered, params["code"], verifier)
    assert answer.status_code == 200, answer.text
    api.cookies.clear()
    return user.id, str(answer.json()["access_token"])


def sale(
    till: Till, quantity: int = 3, payments: list[dict[str, object]] | None = None
) -> dict[str, object]:
    return {
        "location_id": str(till.store_id),
        "lines": [{"sku": till.mug.sku, "quantity": quantity}],
        "payments": payments
        if payments is not None
        else [{"method": "cash", "amount_minor": 5000}],
    }


def _on_hand(session: Session, till: Till) -> tuple[int, int, int]:
    session.expire_all()
    levels = []
    for location_id in (till.store_id, till.other_store_id, till.warehouse_id):
        level = inventory.get_level(session, till.mug.id, location_id)
        levels.append(level.on_hand if level is not None else 0)
    return levels[0], levels[1], levels[2]


def _order_events(session: Session) -> list[str]:
    return list(
        session.scalars(
            select(OutboxEvent.type)
            .where(OutboxEvent.type.like("order.%"))
            .order_by(OutboxEvent.occurred_at, OutboxEvent.id)
        )
    )


def _count(session: Session, table: type[object]) -> int:
    return int(session.scalar(select(func.count()).select_from(table)) or 0)


def _sale_movements(session: Session) -> int:
    return int(
        session.scalar(select(func.count()).select_from(Movement).where(Movement.kind == "sale"))
        or 0
    )


def test_a_till_sale_is_paid_collected_and_taken_from_that_store_only(
    api: TestClient, session: Session
) -> None:
    # given a store manager of the store, with a till access token from the token endpoint
    till = make_till(session)
    cashier_id, token = staff_token(api, session, location_ids=[till.store_id])

    # when the till sells 3 mugs (36.00) paid with a 50.00 note
    sold = api.post(SALES, json=sale(till), headers=till.headers(token))

    # then the order is numbered in the channel's series, paid and collected at once
    assert sold.status_code == 201, sold.text
    receipt = sold.json()
    assert receipt["number"] == f"{till.code.upper()}-2026-000001"
    assert (receipt["status"], receipt["delivery_method"]) == ("collected", "pickup")
    assert (receipt["total_gross"]["minor_units"], receipt["total_tax"]["minor_units"]) == (
        3600,
        600,
    )
    assert (receipt["vat_scheme"], receipt["destination_country"]) == ("domestic", "FR")
    # and the change is computed: the cash pays 36.00 of the 50.00 handed over
    assert (receipt["tendered"]["amount"], receipt["change"]["amount"]) == ("50.00", "14.00")
    assert [
        (p["provider"], p["status"], p["amount"]["minor_units"]) for p in receipt["payments"]
    ] == [("cash", "captured", 3600)]
    assert receipt["location_id"] == str(till.store_id)
    assert receipt["cashier_id"] == str(cashier_id)
    assert receipt["lines"][0]["location_id"] == str(till.store_id)
    assert receipt["lines"][0]["reservation_id"] is None
    # and the units left that store only, through one sale movement referencing the order
    assert _on_hand(session, till) == (7, 5, 20)
    movements = list(
        session.scalars(select(Movement).where(Movement.reference_id == receipt["id"]))
    )
    assert [(m.kind, m.quantity, m.location_id, m.reference_type) for m in movements] == [
        ("sale", -3, till.store_id, "order")
    ]
    # and the timeline and the events say what happened
    timeline = session.scalars(
        select(OrderEvent.to_status)
        .where(OrderEvent.order_id == uuid.UUID(str(receipt["id"])))
        .order_by(OrderEvent.occurred_at, OrderEvent.id)
    )
    assert list(timeline) == ["pending_payment", "paid", "collected"]
    assert _order_events(session) == ["order.placed", "order.paid", "order.delivered"]
    # and the receipt can be read again
    again = api.get(f"{SALES}/{receipt['id']}", headers=till.headers(token))
    assert again.status_code == 200, again.text
    assert again.json() == receipt


def test_insufficient_stock_in_the_store_changes_nothing(api: TestClient, session: Session) -> None:
    # given 2 mugs in the store (and plenty in the warehouse and the other store)
    till = make_till(session, units=(2, 5, 20))
    _, token = staff_token(api, session, location_ids=[till.store_id])
    body = {**sale(till, quantity=3), "email": "ada@example.com"}

    # when the till sells 3
    refused = api.post(SALES, json=body, headers=till.headers(token))

    # then a 409 names the line, and nothing was written: no order, movement, event, customer
    assert refused.status_code == 409, refused.text
    assert (refused.json()["type"], refused.json()["field"]) == (
        "/problems/insufficient-stock",
        "lines.0.quantity",
    )
    assert _count(session, Order) == 0
    assert _sale_movements(session) == 0
    assert _order_events(session) == []
    assert _count(session, Customer) == 0
    assert _on_hand(session, till) == (2, 5, 20)
    # and the number was not used up: the next sale takes the first one
    sold = api.post(SALES, json=sale(till, quantity=2), headers=till.headers(token))
    assert sold.status_code == 201, sold.text
    assert sold.json()["number"].endswith("-000001")


def test_a_store_manager_of_another_store_is_refused(api: TestClient, session: Session) -> None:
    # given a store manager of the other store only
    till = make_till(session)
    _, token = staff_token(api, session, location_ids=[till.other_store_id])

    # when she rings up a sale in this store
    refused = api.post(SALES, json=sale(till), headers=till.headers(token))

    # then it is refused and nothing changes
    assert refused.status_code == 403, refused.text
    assert (refused.json()["type"], refused.json()["field"]) == (
        "/problems/till-location-refused",
        "location_id",
    )
    assert _count(session, Order) == 0
    assert _on_hand(session, till) == (10, 5, 20)


def test_card_and_cash_together_give_change_from_the_cash_only(
    api: TestClient, session: Session
) -> None:
    # given an owner-like manager without location restriction
    till = make_till(session)
    _, token = staff_token(api, session)
    payments: list[dict[str, object]] = [
        {"method": "card_terminal", "amount_minor": 2000, "card_last4": "1234",
         "reference": "AUTH-889"},
        {"method": "cash", "amount_minor": 2000},
    ]  # fmt: skip

    # when 36.00 is paid 20.00 by card and 20.00 in cash
    sold = api.post(SALES, json=sale(till, payments=payments), headers=till.headers(token))

    # then the card pays 20.00, the cash 16.00, and 4.00 is given back
    assert sold.status_code == 201, sold.text
    receipt = sold.json()
    assert [
        (p["provider"], p["amount"]["minor_units"], p["card_last4"], p["instructions"])
        for p in receipt["payments"]
    ] == [("card_terminal", 2000, "1234", "AUTH-889"), ("cash", 1600, None, None)]
    assert (receipt["tendered"]["minor_units"], receipt["change"]["minor_units"]) == (4000, 400)


@pytest.mark.parametrize(
    ("payments", "field"),
    [
        ([{"method": "cash", "amount_minor": 3000}], "payments"),
        ([{"method": "card_terminal", "amount_minor": 4000}], "payments.0.amount_minor"),
        (
            [
                {"method": "card_terminal", "amount_minor": 3600},
                {"method": "cash", "amount_minor": 500},
            ],
            "payments",
        ),
        ([], "payments"),
    ],
)
def test_payments_that_do_not_settle_the_total_exactly_are_refused(
    api: TestClient, session: Session, payments: list[dict[str, object]], field: str
) -> None:
    # given a sale of 36.00
    till = make_till(session)
    _, token = staff_token(api, session, location_ids=[till.store_id])

    # when the payments fall short, a card pays too much, or cash is tendered for nothing
    refused = api.post(SALES, json=sale(till, payments=payments), headers=till.headers(token))

    # then a 422 names the field and nothing changes
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == field
    assert _count(session, Order) == 0
    assert _on_hand(session, till) == (10, 5, 20)


def test_the_channels_promotions_apply_at_the_till(api: TestClient, session: Session) -> None:
    # given a 10 % promotion on the store channel
    till = make_till(session)
    make_promotion(session, percent=Decimal("10"), channel_ids=[str(till.channel_id)])
    session.commit()
    _, token = staff_token(api, session, location_ids=[till.store_id])

    # when 3 mugs are sold by barcode-free SKU
    sold = api.post(SALES, json=sale(till), headers=till.headers(token))

    # then 36.00 less 10 % is due, and the change follows
    assert sold.status_code == 201, sold.text
    assert sold.json()["total_gross"]["minor_units"] == 3240
    assert sold.json()["change"]["minor_units"] == 1760


def test_the_same_sale_sent_twice_with_one_key_is_made_once(
    api: TestClient, session: Session
) -> None:
    till = make_till(session)
    _, token = staff_token(api, session, location_ids=[till.store_id])
    headers = {**till.headers(token), "Idempotency-Key": "till-1-ticket-42"}

    first = api.post(SALES, json=sale(till), headers=headers)
    second = api.post(SALES, json=sale(till), headers=headers)

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json()["id"] == first.json()["id"]
    assert _count(session, Order) == 1
    assert _on_hand(session, till) == (7, 5, 20)


def test_a_shopper_token_is_still_a_shopper_and_cannot_sell(
    api: TestClient, session: Session
) -> None:
    # given a shopper signed up on the store channel
    till = make_till(session)
    credentials = {"email": "ada@example.com", "password": "un cheval bleu mange des pommes"}
    signed_up = api.post("/store/v1/account", json=credentials, headers=till.headers())
    assert signed_up.status_code == 202, signed_up.text
    signed_in = api.post("/store/v1/account/sign-in", json=credentials, headers=till.headers())
    assert signed_in.status_code == 200, signed_in.text
    token = signed_in.json()["access_token"]

    # when she uses her token
    account = api.get("/store/v1/account", headers=till.headers(token))
    refused = api.post(SALES, json=sale(till), headers=till.headers(token))

    # then it opens her account, not the till
    assert account.status_code == 200
    assert account.json()["email"] == "ada@example.com"
    assert refused.status_code == 403
    assert refused.json()["type"] == "/problems/missing-scope"
    assert _count(session, Order) == 0


def test_tokens_that_open_no_till_are_refused(api: TestClient, session: Session) -> None:
    # given a staff token, a web channel's key, and an API client's token
    till = make_till(session)
    _, token = staff_token(api, session)
    _, web_key = make_channel_key(session, channel=make_channel(session, kind="web"))
    integration = oauth.register_client(
        session, name="Caisse", kind="integration", scopes=["orders:till"]
    )
    session.commit()
    issued = api.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(integration.client.client_id, integration.secret or ""),
    )
    assert issued.status_code == 200, issued.text
    client_token = issued.json()["access_token"]
    web_headers = {"X-Channel-Key": web_key, "Authorization": f"Bearer {token}"}

    # when each is used at the till
    on_web = api.post(SALES, json=sale(till), headers=web_headers)
    by_client = api.post(SALES, json=sale(till), headers=till.headers(client_token))
    forged = api.post(SALES, json=sale(till), headers=till.headers("a.b.c"))
    no_token = api.post(SALES, json=sale(till), headers=till.headers())

    # then none sells anything
    assert (on_web.status_code, on_web.json()["type"]) == (
        403,
        "/problems/staff-token-not-accepted",
    )
    assert (by_client.status_code, by_client.json()["type"]) == (
        403,
        "/problems/staff-token-not-accepted",
    )
    assert (forged.status_code, forged.json()["type"]) == (401, "/problems/invalid-token")
    assert (no_token.status_code, no_token.json()["type"]) == (403, "/problems/missing-scope")
    assert _count(session, Order) == 0


def test_a_receipt_is_not_shown_to_a_manager_of_another_store(
    api: TestClient, session: Session
) -> None:
    # given a sale in the store, and a manager of the other store
    till = make_till(session)
    _, token = staff_token(api, session, location_ids=[till.store_id])
    sold = api.post(SALES, json=sale(till), headers=till.headers(token))
    assert sold.status_code == 201, sold.text
    _, other = staff_token(api, session, location_ids=[till.other_store_id])

    # when she asks for its receipt
    seen = api.get(f"{SALES}/{sold.json()['id']}", headers=till.headers(other))

    # then there is no such sale for her
    assert (seen.status_code, seen.json()["type"]) == (404, "/problems/order-not-found")


def test_a_till_sale_can_be_brought_back_through_a_return(
    api: TestClient, session: Session
) -> None:
    # given 3 mugs sold at the till
    till = make_till(session)
    _, token = staff_token(api, session, location_ids=[till.store_id])
    sold = api.post(SALES, json=sale(till), headers=till.headers(token))
    assert sold.status_code == 201, sold.text
    order_id = uuid.UUID(sold.json()["id"])
    line_id = uuid.UUID(sold.json()["lines"][0]["id"])

    # when one comes back, is received and restocked
    rma = returns.request_return(
        session, order_id, [returns.LineRequest(line_id, 1, "damaged")], actor="staff:test"
    )
    returns.receive_return(session, rma.id, actor="staff:test")
    returns.inspect_return(
        session, rma.id, [returns.LineDecision(rma.lines[0].id, "restock")], actor="staff:test"
    )

    # then it goes back to the store it was sold from
    assert _on_hand(session, till) == (8, 5, 20)
