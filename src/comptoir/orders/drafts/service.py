"""Draft orders and quotes: staff prepare an order for a customer (on the phone, for a
business), send it as a quote whose prices hold until it expires, and confirm it into an
order. Every function works in the caller's transaction and never commits.

The life of a draft: ``draft`` → (``quote_sent`` → ``accepted`` | ``declined`` | ``expired``)
→ ``confirmed``. Only a draft's lines and details change; a sent quote keeps its prices.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.catalog import service as catalog
from comptoir.channels import service as channels
from comptoir.customers import service as customers
from comptoir.kit import clock
from comptoir.kit.db.dialect import lock_for_update
from comptoir.kit.errors import InvalidInput, NotFound
from comptoir.kit.events import emit
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.pagination import Page, paginate
from comptoir.orders.drafts import events
from comptoir.orders.drafts.errors import DraftNotFound, DraftStateConflict, QuoteExpired
from comptoir.orders.drafts.models import DraftLine, DraftOrder
from comptoir.orders.drafts.pricing import reprice
from comptoir.orders.drafts.schemas import DraftCreate, DraftFilters, DraftLineIn
from comptoir.orders.errors import InvalidVatNumber, VariantNotSold
from comptoir.orders.schemas import Address
from comptoir.orders.service.orders import next_number

# The series of draft and quote numbers (``DRAFT-2026-000001``, ``QUOTE-2026-000001``),
# given by the orders' gap-free counters.
DRAFT_SERIES: Final = "DRAFT"
QUOTE_SERIES: Final = "QUOTE"
EDITABLE: Final = ("draft",)
DELETABLE: Final = ("draft", "declined", "expired")


def address_text(address: Address | None) -> str | None:
    """An address as the encrypted column holds it (the same JSON as an order's)."""
    return None if address is None else json.dumps(address.model_dump(), sort_keys=True)


def address_of(text: str | None) -> Address | None:
    return None if text is None else Address.model_validate_json(text)


def get_draft(session: Session, draft_id: uuid.UUID) -> DraftOrder:
    """The draft order; raises :class:`DraftNotFound`."""
    draft = session.get(DraftOrder, draft_id, populate_existing=True)
    if draft is None:
        raise DraftNotFound()
    return draft


def lock_draft(session: Session, draft_id: uuid.UUID) -> DraftOrder:
    """The draft, its row locked to the end of the transaction (PostgreSQL), so that two
    confirmations of one draft run one after the other. Raises :class:`DraftNotFound`."""
    stmt = select(DraftOrder).where(DraftOrder.id == draft_id)
    draft = session.scalar(lock_for_update(session, stmt.execution_options(populate_existing=True)))
    if draft is None:
        raise DraftNotFound()
    return draft


def list_drafts(
    session: Session, filters: DraftFilters, *, limit: int = 50, cursor: str | None = None
) -> Page[DraftOrder]:
    """Drafts and quotes, newest first, by status and customer. Raises ``InvalidCursor``."""
    stmt = select(DraftOrder)
    if filters.status is not None:
        stmt = stmt.where(DraftOrder.status == filters.status)
    if filters.customer_id is not None:
        stmt = stmt.where(DraftOrder.customer_id == filters.customer_id)
    return paginate(
        session,
        stmt,
        order_by=[(DraftOrder.created_at, "desc")],
        id_column=DraftOrder.id,
        limit=limit,
        cursor=cursor,
    )


def _default_address(session: Session, customer_id: uuid.UUID, *, billing: bool) -> Address | None:
    """The customer's default billing (or shipping) address, in an order's shape."""
    addresses = customers.list_addresses(session, customer_id)
    chosen = next(
        (a for a in addresses if (a.is_default_billing if billing else a.is_default_shipping)),
        addresses[0] if addresses else None,
    )
    if chosen is None or not chosen.line1 or not chosen.city:
        return None
    customer = customers.get_customer(session, customer_id)
    return Address(
        name=(chosen.recipient or customers.display_name(customer))[:200],
        company=customer.company_name if customer.kind == "company" else None,
        line1=chosen.line1,
        line2=chosen.line2,
        postal_code=chosen.postcode or "",
        city=chosen.city,
        country=chosen.country,
    )


def _vat_number(number: str | None) -> str | None:
    if not number:
        return None
    normalised = customers.normalise_vat_number(number)
    if not customers.is_valid_vat_number(normalised):
        raise InvalidVatNumber(field="vat_number")
    return normalised


def check_vat(session: Session, draft: DraftOrder) -> None:
    """Ask VIES about the draft's VAT number and keep its answer on the draft (and on the
    customer, as checkout does); the customer's own proof serves when VIES already answered
    about that number; nothing when it has none or VIES is not configured. Raises
    ``InvalidVatNumber`` (``vat_number``) when VIES says it is not registered."""
    draft.vat_checked_at = draft.vat_check_valid = draft.vat_check_request_identifier = None
    if not draft.vat_number:
        return
    customer = customers.get_customer(session, draft.customer_id)
    if customer.vat_number == draft.vat_number and customer.vat_check_valid is not None:
        # VIES already answered about the customer's number: its proof serves the draft.
        draft.vat_checked_at = customer.vat_checked_at
        draft.vat_check_valid = customer.vat_check_valid
        draft.vat_check_request_identifier = customer.vat_check_request_identifier
        return
    check = customers.check_vat_number(draft.vat_number)
    if check is None:
        return
    if check.valid is False:
        raise InvalidVatNumber(
            _l("VIES says this VAT number is not registered."), field="vat_number"
        )
    draft.vat_checked_at = check.checked_at
    draft.vat_check_valid = check.valid
    draft.vat_check_request_identifier = check.request_identifier
    customers.record_vat_check(session, draft.customer_id, draft.vat_number, check)


def create_draft(session: Session, data: DraftCreate, *, actor: str | None = None) -> DraftOrder:
    """A new draft for an active customer on an active channel, numbered in the ``DRAFT``
    series, with its lines priced. Missing addresses and VAT number come from the customer.

    Raises :class:`InvalidInput` (``customer_id``, ``channel_id``), ``InvalidVatNumber``
    (``vat_number``: its format, or VIES says it is not registered), and what
    :func:`set_lines` raises; nothing is created then.
    """
    try:
        customer = customers.active_customer(session, data.customer_id)
    except (NotFound, customers.CustomerNotActive):
        raise InvalidInput(_l("No active customer has this id."), field="customer_id") from None
    try:
        channel = channels.get_channel(session, data.channel_id)
    except NotFound:
        raise InvalidInput(_l("No sales channel has this id."), field="channel_id") from None
    if not channel.is_active:
        raise InvalidInput(_l("This channel does not sell at the moment."), field="channel_id")
    billing = data.billing_address or _default_address(session, customer.id, billing=True)
    shipping = data.shipping_address or _default_address(session, customer.id, billing=False)
    draft = DraftOrder(
        number=next_number(session, DRAFT_SERIES, clock.now()),
        status="draft",
        channel_id=channel.id,
        customer_id=customer.id,
        currency=channel.currency,
        delivery_method=data.delivery_method,
        vat_number=_vat_number(data.vat_number or customer.vat_number),
        payment_method=data.payment_method,
        payment_terms_days=data.payment_terms_days,
        note=data.note,
        created_by=actor,
    )
    _set_addresses(draft, billing, shipping)
    check_vat(session, draft)
    session.add(draft)
    session.flush()
    set_lines(session, draft.id, data.lines)
    return draft


def _set_addresses(draft: DraftOrder, billing: Address | None, shipping: Address | None) -> None:
    # The addresses are encrypted under the customer's key: customer_id is set already.
    draft.billing_address = address_text(billing)
    draft.shipping_address = address_text(shipping)
    delivered_to = shipping or billing
    draft.destination_country = delivered_to.country if delivered_to else None


def _editable(draft: DraftOrder) -> None:
    if draft.status not in EDITABLE:
        raise DraftStateConflict(_l("Only a draft can change; this one is {status}."),
                                 status=draft.status)  # fmt: skip


def update_draft(session: Session, draft_id: uuid.UUID, changes: dict[str, Any]) -> DraftOrder:
    """Change the details given (addresses, delivery method, VAT number, payment method and
    terms, note) and price the draft afresh. Raises :class:`DraftNotFound`,
    :class:`DraftStateConflict` unless it is a draft, ``InvalidVatNumber``."""
    draft = get_draft(session, draft_id)
    _editable(draft)
    if "vat_number" in changes:
        number = _vat_number(changes["vat_number"])
        if number != draft.vat_number or draft.vat_check_valid is None:
            draft.vat_number = number
            check_vat(session, draft)
    for name in ("delivery_method", "payment_method"):
        if changes.get(name) is not None:
            setattr(draft, name, changes[name])
    for name in ("payment_terms_days", "note"):
        if name in changes:
            setattr(draft, name, changes[name])
    if "billing_address" in changes or "shipping_address" in changes:
        billing = changes.get("billing_address", address_of(draft.billing_address))
        shipping = changes.get("shipping_address", address_of(draft.shipping_address))
        _set_addresses(
            draft,
            Address.model_validate(billing) if isinstance(billing, dict) else billing,
            Address.model_validate(shipping) if isinstance(shipping, dict) else shipping,
        )
    reprice(session, draft)
    session.flush()
    return draft


def _check_lines(session: Session, draft: DraftOrder, lines: Sequence[DraftLineIn]) -> None:
    listed = catalog.listed_variant_ids(session, draft.channel_id)
    seen: set[uuid.UUID] = set()
    for n, line in enumerate(lines):
        if line.variant_id in seen:
            raise InvalidInput(
                _l("This variant is already on another line."), field=f"lines.{n}.variant_id"
            )
        seen.add(line.variant_id)
        if line.agreed_price_minor is not None and not line.price_reason:
            raise InvalidInput(
                _l("Say why the price differs from the catalogue's."),
                field=f"lines.{n}.price_reason",
            )
        try:
            variant = catalog.get_variant(session, line.variant_id)
        except NotFound:
            raise VariantNotSold(field=f"lines.{n}.variant_id") from None
        if not variant.is_active or variant.product.status != "active" or variant.id not in listed:
            raise VariantNotSold(field=f"lines.{n}.variant_id")


def set_lines(session: Session, draft_id: uuid.UUID, lines: Sequence[DraftLineIn]) -> DraftOrder:
    """Replace the draft's lines with ``lines`` (in that order) and price it afresh.

    Raises :class:`DraftNotFound`, :class:`DraftStateConflict` unless it is a draft,
    :class:`InvalidInput` (``lines.<n>.variant_id`` twice, ``lines.<n>.price_reason``
    missing for an agreed price), ``VariantNotSold`` (``lines.<n>.variant_id``: unknown,
    inactive, not on the channel or without a price), ``NoVatRate``.
    """
    draft = get_draft(session, draft_id)
    _editable(draft)
    _check_lines(session, draft, lines)
    by_variant = {line.variant_id: line for line in draft.lines}
    kept: list[DraftLine] = []
    for position, wish in enumerate(lines, start=1):
        row = by_variant.pop(wish.variant_id, None)
        if row is None:
            variant = catalog.get_variant(session, wish.variant_id)
            title = variant.product.title + (f" — {variant.title}" if variant.title else "")
            row = DraftLine(
                draft_id=draft.id, variant_id=variant.id, sku=variant.sku, title=title[:600],
                list_price_minor=0, unit_price_minor=0, unit_price_excl_minor=0,
                unit_price_incl_minor=0, vat_rate=0, vat_category="S", total_minor=0,
            )  # fmt: skip
        row.position = position
        row.quantity = wish.quantity
        row.agreed_price_minor = wish.agreed_price_minor
        row.price_reason = wish.price_reason if wish.agreed_price_minor is not None else None
        kept.append(row)
    draft.lines = kept
    session.flush()
    reprice(session, draft)
    session.flush()
    return draft


def lines_of(draft: DraftOrder) -> list[DraftLineIn]:
    """The draft's lines as :func:`set_lines` takes them (to add or remove one)."""
    return [
        DraftLineIn(
            variant_id=line.variant_id,
            quantity=line.quantity,
            agreed_price_minor=line.agreed_price_minor,
            price_reason=line.price_reason,
        )
        for line in draft.lines
    ]


def send_quote(
    session: Session, draft_id: uuid.UUID, *, valid_days: int = 30, actor: str | None = None
) -> DraftOrder:
    """Send the draft as a quote: priced afresh, numbered in the ``QUOTE`` series, its prices
    held until ``valid_days`` from now; emits ``quote.sent``.

    Raises :class:`DraftNotFound`, :class:`DraftStateConflict` unless it is a draft,
    :class:`InvalidInput` (``lines``: empty; ``valid_days``: outside 1..365), and what
    pricing raises.
    """
    if not 1 <= valid_days <= 365:
        raise InvalidInput(_l("A quote holds from 1 to 365 days."), field="valid_days")
    draft = lock_draft(session, draft_id)
    _editable(draft)
    if not draft.lines:
        raise InvalidInput(_l("The draft has no line."), field="lines")
    reprice(session, draft)
    now = clock.now()
    draft.quote_number = draft.quote_number or next_number(session, QUOTE_SERIES, now)
    draft.quote_sent_at = now
    draft.quote_expires_at = now + timedelta(days=valid_days)
    draft.status = "quote_sent"
    session.flush()
    emit(
        session,
        events.QUOTE_SENT,
        events.QuoteSent(
            draft_id=draft.id, quote_number=draft.quote_number, channel_id=draft.channel_id,
            customer_id=draft.customer_id, currency=draft.currency,
            total_gross_minor=draft.total_gross_minor, total_tax_minor=draft.total_tax_minor,
            expires_at=draft.quote_expires_at,
        ),
        key=draft.id,
    )  # fmt: skip
    return draft


def _is_expired(draft: DraftOrder, now: datetime) -> bool:
    return draft.quote_expires_at is not None and draft.quote_expires_at <= now


def accept_quote(session: Session, draft_id: uuid.UUID) -> DraftOrder:
    """The customer accepted the quote before it expired; emits ``quote.accepted``.

    Raises :class:`DraftNotFound`, :class:`DraftStateConflict` unless the quote was sent,
    :class:`QuoteExpired` past its expiry.
    """
    draft = lock_draft(session, draft_id)
    now = clock.now()
    if draft.status != "quote_sent":
        raise DraftStateConflict(_l("Only a sent quote can be accepted."))
    if _is_expired(draft, now):
        raise QuoteExpired()
    assert draft.quote_number is not None  # sent quotes are numbered
    draft.status = "accepted"
    draft.accepted_at = now
    session.flush()
    emit(
        session,
        events.QUOTE_ACCEPTED,
        events.QuoteAccepted(
            draft_id=draft.id, quote_number=draft.quote_number, customer_id=draft.customer_id,
            currency=draft.currency, total_gross_minor=draft.total_gross_minor, accepted_at=now,
        ),
        key=draft.id,
    )  # fmt: skip
    return draft


def decline_quote(
    session: Session, draft_id: uuid.UUID, *, reason: str | None = None
) -> DraftOrder:
    """The customer declined the quote (sent or accepted, not yet confirmed). Raises
    :class:`DraftNotFound`, :class:`DraftStateConflict`."""
    draft = lock_draft(session, draft_id)
    if draft.status not in ("quote_sent", "accepted"):
        raise DraftStateConflict(_l("Only a sent or accepted quote can be declined."))
    draft.status = "declined"
    draft.declined_at = clock.now()
    draft.decline_reason = reason
    session.flush()
    return draft


def expire_quotes(session: Session, *, now: datetime | None = None, limit: int = 500) -> int:
    """Mark the sent quotes past their expiry as ``expired`` (``limit`` at a time); returns
    how many. An accepted quote does not expire."""
    moment = now or clock.now()
    stmt = (
        select(DraftOrder)
        .where(DraftOrder.status == "quote_sent", DraftOrder.quote_expires_at <= moment)
        .order_by(DraftOrder.quote_expires_at, DraftOrder.id)
        .limit(limit)
    )
    expired = list(session.scalars(lock_for_update(session, stmt, skip_locked=True)))
    for draft in expired:
        draft.status = "expired"
    session.flush()
    return len(expired)


def delete_draft(session: Session, draft_id: uuid.UUID) -> None:
    """Delete a draft, or a declined or expired quote, with its lines. Raises
    :class:`DraftNotFound`, :class:`DraftStateConflict` for a sent, accepted or confirmed
    one."""
    draft = lock_draft(session, draft_id)
    if draft.status not in DELETABLE:
        raise DraftStateConflict(_l("A sent, accepted or confirmed quote cannot be deleted."))
    session.delete(draft)
    session.flush()
