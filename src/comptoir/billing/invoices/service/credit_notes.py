"""Credit notes: the only way to correct an issued invoice. A credit note cites the invoice
it corrects, credits whole lines or some of their units, never more than what remains
uncredited, and is issued at once. Against an invoice still unpaid it is set off at once."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.billing.invoices.errors import InvalidInvoice, InvoiceStateConflict, OverCredit
from comptoir.billing.invoices.models import Invoice, InvoiceLine
from comptoir.billing.invoices.service.common import (
    CREDIT_NOTE_SERIES,
    ZERO,
    amount_due,
    ceil_div,
    compute_totals,
    get_invoice,
    payable,
    share,
    today,
)
from comptoir.billing.invoices.service.issuing import issue
from comptoir.billing.invoices.service.settlements import settle
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.ids import uuid7

CREDITABLE_STATUSES = ("issued", "partially_paid", "paid")


def credited(session: Session, original_id: uuid.UUID) -> dict[uuid.UUID, tuple[Decimal, int]]:
    """(units, net) already credited on each line of the invoice ``original_id``."""
    rows = session.execute(
        select(
            InvoiceLine.original_line_id,
            func.sum(InvoiceLine.quantity),
            func.sum(InvoiceLine.net_minor),
        )
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .where(
            Invoice.original_invoice_id == original_id,
            Invoice.kind == "credit_note",
            Invoice.status != "cancelled",
        )
        .group_by(InvoiceLine.original_line_id)
    )
    return {
        line_id: (Decimal(units), int(net)) for line_id, units, net in rows if line_id is not None
    }


def remaining(session: Session, original: Invoice) -> dict[uuid.UUID, tuple[Decimal, int]]:
    """(units, net) of each line of ``original`` not credited yet."""
    done = credited(session, original.id)
    left = {}
    for line in original.lines:
        units, net = done.get(line.id, (ZERO, 0))
        left[line.id] = (Decimal(line.quantity) - units, line.net_minor - net)
    return left


def _wanted(
    original: Invoice,
    left: Mapping[uuid.UUID, tuple[Decimal, int]],
    lines: Mapping[uuid.UUID, Decimal] | None,
) -> dict[uuid.UUID, Decimal]:
    if lines is None:
        wanted = {line_id: units for line_id, (units, _) in left.items() if units > ZERO}
        if not wanted:
            raise OverCredit(_l("Everything on this invoice is already credited."), field="lines")
        return wanted
    wanted = {}
    for n, (line_id, quantity) in enumerate(lines.items()):
        if line_id not in left:
            raise InvalidInvoice(_l("This line is not on the invoice."), field=f"lines.{n}.line_id")
        if quantity <= ZERO:
            raise InvalidInvoice(_l("The quantity must be above 0."), field=f"lines.{n}.quantity")
        if quantity > left[line_id][0]:
            raise OverCredit(
                _l("At most {units} units of this line remain to credit."),
                field=f"lines.{n}.quantity",
                units=str(left[line_id][0].normalize()),
            )
        wanted[line_id] = Decimal(quantity)
    if not wanted:
        raise InvalidInvoice(_l("Choose at least one line to credit."), field="lines")
    return wanted


def _credit_line(
    position: int, line: InvoiceLine, quantity: Decimal, left: tuple[Decimal, int]
) -> InvoiceLine:
    units_left, net_left = left
    # The last units take what is left of the net, so that crediting a line in several
    # goes never credits a cent more, or less, than the line.
    net = (
        net_left
        if quantity == units_left
        else min(share(line.net_minor, quantity, Decimal(line.quantity)), net_left)
    )
    unit = line.unit_price_excl_minor
    if unit * quantity < net:
        unit = ceil_div(net, quantity)
    return InvoiceLine(
        position=position,
        kind=line.kind,
        sku=line.sku,
        title=line.title,
        quantity=quantity,
        unit_code=line.unit_code,
        unit_price_excl_minor=unit,
        discount_minor=int((unit * quantity).quantize(Decimal(1))) - net,
        net_minor=net,
        vat_category=line.vat_category,
        vat_rate=line.vat_rate,
        order_line_id=line.order_line_id,
        variant_id=line.variant_id,
        original_line_id=line.id,
    )


def find_credit_note(
    session: Session, original_id: uuid.UUID, source_type: str, source_id: uuid.UUID
) -> Invoice | None:
    return session.scalar(
        select(Invoice).where(
            Invoice.original_invoice_id == original_id,
            Invoice.kind == "credit_note",
            Invoice.source_type == source_type,
            Invoice.source_id == source_id,
        )
    )


def credit_notes_of(session: Session, original_id: uuid.UUID) -> list[Invoice]:
    return list(
        session.scalars(
            select(Invoice)
            .where(Invoice.original_invoice_id == original_id, Invoice.kind == "credit_note")
            .order_by(Invoice.created_at, Invoice.id)
        )
    )


def draft_credit_note(
    original: Invoice,
    *,
    reason: str,
    source_type: str,
    source_id: uuid.UUID,
    lines: list[InvoiceLine],
) -> Invoice:
    """A credit note of ``original`` with ``lines``, not yet totalled nor issued: it cites the
    invoice and keeps its buyer, VAT scheme, currency and exchange rate."""
    note_id = uuid7()
    return Invoice(
        id=note_id,
        kind="credit_note",
        status="draft",
        series=CREDIT_NOTE_SERIES,
        subject_id=note_id,
        language=original.language,
        currency=original.currency,
        exchange_rate=original.exchange_rate,
        exchange_rate_date=original.exchange_rate_date,
        order_id=original.order_id,
        channel_id=original.channel_id,
        customer_id=original.customer_id,
        original_invoice_id=original.id,
        source_type=source_type,
        source_id=source_id,
        vat_scheme=original.vat_scheme,
        exemption_reason=original.exemption_reason,
        buyer_name=original.buyer_name,
        buyer_address=original.buyer_address,
        buyer_email=original.buyer_email,
        delivery_address=original.delivery_address,
        buyer_country=original.buyer_country,
        buyer_is_business=original.buyer_is_business,
        buyer_siren=original.buyer_siren,
        buyer_vat_number=original.buyer_vat_number,
        buyer_reference=original.buyer_reference,
        note=reason,
        lines=lines,
    )


def credit_note(
    session: Session,
    original_id: uuid.UUID,
    *,
    lines: Mapping[uuid.UUID, Decimal] | None,
    reason: str,
    source_type: str,
    source_id: uuid.UUID,
    actor: str | None = None,
) -> Invoice:
    """Issue a credit note of ``original_id``: ``lines`` maps the invoice's line ids to the
    units credited (None: all that remains uncredited). It cites the invoice, keeps its
    buyer, scheme and exchange rate, and is set off against what is still due on it.

    Idempotent on (invoice, ``source_type``, ``source_id``). Raises
    :class:`InvoiceNotFound`, :class:`InvoiceStateConflict` (not an issued invoice),
    :class:`InvalidInvoice` (a line not on it), :class:`OverCredit` (more units than
    remain uncredited); nothing changes then."""
    existing = find_credit_note(session, original_id, source_type, source_id)
    if existing is not None:
        return existing
    original = get_invoice(session, original_id)
    if original.kind != "invoice" or original.status not in CREDITABLE_STATUSES:
        raise InvoiceStateConflict(_l("Only an issued invoice can be credited."))
    left = remaining(session, original)
    wanted = _wanted(original, left, lines)
    by_id = {line.id: line for line in original.lines}
    note = draft_credit_note(
        original,
        reason=reason,
        source_type=source_type,
        source_id=source_id,
        lines=[
            _credit_line(n + 1, by_id[line_id], quantity, left[line_id])
            for n, (line_id, quantity) in enumerate(
                sorted(wanted.items(), key=lambda item: by_id[item[0]].position)
            )
        ],
    )
    compute_totals(note)
    note.rounding_minor = _rounding_share(session, original, note, left, wanted)
    session.add(note)
    session.flush()
    issue(session, note.id, actor=actor)
    set_off(session, original, note)
    return note


def _rounding_share(
    session: Session,
    original: Invoice,
    note: Invoice,
    left: Mapping[uuid.UUID, tuple[Decimal, int]],
    wanted: Mapping[uuid.UUID, Decimal],
) -> int:
    """The credit note's share of the invoice's rounding amount (BT-114): in proportion to
    its net + VAT, never beyond what earlier credit notes left; the credit note that credits
    the last units takes all that is left, so that the invoice's credit notes add up to its
    amount payable exactly."""
    if original.rounding_minor == 0:
        return 0
    done = sum(
        note.rounding_minor
        for note in credit_notes_of(session, original.id)
        if note.status != "cancelled"
    )
    rest = original.rounding_minor - done
    if all(units - wanted.get(line_id, ZERO) <= ZERO for line_id, (units, _) in left.items()):
        return rest
    part = share(original.rounding_minor, Decimal(note.total_gross_minor),
                 Decimal(original.total_gross_minor))  # fmt: skip
    return max(min(part, rest), 0) if rest >= 0 else min(max(part, rest), 0)


def set_off(session: Session, original: Invoice, note: Invoice) -> None:
    """What the customer still owes on the invoice is lowered by the credit note (no money
    moves: the ledger letters the two)."""
    amount = min(amount_due(original), payable(note))
    if amount <= 0:
        return
    day = today()
    settle(
        session, original.id, amount_minor=amount, settled_on=day, method="credit_note",
        reference=note.number, source_type="credit_note", source_id=note.id,
    )  # fmt: skip
    settle(
        session, note.id, amount_minor=amount, settled_on=day, method="credit_note",
        reference=original.number, source_type="invoice", source_id=original.id,
    )  # fmt: skip
