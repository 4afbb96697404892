"""Refunds with Stripe: cancelling a paid order refunds its PaymentIntent on a real (fake)
Stripe served over HTTP, a refusal changes nothing, a pending PaymentIntent is cancelled, and
``charge.refunded`` records a refund made in Stripe's dashboard once, never Comptoir's own
refund a second time."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from comptoir.api import create_app
from comptoir.kit.clock import FrozenClock
from comptoir.kit.db.engine import Database
from comptoir.kit.settings import Settings
from tests.orders.fulfilment.support import events_of
from tests.orders.payments.conftest import FakeStripe, payload
from tests.orders.payments.test_stripe import _deliver, _payment, _stripe_checkout

ORDERS = "/api/v1/orders"
INTENT = "pi_3QK2vNLkdIwHu7ix0Zf4aB2c"


@pytest.fixture
def staff(settings: Settings, db: Database, clock: FrozenClock) -> Iterator[TestClient]:
    from tests.support.auth import act_as

    app = create_app(settings, db)
    act_as(app, "orders:read", "orders:write")
    with TestClient(app) as test_client:
        yield test_client


def _paid_with_stripe(api: TestClient, session: Session, clock: FrozenClock) -> dict[str, Any]:
    """3 mugs at 12.00 EUR paid by card through Stripe (its webhook said so)."""
    order = _stripe_checkout(api, session)
    paid = _deliver(api, payload("event_payment_intent_succeeded.json"), clock)
    assert paid.json()["outcome"] == "applied", paid.text
    return order


def _refund_entries(staff: TestClient, order_id: str) -> list[dict[str, Any]]:
    timeline = staff.get(f"{ORDERS}/{order_id}").json()["timeline"]
    return [entry["details"] for entry in timeline if entry["kind"] == "refunded"]


def test_cancelling_a_paid_order_refunds_the_payment_intent_through_stripe(
    api: TestClient, staff: TestClient, session: Session, fake_stripe: FakeStripe,
    clock: FrozenClock,
) -> None:  # fmt: skip
    # given an order of 36.00 EUR paid through Stripe
    order = _paid_with_stripe(api, session, clock)

    # when staff cancel it
    cancelled = staff.post(f"{ORDERS}/{order['id']}/cancel", json={"reason": "Out of stock"})

    # then Stripe got one form-encoded refund of the whole PaymentIntent, marked as ours
    assert cancelled.status_code == 200, cancelled.text
    (call,) = fake_stripe.calls_to("/v1/refunds")
    assert call["content_type"].startswith("application/x-www-form-urlencoded")
    assert call["authorization"].startswith("Bearer sk_test_")
    assert call["form"] == {
        "payment_intent": INTENT,
        "amount": "3600",
        "reason": "requested_by_customer",
        "metadata[order_id]": order["id"],
        "metadata[order_number]": order["number"],
        "metadata[comptoir_reason]": "cancellation-1",
    }
    assert call["idempotency_key"] == f"{order['id']}-{INTENT}-3600-cancellation-1"
    # and the refund is on the order, the payment refunded, refund.issued emitted once
    (refund,) = _refund_entries(staff, order["id"])
    assert refund["reference"] == payload("refund_created.json")["id"]
    assert (refund["amount_minor"], refund["status"]) == (3600, "refunded")
    assert _payment(session, order["id"]).status == "refunded"
    assert events_of(session, order["id"]).count("refund.issued") == 1


def test_a_refund_refused_by_stripe_leaves_the_order_as_it_was(
    api: TestClient, staff: TestClient, session: Session, fake_stripe: FakeStripe,
    clock: FrozenClock,
) -> None:  # fmt: skip
    # given a paid order, and Stripe refusing its refund
    order = _paid_with_stripe(api, session, clock)
    before = staff.get(f"{ORDERS}/{order['id']}").json()
    events_before = events_of(session, order["id"])
    fake_stripe.refuse_refunds = True

    # when staff cancel it
    refused = staff.post(f"{ORDERS}/{order['id']}/cancel", json={})

    # then a 409 problem says Stripe refused and why, and nothing changed
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["type"].endswith("/refund-refused")
    assert "already been refunded" in refused.json()["detail"]
    assert len(fake_stripe.calls_to("/v1/refunds")) == 1
    assert staff.get(f"{ORDERS}/{order['id']}").json() == before
    assert events_of(session, order["id"]) == events_before
    assert _payment(session, order["id"]).status == "captured"


def test_cancelling_an_unpaid_stripe_order_cancels_its_payment_intent(
    api: TestClient, staff: TestClient, session: Session, fake_stripe: FakeStripe
) -> None:
    # given an order whose PaymentIntent was never confirmed
    order = _stripe_checkout(api, session)

    # when staff cancel it
    cancelled = staff.post(f"{ORDERS}/{order['id']}/cancel", json={})

    # then the PaymentIntent is cancelled at Stripe, nothing is refunded
    assert cancelled.status_code == 200, cancelled.text
    assert len(fake_stripe.calls_to(f"/v1/payment_intents/{INTENT}/cancel")) == 1
    assert fake_stripe.calls_to("/v1/refunds") == []
    assert _payment(session, order["id"]).status == "cancelled"
    assert _refund_entries(staff, order["id"]) == []
    assert "refund.issued" not in events_of(session, order["id"])


def test_a_dashboard_refund_is_recorded_once_even_delivered_twice(
    api: TestClient, staff: TestClient, session: Session, fake_stripe: FakeStripe,
    clock: FrozenClock,
) -> None:  # fmt: skip
    # given a paid order, refunded 12.00 EUR from Stripe's dashboard
    order = _paid_with_stripe(api, session, clock)
    event = payload("event_charge_refunded.json")

    # when Stripe delivers charge.refunded twice
    first = _deliver(api, event, clock)
    second = _deliver(api, event, clock)

    # then the refund is on the order once, with one refund.issued, the rest still captured
    assert (first.status_code, first.json()["outcome"]) == (200, "applied")
    assert (second.status_code, second.json()["outcome"]) == (200, "duplicate")
    (refund,) = _refund_entries(staff, order["id"])
    assert refund == {
        "amount_minor": 1200,
        "status": "refunded",
        "reference": "re_3QK2vNLkdIwHu7ix0Dsh8Bq2",
        "provider": "stripe",
        "cause": "provider",
    }
    assert events_of(session, order["id"]).count("refund.issued") == 1
    assert _payment(session, order["id"]).status == "captured"
    assert fake_stripe.calls_to("/v1/refunds") == []


def _webhook_of_our_refund(stripe_refund: dict[str, Any]) -> dict[str, Any]:
    """Stripe's charge.refunded for the refund Comptoir just made (another event id)."""
    event = copy.deepcopy(payload("event_charge_refunded.json"))
    event["id"] = "evt_3QK2vNLkdIwHu7ix0Tg5Lm1X"
    charge = event["data"]["object"]
    charge["amount_refunded"], charge["refunded"] = 3600, True
    charge["refunds"]["data"] = [stripe_refund]
    return event


def test_our_own_refund_is_not_recorded_again_by_its_webhook(
    api: TestClient, staff: TestClient, session: Session, fake_stripe: FakeStripe,
    clock: FrozenClock,
) -> None:  # fmt: skip
    # given a paid order cancelled in Comptoir (refunded through Stripe)
    order = _paid_with_stripe(api, session, clock)
    assert staff.post(f"{ORDERS}/{order['id']}/cancel", json={}).status_code == 200
    ours = payload("refund_created.json")
    ours["metadata"] = {"order_id": order["id"], "comptoir_reason": "cancellation-1"}

    # when Stripe reports that refund with charge.refunded
    answer = _deliver(api, _webhook_of_our_refund(ours), clock)

    # then it is acknowledged, and the order still has a single refund
    assert answer.status_code == 200, answer.text
    assert len(_refund_entries(staff, order["id"])) == 1
    assert events_of(session, order["id"]).count("refund.issued") == 1


def test_a_refund_already_on_the_timeline_is_not_recorded_again_without_metadata(
    api: TestClient, staff: TestClient, session: Session, fake_stripe: FakeStripe,
    clock: FrozenClock,
) -> None:  # fmt: skip
    # given a paid order cancelled in Comptoir, and Stripe's report of that refund without
    # its metadata
    order = _paid_with_stripe(api, session, clock)
    assert staff.post(f"{ORDERS}/{order['id']}/cancel", json={}).status_code == 200

    # when the webhook arrives
    answer = _deliver(api, _webhook_of_our_refund(payload("refund_created.json")), clock)

    # then its reference is recognised: still one refund
    assert answer.status_code == 200, answer.text
    assert [r["reference"] for r in _refund_entries(staff, order["id"])] == [
        payload("refund_created.json")["id"]
    ]
    assert events_of(session, order["id"]).count("refund.issued") == 1


def test_our_own_refund_lost_by_its_request_is_recorded_once_its_webhook_comes_back(
    api: TestClient, staff: TestClient, session: Session, fake_stripe: FakeStripe,
    clock: FrozenClock,
) -> None:  # fmt: skip
    # given a paid order, and a refund Comptoir asked Stripe for whose request then failed
    # to commit (the order does not show it)
    order = _paid_with_stripe(api, session, clock)
    lost = payload("refund_created.json")
    lost["id"] = "re_3QK2vNLkdIwHu7ix0LostRef"
    lost["metadata"] = {"order_id": order["id"], "comptoir_reason": "cancellation-1"}
    lost["created"] = int(clock.now().timestamp())
    event = _webhook_of_our_refund(lost)

    # when Stripe reports it at once, then again a quarter of an hour later
    early = _deliver(api, event, clock)
    clock.advance(timedelta(minutes=15))
    later = _deliver(api, event, clock)

    # then the first delivery is refused (Stripe sends it again) and changes nothing; the
    # second records the refund once, so that the books see the money that left
    assert early.status_code == 409
    assert early.json()["type"] == "/problems/refund-not-recorded-yet"
    assert later.status_code == 200, later.text
    assert later.json()["outcome"] == "applied"
    assert [r["reference"] for r in _refund_entries(staff, order["id"])] == [lost["id"]]
    assert events_of(session, order["id"]).count("refund.issued") == 1
    again = _deliver(api, event, clock)
    assert again.json()["outcome"] == "duplicate"
