"""Supplier bills: record a bill from a purchase order, edit it, match it against the order
and its receipts, approve it, post it to the purchases journal, pay it.

Every function works in the caller's transaction and never commits; a refused request raises
before anything is written, or inside a savepoint that is rolled back."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from comptoir.billing.bills import matching
from comptoir.billing.bills.accounting import (
    cancel_payment,
    pay,
    post_bill,
    posting_lines,
    record_payment,
)
from comptoir.billing.bills.errors import (
    ApprovalReasonRequired,
    DuplicateSupplierInvoice,
    NothingToBill,
    SupplierBillInvalid,
    SupplierBillNotFound,
    SupplierBillOverpaid,
    SupplierBillStateConflict,
)
from comptoir.billing.bills.matching import DEFAULT_TOLERANCE, MatchTolerance
from comptoir.billing.bills.models import DEFAULT_ACCOUNT, SupplierBill, SupplierBillLine
from comptoir.billing.bills.records import (
    EDITABLE,
    OPEN,
    billable_lines,
    get_bill,
    list_bills,
    open_bills,
    require_status,
)
from comptoir.billing.bills.schemas import BillCreate, BillLineIn, BillUpdate, StatedVat
from comptoir.kit import clock
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.money import Money
from comptoir.purchasing import service as purchasing

__all__ = [
    "BILLABLE_ORDER_STATUSES",
    "DEFAULT_TOLERANCE",
    "EDITABLE",
    "OPEN",
    "ApprovalReasonRequired",
    "DuplicateSupplierInvoice",
    "MatchTolerance",
    "NothingToBill",
    "SupplierBillInvalid",
    "SupplierBillNotFound",
    "SupplierBillOverpaid",
    "SupplierBillStateConflict",
    "approve_bill",
    "billable_lines",
    "cancel_payment",
    "create_bill",
    "get_bill",
    "list_bills",
    "match_bill",
    "open_bills",
    "pay",
    "post_bill",
    "posting_lines",
    "record_payment",
    "update_bill",
]

BILLABLE_ORDER_STATUSES: Final = ("sent", "partly_received", "received")


def create_bill(session: Session, data: BillCreate) -> SupplierBill:
    """A draft bill. Without ``lines``, it holds what was received and not yet billed on the
    purchase order, at the order's unit cost, plus ``extra_lines``. The due date defaults to
    the bill date plus the supplier's payment terms; the currency is the order's (or the
    supplier's).

    Raises ``PurchaseOrderNotFound``, ``SupplierNotFound``, :class:`SupplierBillStateConflict`
    for an order not sent yet or cancelled, :class:`DuplicateSupplierInvoice` (field
    ``supplier_invoice_number``), :class:`NothingToBill`, :class:`SupplierBillInvalid`
    naming the field; nothing is written then."""
    order = None
    if data.purchase_order_id is not None:
        order = purchasing.get_purchase_order(session, data.purchase_order_id)
        if order.status not in BILLABLE_ORDER_STATUSES:
            raise SupplierBillStateConflict(
                _l("A purchase order in the state {status} cannot be billed."),
                field="purchase_order_id",
                status=order.status,
            )
        if data.supplier_id is not None and data.supplier_id != order.supplier_id:
            raise SupplierBillInvalid(
                _l("The purchase order is from another supplier."), field="supplier_id"
            )
        supplier = purchasing.get_supplier(session, order.supplier_id)
    elif data.supplier_id is not None:
        supplier = purchasing.get_supplier(session, data.supplier_id)
    else:
        raise SupplierBillInvalid(
            _l("Give the purchase order billed, or the supplier of a bill without one."),
            field="purchase_order_id",
        )
    currency = order.currency if order is not None else supplier.currency
    _refuse_duplicate(session, supplier.id, data.supplier_invoice_number)
    lines = _initial_lines(session, data, order)
    bill = SupplierBill(
        supplier_id=supplier.id,
        supplier_invoice_number=data.supplier_invoice_number.strip(),
        purchase_order_id=order.id if order is not None else None,
        is_credit=data.is_credit,
        status="draft",
        bill_date=data.bill_date,
        due_date=data.due_date or data.bill_date + timedelta(days=supplier.payment_terms_days),
        currency=currency,
        exchange_rate=_exchange_rate(currency, data.exchange_rate),
        vat_treatment=data.vat_treatment,
        stated_total_minor=_minor(data.stated_total, currency),
        note=data.note,
        discrepancies=[],
    )
    _set_lines(bill, lines, order, currency)
    matching.apply_totals(bill, _stated_vat(data.stated_vat, currency))
    _check_dates(bill)
    _flush_new(session, bill)
    return bill


def _initial_lines(session: Session, data: BillCreate, order: Any) -> list[BillLineIn]:
    if data.lines is not None:
        lines = [*data.lines, *data.extra_lines]
        if not lines:
            raise SupplierBillInvalid(_l("A bill needs at least one line."), field="lines")
        return lines
    if order is None or data.is_credit:
        raise SupplierBillInvalid(
            _l("List the lines of a credit note or of a bill without a purchase order."),
            field="lines",
        )
    prefilled = [
        BillLineIn(
            order_line_id=line.id,
            quantity=quantity,
            unit_cost=Money.from_minor(line.unit_cost_minor, order.currency).amount,
            vat_rate=data.default_vat_rate,
        )
        for line, quantity in billable_lines(session, order.id)
    ]
    if not prefilled:
        raise NothingToBill(field="purchase_order_id")
    return [*prefilled, *data.extra_lines]


def _set_lines(bill: SupplierBill, lines: Sequence[BillLineIn], order: Any, currency: str) -> None:
    """Replace the bill's lines (all checked before any is replaced)."""
    built = _build_lines(lines, order, currency)
    bill.lines.clear()
    bill.lines.extend(built)


def _build_lines(lines: Sequence[BillLineIn], order: Any, currency: str) -> list[SupplierBillLine]:
    """The bill lines for ``lines``, refusing lines of another order, an order line given
    twice and free lines without a description."""
    order_lines = {line.id: line for line in order.lines} if order is not None else {}
    seen: set[uuid.UUID] = set()
    built: list[SupplierBillLine] = []
    for index, given in enumerate(lines):
        order_line = None
        if given.order_line_id is not None:
            order_line = order_lines.get(given.order_line_id)
            if order_line is None:
                raise SupplierBillInvalid(
                    _l("This line is not on the purchase order billed."),
                    field=f"lines.{index}.order_line_id",
                )
            if order_line.id in seen:
                raise SupplierBillInvalid(
                    _l("This purchase order line is already on the bill."),
                    field=f"lines.{index}.order_line_id",
                )
            seen.add(order_line.id)
        elif not given.description.strip():
            raise SupplierBillInvalid(
                _l("Describe a line that is not on the purchase order (transport, fees...)."),
                field=f"lines.{index}.description",
            )
        built.append(
            SupplierBillLine(
                position=index,
                order_line_id=order_line.id if order_line is not None else None,
                variant_id=order_line.variant_id if order_line is not None else None,
                description=given.description.strip(),
                quantity=given.quantity,
                unit_cost_minor=Money(given.unit_cost, currency).minor_units,
                net_minor=given.quantity * Money(given.unit_cost, currency).minor_units,
                vat_rate=given.vat_rate,
                account=given.account or DEFAULT_ACCOUNT,
            )
        )
    return built


def _exchange_rate(currency: str, given: Decimal | None) -> Decimal:
    if currency == "EUR":
        return Decimal(1)
    if given is None:
        raise SupplierBillInvalid(
            _l("Give the exchange rate of {currency} to the euro on the bill date."),
            field="exchange_rate",
            currency=currency,
        )
    return given


def _minor(amount: Decimal | None, currency: str) -> int | None:
    return None if amount is None else Money(amount, currency).minor_units


def _stated_vat(stated: Sequence[StatedVat], currency: str) -> dict[Decimal, int]:
    return {item.rate: Money(item.vat, currency).minor_units for item in stated}


def _check_dates(bill: SupplierBill) -> None:
    if bill.due_date < bill.bill_date:
        raise SupplierBillInvalid(
            _l("The due date cannot be before the bill date."), field="due_date"
        )


def _refuse_duplicate(
    session: Session, supplier_id: uuid.UUID, number: str, *, but: uuid.UUID | None = None
) -> None:
    stmt = select(SupplierBill.id).where(
        SupplierBill.supplier_id == supplier_id,
        SupplierBill.supplier_invoice_number == number.strip(),
    )
    if but is not None:
        stmt = stmt.where(SupplierBill.id != but)
    if session.scalars(stmt).first() is not None:
        raise DuplicateSupplierInvoice(field="supplier_invoice_number")


def _flush_new(session: Session, bill: SupplierBill) -> None:
    """Insert the bill; a concurrent insert of the same supplier invoice number loses on the
    unique constraint and is told so."""
    try:
        with session.begin_nested():
            session.add(bill)
            session.flush()
    except IntegrityError:
        raise DuplicateSupplierInvoice(field="supplier_invoice_number") from None


def update_bill(session: Session, bill_id: uuid.UUID, data: BillUpdate) -> SupplierBill:
    """Change a bill not yet approved; it goes back to draft (match it again). Raises
    :class:`SupplierBillNotFound`, :class:`SupplierBillStateConflict`,
    :class:`DuplicateSupplierInvoice`, :class:`SupplierBillInvalid`; nothing is changed
    then."""
    bill = get_bill(session, bill_id, for_update=True)
    require_status(bill, EDITABLE)
    if data.supplier_invoice_number is not None:
        _refuse_duplicate(session, bill.supplier_id, data.supplier_invoice_number, but=bill.id)
    order = (
        purchasing.get_purchase_order(session, bill.purchase_order_id)
        if bill.purchase_order_id is not None
        else None
    )
    _apply_update(bill, data, order)
    session.flush()
    return bill


def _apply_update(bill: SupplierBill, data: BillUpdate, order: Any) -> None:
    """Check every change first, then apply them all."""
    lines = None if data.lines is None else _build_lines(data.lines, order, bill.currency)
    rate = None if data.exchange_rate is None else _exchange_rate(bill.currency, data.exchange_rate)
    bill_date = data.bill_date or bill.bill_date
    due_date = data.due_date or bill.due_date
    if due_date < bill_date:
        raise SupplierBillInvalid(
            _l("The due date cannot be before the bill date."), field="due_date"
        )
    if lines is not None:
        bill.lines.clear()
        bill.lines.extend(lines)
    if rate is not None:
        bill.exchange_rate = rate
    bill.bill_date, bill.due_date = bill_date, due_date
    if data.vat_treatment is not None:
        bill.vat_treatment = data.vat_treatment
    if data.note is not None:
        bill.note = data.note
    if data.supplier_invoice_number is not None:
        bill.supplier_invoice_number = data.supplier_invoice_number.strip()
    if "stated_total" in data.model_fields_set:
        bill.stated_total_minor = _minor(data.stated_total, bill.currency)
    stated = None if data.stated_vat is None else _stated_vat(data.stated_vat, bill.currency)
    matching.apply_totals(bill, stated)
    _back_to_draft(bill)


def _back_to_draft(bill: SupplierBill) -> None:
    bill.status = "draft"
    bill.discrepancies = []
    bill.matched_at = None
    for line in bill.lines:
        line.match_result = None


def match_bill(
    session: Session, bill_id: uuid.UUID, *, tolerance: MatchTolerance = DEFAULT_TOLERANCE
) -> SupplierBill:
    """Three-way match a bill not yet approved: it becomes ``matched`` when every line
    passes, otherwise ``on_hold`` with each discrepancy named in ``discrepancies``. Raises
    :class:`SupplierBillNotFound`, :class:`SupplierBillStateConflict`."""
    bill = get_bill(session, bill_id, for_update=True)
    require_status(bill, EDITABLE)
    _match(session, bill, tolerance)
    session.flush()
    return bill


def _match(session: Session, bill: SupplierBill, tolerance: MatchTolerance) -> None:
    matching.apply_totals(bill)
    found = matching.three_way_match(session, bill, tolerance)
    bill.discrepancies = found
    bill.status = "on_hold" if found else "matched"
    bill.matched_at = clock.now()


def approve_bill(
    session: Session,
    bill_id: uuid.UUID,
    *,
    actor: str | None,
    reason: str | None = None,
    tolerance: MatchTolerance = DEFAULT_TOLERANCE,
) -> SupplierBill:
    """Approve a bill for posting and payment. A draft is matched first; a bill on hold is
    approved only with a written ``reason``, recorded with who approved it. Raises
    :class:`SupplierBillNotFound`, :class:`SupplierBillStateConflict`,
    :class:`ApprovalReasonRequired` (field ``reason``) with nothing changed."""
    bill = get_bill(session, bill_id, for_update=True)
    require_status(bill, EDITABLE)
    written = (reason or "").strip()
    with session.begin_nested():
        _match(session, bill, tolerance)
        if bill.status == "on_hold" and not written:
            raise ApprovalReasonRequired(
                _l("This bill is on hold ({count} discrepancies): write why it is right."),
                field="reason",
                count=len(bill.discrepancies),
            )
        bill.status = "approved"
        bill.approved_at = clock.now()
        bill.approved_by = actor
        bill.approval_reason = written or None
        session.flush()
    return bill
