"""Confirming a draft (or an accepted quote): it becomes an order with its stock allocated,
a number, ``order.placed`` and a pending payment, all in the caller's transaction, or nothing
happens."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from comptoir.channels import service as channels
from comptoir.customers import service as customers
from comptoir.inventory import service as inventory
from comptoir.inventory.schemas import ReservationLine
from comptoir.kit import clock
from comptoir.kit.errors import InvalidInput
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.orders.drafts.errors import DraftStateConflict
from comptoir.orders.drafts.models import DraftOrder
from comptoir.orders.drafts.pricing import priced_draft, reprice
from comptoir.orders.drafts.service import check_vat, lock_draft
from comptoir.orders.models import Order
from comptoir.orders.payments import provider_for
from comptoir.orders.service.checkout import emit_placed, order_rows, pay_order
from comptoir.orders.service.orders import inventory_reference, next_number, record_event

CONFIRMABLE = ("draft", "accepted")


def _allocate(
    session: Session, draft: DraftOrder, order_id: uuid.UUID
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """Reserve each line for the order at the channel location with the most units
    available: (location id, reservation id) per line. The reservations are made all or
    nothing by ``reserve_lines`` (guarded updates, levels locked in a fixed order).

    Raises ``InsufficientStock`` (``lines.<n>.quantity``)."""
    available = inventory.available_by_location(
        session, variant_ids=[line.variant_id for line in draft.lines], channel_id=draft.channel_id
    )
    wanted = []
    for n, line in enumerate(draft.lines):
        best = sorted(available.get(line.variant_id, {}).items(), key=lambda i: (-i[1], i[0]))
        if not best or best[0][1] < line.quantity:
            raise inventory.InsufficientStock(
                _l("Only {available} available in one place."),
                field=f"lines.{n}.quantity",
                available=best[0][1] if best else 0,
            )
        wanted.append(
            ReservationLine(
                variant_id=line.variant_id, location_id=best[0][0], quantity=line.quantity
            )
        )
    reservations = inventory.reserve_lines(
        session, lines=wanted, expires_at=None, reference=inventory_reference(order_id)
    )
    return [(r.location_id, r.id) for r in reservations]


def _check_ready(draft: DraftOrder) -> None:
    if draft.status == "quote_sent":
        raise DraftStateConflict(_l("Record the customer's acceptance of the quote first."))
    if draft.status not in CONFIRMABLE:
        raise DraftStateConflict(_l("Only a draft or an accepted quote can be confirmed."))
    if not draft.lines:
        raise InvalidInput(_l("The draft has no line."), field="lines")
    if draft.shipping_address is None and draft.billing_address is None:
        raise InvalidInput(_l("The draft needs an address."), field="billing_address")


def confirm_draft(
    session: Session,
    draft_id: uuid.UUID,
    *,
    production: bool = True,
    actor: str | None = None,
) -> Order:
    """Place the order of a draft, or of an accepted quote at its quoted prices: a draft is
    priced afresh first. Its stock is allocated (reservations referencing the order), it is
    numbered in its channel's series, ``order.placed`` is emitted and a pending payment is
    recorded with the draft's method (bank transfer or manual), which staff confirm later
    like any pending payment. The draft becomes ``confirmed`` and points at the order.

    An accepted quote is confirmable after its expiry date: the customer accepted in time.

    Guarantees: everything happens in the caller's transaction, so on any error the caller
    rolls back and the draft stays as it was, with no order, allocation or event. Two
    confirmations of one draft run one after the other (locked row); the second finds it
    confirmed.

    Raises ``DraftNotFound``, :class:`DraftStateConflict` (a quote not yet accepted, or
    already confirmed, declined or expired), :class:`InvalidInput` (``lines`` empty,
    ``billing_address`` missing), ``InsufficientStock`` (``lines.<n>.quantity``), and what
    pricing raises.
    """
    draft = lock_draft(session, draft_id)
    _check_ready(draft)
    customer = customers.get_customer(session, draft.customer_id)
    if customer.status != "active":
        raise InvalidInput(_l("The customer is no longer active."), field="customer_id")
    if draft.status == "draft":
        if draft.vat_number and draft.vat_check_valid is None:
            check_vat(session, draft)  # not checked yet, or VIES could not answer: ask again
        reprice(session, draft)
    provider = provider_for(draft.payment_method, production=production)
    priced = priced_draft(draft)
    channel = channels.get_channel(session, draft.channel_id)
    now = clock.now()
    order = Order(
        channel_id=draft.channel_id,
        status="pending_payment",
        customer_id=customer.id,
        currency=draft.currency,
        prices_include_tax=draft.prices_include_tax,
        destination_country=draft.destination_country or priced.treatment.country,
        delivery_method=draft.delivery_method,
        vat_scheme=priced.treatment.scheme,
        vat_number=draft.vat_number if priced.treatment.scheme == "intra_eu_b2b" else None,
        coupon_codes=[],
        discount_minor=0,
        total_net_minor=draft.total_net_minor,
        total_tax_minor=draft.total_tax_minor,
        total_gross_minor=draft.total_gross_minor,
        placed_at=now,
    )
    # The personal fields below are encrypted under the customer's data key: set it first.
    order.subject_id = customer.id
    allocations = _allocate(session, draft, order.id)
    order.number = next_number(session, channel.code, now)
    order.email = customer.email
    order.phone = customer.phone
    order.billing_address = draft.billing_address or draft.shipping_address
    order.shipping_address = draft.shipping_address or draft.billing_address
    order_rows(order, priced, allocations)
    session.add(order)
    details: dict[str, object] = {"draft": draft.number}
    if draft.quote_number:
        details["quote"] = draft.quote_number
    if draft.payment_terms_days is not None:
        details["payment_terms_days"] = draft.payment_terms_days
    record_event(
        session, order, "placed", to_status="pending_payment", actor=actor, note=draft.note,
        details=details,
    )  # fmt: skip
    session.flush()
    emit_placed(session, order)
    pay_order(session, order, provider, card_number=None, actor=actor)
    draft.status = "confirmed"
    draft.confirmed_at = now
    draft.order_id = order.id
    session.flush()
    return order
