"""The supplier bill tables: a bill (or a supplier credit note) received for a purchase order,
its lines with the result of the three-way match (order, receipt, bill), its VAT totals per
rate, and the payments made on it.

``status``: draft -> matched | on_hold -> approved -> posted -> partially_paid -> paid. A bill
is edited only before approval (an edit sends it back to draft). Amounts are integer minor
units of ``currency``; ``exchange_rate`` converts them to euros for the ledger (1 in euros).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from comptoir.kit.db.base import Base, IdMixin, TimestampMixin
from comptoir.kit.db.types import JSONType

BILL_STATUSES = ("draft", "matched", "on_hold", "approved", "posted", "partially_paid", "paid")
VAT_TREATMENTS = ("domestic", "intra_eu")
"""``intra_eu``: an intra-EU acquisition, VAT self-assessed by the shop (reverse charge)."""
MATCH_RESULTS = ("ok", "over_billed", "price_difference", "over_billed_and_price", "free")
DEFAULT_ACCOUNT = "607000"
"""Achats de marchandises: goods bought for resale."""


class SupplierBill(IdMixin, TimestampMixin, Base):
    """A supplier's invoice (``is_credit``: a supplier credit note) as the shop received it.

    ``supplier_invoice_number`` is the supplier's own number, unique per supplier: the same
    invoice is never recorded twice. ``stated_total_minor`` is the total the supplier printed;
    the match checks our per-rate computation against it. ``discrepancies`` lists what the
    last match found (a code, the line and the figures), empty when it passed."""

    __tablename__ = "billing_supplier_bills"
    __table_args__ = (
        UniqueConstraint(
            "supplier_id",
            "supplier_invoice_number",
            name="uq_billing_supplier_bills_supplier_number",
        ),
        CheckConstraint(
            "status IN ('draft', 'matched', 'on_hold', 'approved', 'posted', "
            "'partially_paid', 'paid')",
            name="status",
        ),
        CheckConstraint("vat_treatment IN ('domestic', 'intra_eu')", name="vat_treatment"),
        CheckConstraint("amount_paid_minor >= 0", name="amount_paid_not_negative"),
        CheckConstraint("exchange_rate > 0", name="exchange_rate_positive"),
        Index("ix_billing_supplier_bills_status_due", "status", "due_date"),
    )

    supplier_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("purchasing_suppliers.id", ondelete="RESTRICT"), index=True
    )
    supplier_invoice_number: Mapped[str] = mapped_column(String(60))
    purchase_order_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("purchasing_orders.id", ondelete="RESTRICT"), default=None, index=True
    )
    is_credit: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    bill_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    exchange_rate: Mapped[Decimal] = mapped_column(Numeric(18, 8), default=Decimal(1))
    vat_treatment: Mapped[str] = mapped_column(String(16), default="domestic")
    total_net_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    total_vat_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    """The VAT of the bill; under reverse charge, the VAT the shop self-assesses (not owed to
    the supplier)."""
    total_gross_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    """What is owed to the supplier: net plus VAT, or the net alone under reverse charge."""
    stated_total_minor: Mapped[int | None] = mapped_column(BigInteger, default=None)
    amount_paid_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    discrepancies: Mapped[list[dict[str, object]]] = mapped_column(JSONType(), default=list)
    matched_at: Mapped[datetime | None] = mapped_column(default=None)
    approved_at: Mapped[datetime | None] = mapped_column(default=None)
    approved_by: Mapped[str | None] = mapped_column(String(200), default=None)
    approval_reason: Mapped[str | None] = mapped_column(Text, default=None)
    """Why a person approved a bill the match had put on hold (required then)."""
    posted_at: Mapped[datetime | None] = mapped_column(default=None)
    posted_by: Mapped[str | None] = mapped_column(String(200), default=None)
    entry_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    """The purchases journal entry (AC) the bill was posted as."""
    paid_at: Mapped[datetime | None] = mapped_column(default=None)

    lines: Mapped[list[SupplierBillLine]] = relationship(
        back_populates="bill",
        order_by="SupplierBillLine.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )
    tax_totals: Mapped[list[SupplierBillTaxTotal]] = relationship(
        order_by="SupplierBillTaxTotal.rate", cascade="all, delete-orphan", lazy="selectin"
    )
    payments: Mapped[list[SupplierBillPayment]] = relationship(
        order_by="SupplierBillPayment.paid_on", cascade="all, delete-orphan", lazy="selectin"
    )


class SupplierBillLine(IdMixin, Base):
    """A line of a bill: units of a purchase order line at a unit cost, or a free line on its
    own account (transport 624100, fees 622600). ``net_minor`` = quantity times unit cost.

    The ``match_*`` columns keep what the last match saw for the purchase order line:
    ordered, received, already billed on other bills, and the unit price difference with the
    order (bill minus order)."""

    __tablename__ = "billing_supplier_bill_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_cost_minor >= 0", name="unit_cost_not_negative"),
        CheckConstraint("vat_rate >= 0 AND vat_rate < 1", name="vat_rate_fraction"),
    )

    bill_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("billing_supplier_bills.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    order_line_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("purchasing_order_lines.id", ondelete="RESTRICT"), default=None, index=True
    )
    variant_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    description: Mapped[str] = mapped_column(String(200), default="")
    quantity: Mapped[int]
    unit_cost_minor: Mapped[int] = mapped_column(BigInteger)
    net_minor: Mapped[int] = mapped_column(BigInteger)
    vat_rate: Mapped[Decimal] = mapped_column(Numeric(7, 4))
    """0.2000 for 20 %."""
    account: Mapped[str] = mapped_column(String(20), default=DEFAULT_ACCOUNT)
    match_result: Mapped[str | None] = mapped_column(String(24), default=None)
    match_ordered: Mapped[int | None] = mapped_column(default=None)
    match_received: Mapped[int | None] = mapped_column(default=None)
    match_already_billed: Mapped[int | None] = mapped_column(default=None)
    match_order_unit_cost_minor: Mapped[int | None] = mapped_column(BigInteger, default=None)
    match_price_difference_minor: Mapped[int | None] = mapped_column(BigInteger, default=None)

    bill: Mapped[SupplierBill] = relationship(back_populates="lines")


class SupplierBillTaxTotal(IdMixin, Base):
    """One VAT rate of a bill: base and VAT (base times rate rounded half-up once per rate,
    BR-CO-17), and the VAT the supplier printed for that rate when it was given."""

    __tablename__ = "billing_supplier_bill_tax_totals"
    __table_args__ = (
        UniqueConstraint("bill_id", "rate", name="uq_billing_supplier_bill_tax_totals_rate"),
    )

    bill_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("billing_supplier_bills.id", ondelete="CASCADE"), index=True
    )
    rate: Mapped[Decimal] = mapped_column(Numeric(7, 4))
    base_minor: Mapped[int] = mapped_column(BigInteger)
    vat_minor: Mapped[int] = mapped_column(BigInteger)
    stated_vat_minor: Mapped[int | None] = mapped_column(BigInteger, default=None)


class SupplierBillPayment(IdMixin, TimestampMixin, Base):
    """Money paid to the supplier on a bill (a bank transfer, a matched bank line).
    ``source_type`` + ``source_id`` make recording it idempotent."""

    __tablename__ = "billing_supplier_bill_payments"
    __table_args__ = (
        UniqueConstraint(
            "bill_id", "source_type", "source_id", name="uq_billing_supplier_bill_payments_source"
        ),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
    )

    bill_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("billing_supplier_bills.id", ondelete="RESTRICT"), index=True
    )
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    paid_on: Mapped[date] = mapped_column(Date)
    reference: Mapped[str | None] = mapped_column(String(100), default=None)
    source_type: Mapped[str] = mapped_column(String(32))
    source_id: Mapped[uuid.UUID]
    entry_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    recorded_by: Mapped[str | None] = mapped_column(String(200), default=None)
