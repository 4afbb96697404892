"""Stripe's webhook, ``POST /store/v1/payments/stripe/webhook``: Stripe tells Comptoir how a
PaymentIntent went, and which of its charges were refunded.

Every event is verified on the raw body (``Stripe-Signature``, see
:func:`~comptoir.orders.payments.stripe.verify_signature`) and applied once: its id goes into
``orders_stripe_events`` in the same transaction as its effect, so a delivery repeated by
Stripe finds the id there and changes nothing. The route carries no channel key (Stripe is
the caller): it is mounted outside the storefront gate.
"""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Header, Request
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.kit import clock
from comptoir.kit.db.dialect import insert_ignoring_conflicts
from comptoir.kit.errors import problem_responses
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.orders.models import Order, Payment
from comptoir.orders.payments.models import StripeEvent
from comptoir.orders.payments.stripe import StripeSettings, StripeSignatureInvalid, verify_signature
from comptoir.orders.service.orders import emit_paid, record_event
from comptoir.orders.service.refunds import record_charge_refunds

SUCCEEDED: Final = "payment_intent.succeeded"
FAILED: Final = "payment_intent.payment_failed"
REFUNDED: Final = "charge.refunded"
ACTOR: Final = "stripe"


class WebhookAnswer(BaseModel):
    """What Comptoir did with the event: ``applied``, ``duplicate`` (already applied) or
    ``ignored`` (a type Comptoir does not act on, or a PaymentIntent it does not know)."""

    received: bool = True
    outcome: str


def receive_stripe_event(session: Session, payload: bytes, signature: str | None) -> str:
    """Verify and apply one Stripe event; returns ``applied``, ``duplicate`` or ``ignored``.

    Guarantees: nothing is written unless the signature holds; an event id is applied at most
    once (the id and the effect commit together). Raises :class:`StripeSignatureInvalid`.
    """
    secret = StripeSettings().stripe_webhook_secret.get_secret_value()
    verify_signature(payload, signature, secret)
    try:
        event: dict[str, Any] = json.loads(payload)
        event_id, event_type = str(event["id"]), str(event["type"])
        intent: dict[str, Any] = event["data"]["object"]
    except (ValueError, KeyError, TypeError) as error:
        raise StripeSignatureInvalid(
            _l("The Stripe event cannot be read."), field="body"
        ) from error
    if event_type not in (SUCCEEDED, FAILED, REFUNDED):
        return "ignored"
    recorded = insert_ignoring_conflicts(
        session,
        StripeEvent.__table__,  # type: ignore[arg-type]
        [
            {
                "id": uuid.uuid4(),
                "event_id": event_id,
                "type": event_type,
                "received_at": clock.now(),
                "created_at": clock.now(),
                "updated_at": clock.now(),
            }
        ],
        ["event_id"],
    )
    if not recorded:
        return "duplicate"
    # A charge.refunded event carries the Charge; its PaymentIntent is the payment.
    reference = intent.get("payment_intent") if event_type == REFUNDED else intent.get("id")
    payment = session.scalar(
        select(Payment).where(Payment.provider == "stripe", Payment.reference == reference)
    )
    if payment is None:
        return "ignored"
    if event_type == REFUNDED:
        record_charge_refunds(session, payment, intent, actor=ACTOR)
    elif event_type == SUCCEEDED:
        _captured(session, payment)
    else:
        refusal = intent.get("last_payment_error") or {}
        payment.failure_message = str(refusal.get("message") or "")[:500] or None
    session.flush()
    return "applied"


def _captured(session: Session, payment: Payment) -> None:
    """The payment is captured and, if it still waits for it, the order paid."""
    if payment.status != "pending":
        return
    payment.status = "captured"
    payment.failure_message = None
    # The client secret was only for the storefront's confirmation: keep it no longer.
    payment.instructions = None
    order = session.get(Order, payment.order_id)
    if order is None or order.status != "pending_payment":
        return
    order.paid_at = clock.now()
    record_event(session, order, "paid", to_status="paid", actor=ACTOR)
    session.flush()
    emit_paid(session, order, payment)


async def _raw_body(request: Request) -> bytes:
    return await request.body()


router = APIRouter(prefix="/payments/stripe", tags=["store"])


@router.post("/webhook", response_model=WebhookAnswer, responses=problem_responses(400))
def stripe_webhook(
    session: DbSession,
    payload: Annotated[bytes, Depends(_raw_body)],
    stripe_signature: Annotated[str | None, Header()] = None,
) -> WebhookAnswer:
    """Stripe's events about PaymentIntents (``payment_intent.succeeded``,
    ``payment_intent.payment_failed``) and refunds (``charge.refunded``: a refund made in
    Stripe's dashboard is recorded on the order once; Comptoir's own are already there);
    other types are acknowledged and ignored. A bad signature answers 400 and changes
    nothing."""
    return WebhookAnswer(outcome=receive_stripe_event(session, payload, stripe_signature))
