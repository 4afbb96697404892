"""Money back when units of an order are cancelled, and refunds made outside Comptoir.

Every refund of an order, whatever caused it (a return, a cancellation, a refund made in the
provider's own dashboard), is one ``refunded`` entry of the order's timeline carrying its
amount, status and provider reference, and one ``refund.issued`` event. The timeline is
where the amount already refunded is read from, so an order is never refunded more than was
captured and a refund reported twice is recorded once. Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.kit import clock
from comptoir.kit.events import emit
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.money import Money
from comptoir.orders.errors import RefundNotRecordedYet, RefundRefused
from comptoir.orders.models import Order, OrderEvent, OrderLine, Payment
from comptoir.orders.payments import RefundRequest, VoidRequest, refund_provider
from comptoir.orders.payments.port import PaymentProvider
from comptoir.orders.returns import events as refund_events

RefundCause = Literal["return", "cancellation", "provider"]
OWN_REFUND_GRACE: Final = timedelta(minutes=10)
# Payments another system took and gives back itself (a marketplace refunds its buyer).
COLLECTED_ELSEWHERE: Final = ("marketplace",)


def gross_share(line: OrderLine, quantity: int, *, prices_include_tax: bool) -> int:
    """What ``quantity`` units of the line cost the customer, VAT included (minor units,
    half-up): the line's total after discounts pro rata, plus its VAT when the order's
    prices were without tax."""
    if prices_include_tax:
        return (line.total_minor * quantity * 2 + line.quantity) // (line.quantity * 2)
    # Net share times (1 + rate %), rounded half-up once, in integers (the rate has four
    # decimals, so 120.0000 % is 1_200_000 / 1_000_000).
    factor = int((line.vat_rate + 100) * 10_000)
    scale = line.quantity * 1_000_000
    return (2 * line.total_minor * quantity * factor + scale) // (2 * scale)


def refunded_minor(session: Session, order_id: object) -> int:
    """Everything already refunded on the order (minor units), by any cause."""
    return sum(_amount(details) for details in _refund_entries(session, order_id))


def refund_references(session: Session, order_id: object) -> set[str]:
    """The provider references of the order's refunds already recorded."""
    return {str(details.get("reference")) for details in _refund_entries(session, order_id)}


def _refund_entries(session: Session, order_id: object) -> list[Mapping[str, object]]:
    rows = session.scalars(
        select(OrderEvent.details).where(
            OrderEvent.order_id == order_id, OrderEvent.kind == "refunded"
        )
    )
    return [details for details in rows if isinstance(details, Mapping)]


def _amount(details: Mapping[str, object]) -> int:
    value = details.get("amount_minor")
    return value if isinstance(value, int) else 0


def _provider(payment: Payment, *, production: bool) -> PaymentProvider:
    provider = refund_provider(payment.provider, production=production)
    if provider is None:
        raise RefundRefused(_l("The order's payment provider is not available."))
    return provider


def settle_cancelled_units(
    session: Session,
    order: Order,
    units: Mapping[OrderLine, int],
    *,
    whole: bool,
    production: bool,
    reason: str,
) -> dict[str, object] | None:
    """Settle the money of cancelled units, last of the cancellation's writes (the caller
    holds them in a savepoint): a captured payment is refunded (the units' gross price;
    with ``whole``, all that is left of the payment, so the delivery fee too), a pending
    one is called off or lowered. A marketplace's payment is left alone: the marketplace
    refunds its buyer itself. Returns what was refunded (``amount_minor``, ``status``,
    ``reference``, ``provider``) or ``None``.

    Raises :class:`RefundRefused` (the provider said no, or is not available),
    ``PaymentProviderUnavailable``: the caller rolls the cancellation back."""
    payments = list(
        session.scalars(select(Payment).where(Payment.order_id == order.id).order_by(Payment.id))
    )
    payments = [p for p in payments if p.provider not in COLLECTED_ELSEWHERE]
    captured = next((p for p in payments if p.status == "captured"), None)
    pending = next((p for p in payments if p.status == "pending"), None)
    cancelled = sum(
        gross_share(line, quantity, prices_include_tax=order.prices_include_tax)
        for line, quantity in units.items()
    )
    if captured is not None:
        left = captured.amount_minor - refunded_minor(session, order.id)
        amount = left if whole else min(cancelled, left)
        if amount <= 0:
            return None
        outcome = _provider(captured, production=production).refund(
            RefundRequest(
                order_id=order.id, order_number=order.number,
                payment_reference=captured.reference,
                amount=Money.from_minor(amount, order.currency), reason=reason,
            )
        )  # fmt: skip
        if amount >= left:
            captured.status = "refunded"
        return {
            "amount_minor": amount,
            "status": outcome.status,
            "reference": outcome.reference,
            "provider": captured.provider,
        }
    if pending is not None:
        amount_left = 0 if whole else max(pending.amount_minor - cancelled, 0)
        _provider(pending, production=production).void(
            VoidRequest(
                order_id=order.id, order_number=order.number,
                payment_reference=pending.reference,
                amount_left=Money.from_minor(amount_left, order.currency),
            )
        )  # fmt: skip
        if amount_left:
            pending.amount_minor = amount_left
        else:
            pending.status = "cancelled"
            pending.instructions = None
    return None


def emit_refund_issued(
    session: Session,
    order: Order,
    refund: Mapping[str, object],
    *,
    cause: RefundCause,
    number: str,
) -> None:
    """``refund.issued`` for a refund already on the order's timeline."""
    emit(
        session,
        refund_events.REFUND_ISSUED,
        refund_events.RefundIssued(
            return_id=None, number=number, order_id=order.id, cause=cause,
            provider=str(refund["provider"]), status=str(refund["status"]),
            amount_minor=_amount(refund), currency=order.currency,
            reference=str(refund["reference"]),
        ),
        key=order.id,
    )  # fmt: skip


def _unclaimed(created: object) -> bool:
    """Whether a refund Comptoir asked for at ``created`` (Unix seconds) is old enough that
    its order would show it if the request that made it had committed: the transaction was
    lost after the provider refunded, so the refund is recorded from the provider's report."""
    if not isinstance(created, int | float):
        return True
    return clock.now() - datetime.fromtimestamp(created, UTC) > OWN_REFUND_GRACE


def record_charge_refunds(
    session: Session, payment: Payment, charge: Mapping[str, Any], *, actor: str
) -> int:
    """Record the refunds of a provider's charge (Stripe's Charge object: ``refunds.data``,
    each with ``id``, ``amount``, ``status``, ``metadata``; ``amount_refunded``) that the
    order does not know yet: those made in the provider's dashboard. A refund already on the
    timeline is skipped, so it is never recorded twice. One Comptoir asked for (its
    ``metadata[comptoir_reason]``) that the timeline does not show raises
    :class:`RefundNotRecordedYet` (the provider sends the event again) for
    :data:`OWN_REFUND_GRACE` after it was made, then is recorded like a dashboard refund: the
    request that made it did not commit, and the money is gone all the same. Each new one is a
    ``refunded`` timeline entry and a ``refund.issued`` event; the payment is ``refunded`` once
    nothing is left. Returns how many were recorded."""
    # orders.py settles cancellations through this module: import its timeline late.
    from comptoir.orders.service.orders import record_event

    order = session.get(Order, payment.order_id)
    if order is None:
        return 0
    known = refund_references(session, order.id)
    listed = (charge.get("refunds") or {}).get("data")
    found: list[tuple[str, int, str]] = []
    if isinstance(listed, list):
        for item in listed:
            metadata = item.get("metadata") or {}
            if item.get("status") in ("failed", "canceled") or str(item["id"]) in known:
                continue
            if "comptoir_reason" in metadata and not _unclaimed(item.get("created")):
                # Comptoir's own refund, whose transaction has not committed yet.
                raise RefundNotRecordedYet()
            found.append((str(item["id"]), int(item["amount"]), str(item.get("status"))))
    else:
        # Without the list (newer API versions leave it out), the part of amount_refunded
        # the order does not know yet is one refund, named after the charge and total.
        extra = int(charge.get("amount_refunded") or 0) - refunded_minor(session, order.id)
        if extra > 0:
            found.append(
                (f"{charge.get('id')}-{charge.get('amount_refunded')}", extra, "succeeded")
            )
    recorded = 0
    for reference, amount, status in found:
        if reference in known or amount <= 0:
            continue
        refund: dict[str, object] = {
            "amount_minor": amount,
            "status": "refunded" if status == "succeeded" else "pending",
            "reference": reference,
            "provider": payment.provider,
        }
        record_event(
            session, order, "refunded", actor=actor, details={**refund, "cause": "provider"}
        )
        emit_refund_issued(session, order, refund, cause="provider", number=order.number)
        known.add(reference)
        recorded += 1
    session.flush()
    if recorded and refunded_minor(session, order.id) >= payment.amount_minor:
        payment.status = "refunded"
        session.flush()
    return recorded
