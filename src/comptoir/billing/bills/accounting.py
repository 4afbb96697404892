"""Supplier bills in the books: posting an approved bill to the purchases journal (AC) and
recording what is paid on it (BQ), through the ledger's posting rules."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Final

from sqlalchemy.orm import Session

from comptoir.billing.bills.errors import SupplierBillOverpaid
from comptoir.billing.bills.models import SupplierBill, SupplierBillPayment
from comptoir.billing.bills.records import OPEN, get_bill, require_status
from comptoir.billing.ledger import posting
from comptoir.billing.ledger import service as ledger
from comptoir.kit import clock
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.money import Money
from comptoir.purchasing import service as purchasing

CHARGE_ACCOUNTS: Final = {
    "604000": "Achats d'études et prestations de services",
    "606100": "Fournitures non stockables (eau, énergie)",
    "606400": "Fournitures administratives",
    "613200": "Locations immobilières",
    "622600": "Honoraires",
    "622800": "Rémunérations d'intermédiaires et honoraires divers",
    "623000": "Publicité, publications, relations publiques",
    "624100": "Transports sur achats",
    "626000": "Frais postaux et de télécommunications",
}
"""PCG labels of the charge accounts a supplier bill's free lines use most; a bill posted on
one of them opens it in the chart when it is not there yet."""


def post_bill(session: Session, bill_id: uuid.UUID, *, actor: str | None) -> SupplierBill:
    """Post an approved bill to the purchases journal (AC) in the caller's transaction:
    D 607000 (or each line's account) and 445660, C 401000 with the supplier's auxiliary
    account; under reverse charge, 445662 / 445200 self-assessed; a credit note the mirror.
    Raises :class:`SupplierBillNotFound`, :class:`SupplierBillStateConflict`, and the
    ledger's problems (locked period, unknown account)."""
    bill = get_bill(session, bill_id, for_update=True)
    require_status(bill, ("approved",))
    with session.begin_nested():
        _post(session, bill, actor)
    return bill


def _post(session: Session, bill: SupplierBill, actor: str | None) -> None:
    supplier = purchasing.get_supplier(session, bill.supplier_id)
    _open_charge_accounts(session, bill)
    entry = posting.post_supplier_bill(
        session,
        posting.BillPosting(
            bill_id=bill.id,
            number=bill.supplier_invoice_number,
            supplier_id=supplier.id,
            supplier_name=supplier.name,
            bill_date=bill.bill_date,
            due_date=bill.due_date,
            currency=bill.currency,
            exchange_rate=bill.exchange_rate,
            lines=posting_lines(bill),
            reverse_charge=bill.vat_treatment == "intra_eu",
            is_credit=bill.is_credit,
        ),
    )
    bill.entry_id = entry.id
    bill.status = "posted"
    bill.posted_at = clock.now()
    bill.posted_by = actor
    session.flush()


def _open_charge_accounts(session: Session, bill: SupplierBill) -> None:
    """Seed the chart, and open the usual charge accounts the bill's lines name that the
    chart does not have yet (any other unknown account is refused by the ledger)."""
    ledger.ensure_chart(session)
    known = {account.number for account in ledger.accounts(session)}
    for number in sorted({line.account for line in bill.lines} - known):
        if number in CHARGE_ACCOUNTS:
            ledger.create_account(session, number=number, label=CHARGE_ACCOUNTS[number])


def posting_lines(bill: SupplierBill) -> list[tuple[str, int, Decimal, int]]:
    """(account, net, VAT rate, VAT) per account and rate; each rate's VAT (computed once on
    its total) is shared among its accounts in proportion to their net, to the minor unit."""
    nets: dict[tuple[str, Decimal], int] = {}
    for line in bill.lines:
        key = (line.account, Decimal(line.vat_rate).quantize(Decimal("0.0001")))
        nets[key] = nets.get(key, 0) + line.net_minor
    vat_by_rate = {
        Decimal(t.rate).quantize(Decimal("0.0001")): t.vat_minor for t in bill.tax_totals
    }
    result: list[tuple[str, int, Decimal, int]] = []
    for rate in sorted({rate for _account, rate in nets}):
        keys = sorted(key for key in nets if key[1] == rate)
        shares = _share(vat_by_rate.get(rate, 0), [nets[key] for key in keys])
        result.extend(
            (key[0], nets[key], rate, share) for key, share in zip(keys, shares, strict=True)
        )
    return result


def _share(total: int, weights: list[int]) -> list[int]:
    """``total`` split in proportion to ``weights`` (largest remainders get the leftovers)."""
    whole = sum(weights)
    if whole == 0:
        return [total] + [0] * (len(weights) - 1)
    exact = [Decimal(total) * weight / whole for weight in weights]
    floors = [int(value) for value in exact]
    leftover = total - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: exact[i] - floors[i], reverse=True)
    for i in order[:leftover]:
        floors[i] += 1
    return floors


def pay(
    session: Session,
    bill_id: uuid.UUID,
    *,
    amount_minor: int,
    paid_on: date,
    reference: str | None,
    source_type: str,
    source_id: uuid.UUID,
) -> None:
    """Record money paid to the supplier on a bill; see :func:`record_payment`."""
    record_payment(
        session,
        bill_id,
        amount_minor=amount_minor,
        paid_on=paid_on,
        reference=reference,
        source_type=source_type,
        source_id=source_id,
    )


def record_payment(
    session: Session,
    bill_id: uuid.UUID,
    *,
    amount_minor: int,
    paid_on: date,
    reference: str | None,
    source_type: str,
    source_id: uuid.UUID,
    actor: str | None = None,
) -> SupplierBillPayment:
    """Record a payment on an approved bill (posting it first if it is not yet) and post it
    to the bank journal (D 401000 C 512000); the bill becomes partially paid or paid. On a
    supplier credit note, it is money the supplier paid back (D 512000 C 401000).
    Idempotent on (bill, ``source_type``, ``source_id``): the same source returns the
    payment recorded first. Raises :class:`SupplierBillNotFound`,
    :class:`SupplierBillStateConflict` (a bill not approved),
    :class:`SupplierBillOverpaid` (field ``amount``) with nothing changed."""
    bill = get_bill(session, bill_id, for_update=True)
    for known in bill.payments:
        if known.source_type == source_type and known.source_id == source_id:
            return known
    require_status(bill, OPEN)
    left = bill.total_gross_minor - bill.amount_paid_minor
    if amount_minor <= 0 or amount_minor > left:
        raise SupplierBillOverpaid(
            _l("Only {left} is left to pay on this bill."),
            field="amount",
            left=f"{Money.from_minor(left, bill.currency).amount} {bill.currency}",
        )
    with session.begin_nested():
        if bill.status == "approved":
            _post(session, bill, actor)
        supplier = purchasing.get_supplier(session, bill.supplier_id)
        payment = SupplierBillPayment(
            amount_minor=amount_minor,
            paid_on=paid_on,
            reference=reference,
            source_type=source_type,
            source_id=source_id,
            recorded_by=actor,
        )
        bill.payments.append(payment)
        entry = posting.post_supplier_payment(
            session,
            posting.SupplierPaymentPosting(
                source_id=payment.id,
                supplier_id=supplier.id,
                supplier_name=supplier.name,
                # money a supplier pays back on a credit note goes the other way
                amount_minor=_in_euros(amount_minor, bill) * (-1 if bill.is_credit else 1),
                paid_on=paid_on,
                reference=reference or bill.supplier_invoice_number,
            ),
        )
        payment.entry_id = entry.id
        bill.amount_paid_minor += amount_minor
        if bill.amount_paid_minor >= bill.total_gross_minor:
            bill.status = "paid"
            bill.paid_at = clock.now()
        else:
            bill.status = "partially_paid"
        session.flush()
    return payment


def cancel_payment(
    session: Session,
    bill_id: uuid.UUID,
    *,
    source_type: str,
    source_id: uuid.UUID,
    actor: str | None = None,
) -> SupplierBillPayment | None:
    """Take back the payment recorded from this source (a bank line matched by mistake): its
    bank entry is reversed and the bill is owed again (``posted`` or ``partially_paid``).
    Returns the payment taken back, ``None`` when there was none."""
    bill = get_bill(session, bill_id, for_update=True)
    payment = next(
        (p for p in bill.payments if p.source_type == source_type and p.source_id == source_id),
        None,
    )
    if payment is None:
        return None
    if payment.entry_id is not None:
        ledger.cancel_entry(session, payment.entry_id, actor=actor)
    bill.amount_paid_minor -= payment.amount_minor
    bill.status = "partially_paid" if bill.amount_paid_minor > 0 else "posted"
    bill.paid_at = None
    bill.payments.remove(payment)
    session.flush()
    return payment


def _in_euros(amount_minor: int, bill: SupplierBill) -> int:
    if bill.currency == "EUR":
        return amount_minor
    amount = Money.from_minor(amount_minor, bill.currency).amount * bill.exchange_rate
    return Money(amount, "EUR").minor_units
