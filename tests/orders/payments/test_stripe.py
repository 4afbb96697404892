"""Paying with Stripe: checkout creates a PaymentIntent on a real (fake) Stripe served over
HTTP; Stripe's signed webhook pays the order once, records failures, and nothing unsigned,
tampered or stale is believed."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import uuid
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.kit.clock import FrozenClock
from comptoir.kit.events.models import OutboxEvent
from comptoir.orders.models import Order, Payment
from comptoir.orders.payments.models import StripeEvent
from tests.orders.factories import checkout_body, make_article, make_shop
from tests.orders.payments.conftest import WEBHOOK_SECRET, FakeStripe, payload

CARTS = "/store/v1/carts"
WEBHOOK = "/store/v1/payments/stripe/webhook"


def _stripe_checkout(api: TestClient, session: Session) -> dict[str, Any]:
    """A web shop's cart of 3 mugs at 12.00 EUR checked out with Stripe."""
    shop = make_shop(session, code="web")
    mug = make_article(session, shop, price_minor=1200, units=10)
    session.commit()
    cart_id = api.post(CARTS, json={}, headers=shop.headers).json()["id"]
    added = api.post(
        f"{CARTS}/{cart_id}/lines",
        json={"variant_id": str(mug.id), "quantity": 3},
        headers=shop.headers,
    )
    assert added.status_code == 201, added.text
    placed = api.post(
        f"{CARTS}/{cart_id}/checkout",
        json=checkout_body(method="stripe", card=None),
        headers=shop.headers,
    )
    assert placed.status_code == 201, placed.text
    order: dict[str, Any] = placed.json()
    return order


def _signed(body: bytes, clock: FrozenClock, *, secret: str = WEBHOOK_SECRET, age: int = 0) -> str:
    timestamp = int(clock.now().timestamp()) - age
    signature = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return f"t={timestamp},v1={signature}"


def _deliver(api: TestClient, event: dict[str, Any], clock: FrozenClock) -> Any:
    body = json.dumps(event).encode()
    return api.post(
        WEBHOOK,
        content=body,
        headers={"Stripe-Signature": _signed(body, clock), "Content-Type": "application/json"},
    )


def _payment(session: Session, order_id: str) -> Payment:
    session.expire_all()
    payment = session.scalars(select(Payment).where(Payment.order_id == uuid.UUID(order_id))).one()
    return payment


def _events(session: Session, order_id: str, kind: str) -> int:
    count = session.scalar(
        select(func.count())
        .select_from(OutboxEvent)
        .where(OutboxEvent.key == order_id, OutboxEvent.type == kind)
    )
    return int(count or 0)


def test_checkout_with_stripe_creates_a_payment_intent_and_returns_its_client_secret(
    api: TestClient, session: Session, fake_stripe: FakeStripe
) -> None:
    # when a storefront checks out 36.00 EUR with Stripe
    order = _stripe_checkout(api, session)

    # then Stripe got one form-encoded PaymentIntent request for the order's amount
    assert len(fake_stripe.calls) == 1
    call = fake_stripe.calls[0]
    assert call["content_type"].startswith("application/x-www-form-urlencoded")
    assert call["idempotency_key"] == order["id"]
    assert call["form"]["amount"] == "3600"
    assert call["form"]["currency"] == "eur"
    assert call["form"]["metadata[order_id]"] == order["id"]
    assert call["form"]["automatic_payment_methods[enabled]"] == "true"
    # and the order awaits payment, its client secret handed to the storefront
    recorded = payload("payment_intent_created.json")
    assert order["status"] == "pending_payment"
    (payment,) = order["payments"]
    assert (payment["provider"], payment["status"]) == ("stripe", "pending")
    assert payment["reference"] == recorded["id"]
    assert payment["instructions"] == recorded["client_secret"]
    assert _events(session, order["id"], "order.paid") == 0


def test_stripe_is_not_offered_without_a_secret_key(api: TestClient, session: Session) -> None:
    shop = make_shop(session, code="web")
    mug = make_article(session, shop)
    session.commit()
    cart_id = api.post(CARTS, json={}, headers=shop.headers).json()["id"]
    api.post(
        f"{CARTS}/{cart_id}/lines",
        json={"variant_id": str(mug.id), "quantity": 1},
        headers=shop.headers,
    )

    refused = api.post(
        f"{CARTS}/{cart_id}/checkout",
        json=checkout_body(method="stripe", card=None),
        headers=shop.headers,
    )

    assert refused.status_code == 422
    assert session.scalar(select(func.count()).select_from(Order)) == 0


def test_a_signed_succeeded_event_pays_the_order_once_even_delivered_twice(
    api: TestClient, session: Session, fake_stripe: FakeStripe, clock: FrozenClock
) -> None:
    order = _stripe_checkout(api, session)
    event = payload("event_payment_intent_succeeded.json")

    first = _deliver(api, event, clock)
    second = _deliver(api, event, clock)

    assert (first.status_code, first.json()["outcome"]) == (200, "applied")
    assert (second.status_code, second.json()["outcome"]) == (200, "duplicate")
    payment = _payment(session, order["id"])
    assert payment.status == "captured"
    assert payment.instructions is None
    paid = session.get(Order, uuid.UUID(order["id"]))
    assert paid is not None
    assert (paid.status, paid.paid_at is not None) == ("paid", True)
    assert _events(session, order["id"], "order.paid") == 1
    assert session.scalar(select(func.count()).select_from(StripeEvent)) == 1


def test_a_failed_event_records_stripes_message_on_the_payment(
    api: TestClient, session: Session, fake_stripe: FakeStripe, clock: FrozenClock
) -> None:
    order = _stripe_checkout(api, session)

    answer = _deliver(api, payload("event_payment_intent_payment_failed.json"), clock)

    assert (answer.status_code, answer.json()["outcome"]) == (200, "applied")
    payment = _payment(session, order["id"])
    assert (payment.status, payment.failure_message) == (
        "pending",
        "Your card has insufficient funds.",
    )
    assert session.get(Order, uuid.UUID(order["id"])).status == "pending_payment"  # type: ignore[union-attr]


def test_other_event_types_are_acknowledged_and_ignored(
    api: TestClient, session: Session, fake_stripe: FakeStripe, clock: FrozenClock
) -> None:
    answer = _deliver(api, payload("event_customer_created.json"), clock)

    assert (answer.status_code, answer.json()["outcome"]) == (200, "ignored")
    assert session.scalar(select(func.count()).select_from(StripeEvent)) == 0


def _assert_refused_and_unchanged(answer: Any, session: Session, order_id: str) -> None:
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["type"].endswith("/stripe-signature-invalid")
    payment = _payment(session, order_id)
    assert payment.status == "pending"
    assert session.get(Order, uuid.UUID(order_id)).status == "pending_payment"  # type: ignore[union-attr]
    assert _events(session, order_id, "order.paid") == 0
    assert session.scalar(select(func.count()).select_from(StripeEvent)) == 0


def test_a_tampered_body_is_refused_and_changes_nothing(
    api: TestClient, session: Session, fake_stripe: FakeStripe, clock: FrozenClock
) -> None:
    order = _stripe_checkout(api, session)
    event = payload("event_payment_intent_succeeded.json")
    signed_body = json.dumps(event).encode()
    tampered = copy.deepcopy(event)
    tampered["data"]["object"]["amount_received"] = 1

    answer = api.post(
        WEBHOOK,
        content=json.dumps(tampered).encode(),
        headers={"Stripe-Signature": _signed(signed_body, clock)},
    )

    _assert_refused_and_unchanged(answer, session, order["id"])


def test_a_signature_with_another_secret_is_refused(
    api: TestClient, session: Session, fake_stripe: FakeStripe, clock: FrozenClock
) -> None:
    order = _stripe_checkout(api, session)
    body = json.dumps(payload("event_payment_intent_succeeded.json")).encode()

    answer = api.post(
        WEBHOOK,
        content=body,
        headers={"Stripe-Signature": _signed(body, clock, secret="whsec_someone_else")},
    )

    _assert_refused_and_unchanged(answer, session, order["id"])


def test_a_signature_older_than_five_minutes_is_refused(
    api: TestClient, session: Session, fake_stripe: FakeStripe, clock: FrozenClock
) -> None:
    order = _stripe_checkout(api, session)
    body = json.dumps(payload("event_payment_intent_succeeded.json")).encode()
    stale = _signed(body, clock, age=int(timedelta(minutes=5, seconds=1).total_seconds()))

    answer = api.post(WEBHOOK, content=body, headers={"Stripe-Signature": stale})

    _assert_refused_and_unchanged(answer, session, order["id"])


def test_any_matching_v1_signature_is_accepted_while_a_secret_rolls(
    api: TestClient, session: Session, fake_stripe: FakeStripe, clock: FrozenClock
) -> None:
    order = _stripe_checkout(api, session)
    body = json.dumps(payload("event_payment_intent_succeeded.json")).encode()
    good = _signed(body, clock)
    timestamp, signature = good.split(",")
    header = f"{timestamp},v1={'0' * 64},{signature}"

    answer = api.post(WEBHOOK, content=body, headers={"Stripe-Signature": header})

    assert answer.status_code == 200, answer.text
    assert _payment(session, order["id"]).status == "captured"


def test_a_missing_signature_is_refused(
    api: TestClient, session: Session, fake_stripe: FakeStripe
) -> None:
    body = json.dumps(payload("event_payment_intent_succeeded.json")).encode()

    answer = api.post(WEBHOOK, content=body)

    assert answer.status_code == 400
    assert session.scalar(select(func.count()).select_from(StripeEvent)) == 0
