"""A supplier bill as the API and the back office show it."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from comptoir.billing.bills import matching, schemas
from comptoir.billing.bills.models import SupplierBill, SupplierBillLine
from comptoir.catalog import service as catalog
from comptoir.kit.errors import NotFound
from comptoir.kit.i18n import Locale
from comptoir.kit.money import Money, MoneyOut
from comptoir.purchasing import service as purchasing


def bill_view(session: Session, bill: SupplierBill, locale: Locale = "en") -> schemas.SupplierBill:
    """The API shape of ``bill``, discrepancies told in ``locale``."""
    currency = bill.currency

    def money(minor: int) -> MoneyOut:
        return MoneyOut.from_money(Money.from_minor(minor, currency))

    supplier = purchasing.get_supplier(session, bill.supplier_id)
    order_number = None
    if bill.purchase_order_id is not None:
        order_number = purchasing.get_purchase_order(session, bill.purchase_order_id).number
    skus = _skus(session, [line.variant_id for line in bill.lines if line.variant_id])
    return schemas.SupplierBill(
        id=bill.id,
        supplier_id=bill.supplier_id,
        supplier_name=supplier.name,
        supplier_invoice_number=bill.supplier_invoice_number,
        purchase_order_id=bill.purchase_order_id,
        purchase_order_number=order_number,
        is_credit=bill.is_credit,
        status=bill.status,
        bill_date=bill.bill_date,
        due_date=bill.due_date,
        currency=currency,
        exchange_rate=bill.exchange_rate,
        vat_treatment=bill.vat_treatment,
        total_net=money(bill.total_net_minor),
        total_vat=money(bill.total_vat_minor),
        total_gross=money(bill.total_gross_minor),
        stated_total=None if bill.stated_total_minor is None else money(bill.stated_total_minor),
        amount_paid=money(bill.amount_paid_minor),
        amount_due=money(bill.total_gross_minor - bill.amount_paid_minor),
        note=bill.note,
        discrepancies=[
            schemas.Discrepancy(
                code=found["code"],
                line_id=uuid.UUID(str(found["line_id"])) if found.get("line_id") else None,
                message=matching.describe(found, currency, locale),
            )
            for found in bill.discrepancies
        ],
        matched_at=bill.matched_at,
        approved_at=bill.approved_at,
        approved_by=bill.approved_by,
        approval_reason=bill.approval_reason,
        posted_at=bill.posted_at,
        entry_id=bill.entry_id,
        paid_at=bill.paid_at,
        created_at=bill.created_at,
        lines=[_line_view(line, currency, skus) for line in bill.lines],
        tax_totals=[
            schemas.TaxTotal(
                rate=total.rate,
                base=money(total.base_minor),
                vat=money(total.vat_minor),
                stated_vat=None
                if total.stated_vat_minor is None
                else money(total.stated_vat_minor),
            )
            for total in bill.tax_totals
        ],
        payments=[
            schemas.Payment(
                id=payment.id,
                amount=money(payment.amount_minor),
                paid_on=payment.paid_on,
                reference=payment.reference,
                source_type=payment.source_type,
                created_at=payment.created_at,
            )
            for payment in bill.payments
        ],
    )


def _skus(session: Session, variant_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    found: dict[uuid.UUID, str] = {}
    for variant_id in set(variant_ids):
        try:
            found[variant_id] = catalog.variant_summary(session, variant_id).sku
        except NotFound:
            continue
    return found


def _line_view(
    line: SupplierBillLine, currency: str, skus: dict[uuid.UUID, str]
) -> schemas.BillLine:
    def maybe(minor: int | None) -> MoneyOut | None:
        return None if minor is None else MoneyOut.from_money(Money.from_minor(minor, currency))

    return schemas.BillLine(
        id=line.id,
        position=line.position,
        order_line_id=line.order_line_id,
        variant_id=line.variant_id,
        sku=skus.get(line.variant_id) if line.variant_id else None,
        description=line.description,
        quantity=line.quantity,
        unit_cost=MoneyOut.from_money(Money.from_minor(line.unit_cost_minor, currency)),
        net=MoneyOut.from_money(Money.from_minor(line.net_minor, currency)),
        vat_rate=line.vat_rate,
        account=line.account,
        match_result=line.match_result,
        ordered=line.match_ordered,
        received=line.match_received,
        already_billed=line.match_already_billed,
        order_unit_cost=maybe(line.match_order_unit_cost_minor),
        price_difference=maybe(line.match_price_difference_minor),
    )
