"""Credit notes of an amount rather than of units: a commercial gesture, or money sent back
outside Comptoir (a refund made in the payment provider's dashboard, which names no units).

The amount is spread over the invoice's VAT rates in proportion to what remains to credit at
each, so that the VAT given back follows the VAT collected; each rate gets one line whose base
plus VAT gives its share, and the cent that VAT rounded once per rate cannot reach is the
credit note's rounding amount (BT-114). A credit note never takes an invoice below zero: the
invoice's credit notes together never exceed what it asked to be paid."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy.orm import Session

from comptoir.billing.invoices.errors import InvalidInvoice, InvoiceStateConflict, OverCredit
from comptoir.billing.invoices.models import Invoice, InvoiceLine
from comptoir.billing.invoices.service.common import (
    base_from_gross,
    compute_totals,
    get_invoice,
    payable,
)
from comptoir.billing.invoices.service.credit_notes import (
    CREDITABLE_STATUSES,
    credit_notes_of,
    draft_credit_note,
    find_credit_note,
    set_off,
)
from comptoir.billing.invoices.service.issuing import issue
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.money import Money

RateKey = tuple[str, Decimal]


def creditable_minor(session: Session, original: Invoice) -> int:
    """What the invoice's credit notes may still give back: its amount payable less the
    credit notes already issued on it."""
    notes = [n for n in credit_notes_of(session, original.id) if n.status != "cancelled"]
    return max(payable(original) - sum(payable(note) for note in notes), 0)


def _gross_left_by_rate(session: Session, original: Invoice) -> dict[RateKey, int]:
    def key(category: str, rate: Decimal) -> RateKey:
        return (category, Decimal(rate).quantize(Decimal("0.0001")))

    left = {key(t.category, t.rate): t.base_minor + t.tax_minor for t in original.tax_totals}
    for note in credit_notes_of(session, original.id):
        if note.status == "cancelled":
            continue
        for total in note.tax_totals:
            k = key(total.category, total.rate)
            left[k] = left.get(k, 0) - (total.base_minor + total.tax_minor)
    return {k: gross for k, gross in left.items() if gross > 0}


def _spread(amount_minor: int, weights: dict[RateKey, int]) -> dict[RateKey, int]:
    """``amount_minor`` shared in proportion to ``weights`` (largest remainders get the
    cents), never more than a weight."""
    whole = sum(weights.values())
    exact = {k: Decimal(amount_minor) * w / whole for k, w in weights.items()}
    parts = {k: min(int(v), weights[k]) for k, v in exact.items()}
    for k in sorted(exact, key=lambda k: exact[k] - int(exact[k]), reverse=True):
        if sum(parts.values()) >= amount_minor:
            break
        if parts[k] < weights[k]:
            parts[k] += 1
    return {k: v for k, v in parts.items() if v > 0}


def credit_amount(
    session: Session,
    original_id: uuid.UUID,
    *,
    amount_minor: int,
    reason: str,
    source_type: str,
    source_id: uuid.UUID,
    actor: str | None = None,
) -> Invoice:
    """Issue a credit note of ``amount_minor`` (VAT included) on an issued invoice, citing it
    and set off against what is still due on it.

    Idempotent on (invoice, ``source_type``, ``source_id``). Raises
    :class:`InvoiceNotFound`, :class:`InvoiceStateConflict` (not an issued invoice),
    :class:`InvalidInvoice` (an amount not above 0, no reason) and :class:`OverCredit`
    (field ``amount_minor``: more than the invoice's credit notes may still give back);
    nothing changes then."""
    existing = find_credit_note(session, original_id, source_type, source_id)
    if existing is not None:
        return existing
    original = get_invoice(session, original_id)
    if original.kind != "invoice" or original.status not in CREDITABLE_STATUSES:
        raise InvoiceStateConflict(_l("Only an issued invoice can be credited."))
    if amount_minor <= 0:
        raise InvalidInvoice(_l("The amount must be above 0."), field="amount_minor")
    reason = reason.strip()
    if not reason:
        raise InvalidInvoice(_l("Say why the amount is credited."), field="reason")
    most = creditable_minor(session, original)
    if amount_minor > most:
        raise OverCredit(
            _l("At most {amount} remains to credit on this invoice."),
            field="amount_minor",
            amount=f"{Money.from_minor(most, original.currency).amount} {original.currency}",
        )
    shares = _spread(amount_minor, _gross_left_by_rate(session, original))
    kinds = {(line.vat_category, Decimal(line.vat_rate)): line.kind for line in original.lines}
    note = draft_credit_note(
        original,
        reason=reason,
        source_type=source_type,
        source_id=source_id,
        lines=[
            _amount_line(n + 1, reason, category, rate, gross, kinds)
            for n, ((category, rate), gross) in enumerate(sorted(shares.items()))
        ],
    )
    compute_totals(note)
    # VAT rounded once per rate may miss the wanted total by a cent: BT-114 carries it.
    note.rounding_minor = amount_minor - note.total_gross_minor
    session.add(note)
    session.flush()
    issue(session, note.id, actor=actor)
    set_off(session, original, note)
    return note


def _amount_line(
    position: int,
    reason: str,
    category: str,
    rate: Decimal,
    gross_minor: int,
    kinds: dict[tuple[str, Decimal], str],
) -> InvoiceLine:
    base = base_from_gross(gross_minor, rate)
    return InvoiceLine(
        position=position,
        kind=kinds.get((category, rate), "goods"),
        title=reason[:600],
        quantity=Decimal(1),
        unit_price_excl_minor=base,
        discount_minor=0,
        net_minor=base,
        vat_category=category,
        vat_rate=rate,
    )
