"""The invoicing tables: the seller's identity, each channel's issuing rule, the numbering
counters, invoices (and credit notes, proformas) with their lines, VAT totals per rate and the
settlements that pay them.

An issued invoice is never updated except for what happens after it (``amount_paid_minor``,
``paid_at``, ``status`` moving to ``paid``, ``overdue_notified_at``): corrections are credit
notes citing it. The buyer's name, addresses and e-mail are personal data, encrypted under the
invoice's own data key (``subject_id``) so that erasing the customer leaves the legal archive
readable for the ten years the law asks; that key is destroyed by retention, not by erasure.
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

from comptoir.kit.crypto.columns import encrypted_column
from comptoir.kit.db.base import Base, IdMixin, TimestampMixin
from comptoir.kit.db.types import JSONType

SUBJECT_TYPE = "invoice"
"""Invoices hold their buyer's details under a data key of their own (the legal archive)."""

INVOICE_KINDS = ("invoice", "credit_note", "proforma")
INVOICE_STATUSES = ("draft", "issued", "partially_paid", "paid", "cancelled")
"""``cancelled`` is for drafts and proformas only: an issued invoice is cancelled by a credit
note, and stays ``issued`` (or paid) itself."""
SUPPLY_TYPES = ("goods", "services", "mixed")
VAT_SCHEMES = ("domestic", "oss", "reverse_charge", "intra_eu_goods", "export", "exempt")
ISSUE_POLICIES = ("payment", "shipment", "manual")
LINE_KINDS = ("goods", "service", "shipping", "fee")
VAT_CATEGORIES = ("S", "Z", "E", "AE", "K", "G", "O")
"""UNCL5305 as EN 16931 uses it: standard, zero, exempt, reverse charge, intra-EU supply of
goods, export outside the EU, outside the scope of VAT."""


class SellerProfile(IdMixin, TimestampMixin, Base):
    """Who issues the invoices: one row (the shop's legal identity and invoicing terms)."""

    __tablename__ = "billing_seller_profile"

    legal_name: Mapped[str] = mapped_column(String(200))
    trade_name: Mapped[str | None] = mapped_column(String(200), default=None)
    legal_form: Mapped[str | None] = mapped_column(String(60), default=None)
    share_capital_minor: Mapped[int | None] = mapped_column(BigInteger, default=None)
    siren: Mapped[str] = mapped_column(String(9))
    siret: Mapped[str | None] = mapped_column(String(14), default=None)
    vat_number: Mapped[str | None] = mapped_column(String(20), default=None)
    rcs: Mapped[str | None] = mapped_column(String(100), default=None)
    naf_code: Mapped[str | None] = mapped_column(String(10), default=None)
    address_line1: Mapped[str] = mapped_column(String(200))
    address_line2: Mapped[str | None] = mapped_column(String(200), default=None)
    postcode: Mapped[str] = mapped_column(String(16))
    city: Mapped[str] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(2), default="FR")
    email: Mapped[str | None] = mapped_column(String(254), default=None)
    phone: Mapped[str | None] = mapped_column(String(40), default=None)
    iban: Mapped[str | None] = mapped_column(String(34), default=None)
    bic: Mapped[str | None] = mapped_column(String(11), default=None)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    vat_on_debits: Mapped[bool] = mapped_column(default=False)
    """"Option pour le paiement de la TVA d'après les débits" (a mandatory mention when set)."""
    payment_terms_days: Mapped[int] = mapped_column(default=30)
    late_penalty_rate: Mapped[Decimal] = mapped_column(Numeric(7, 4), default=Decimal("0.1215"))
    """Yearly rate of late-payment penalties (B2B), e.g. 0.1215 for 12.15 %."""
    recovery_indemnity_minor: Mapped[int] = mapped_column(BigInteger, default=4000)
    """The fixed indemnity for recovery costs owed by a late business buyer (€40)."""
    early_payment_discount: Mapped[str | None] = mapped_column(String(200), default=None)
    footer: Mapped[str | None] = mapped_column(Text, default=None)


class ChannelInvoicing(IdMixin, TimestampMixin, Base):
    """When a channel's orders are invoiced: on ``payment``, on ``shipment`` (the shipped
    units), or ``manual``. A channel without a row invoices on payment."""

    __tablename__ = "billing_channel_invoicing"
    __table_args__ = (
        CheckConstraint("issue_on IN ('payment', 'shipment', 'manual')", name="issue_on"),
    )

    channel_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("channels_channels.id", ondelete="CASCADE"), unique=True
    )
    issue_on: Mapped[str] = mapped_column(String(16), default="payment")
    series: Mapped[str] = mapped_column(String(20), default="FA")


class InvoiceCounter(IdMixin, TimestampMixin, Base):
    """The last number given in a series for a year (``FA`` 2026: 45 → ``FA-2026-000045``),
    raised by a guarded UPDATE in the transaction that issues the invoice: the row lock
    makes concurrent issuers wait their turn, and a rolled-back issuance gives its number
    back, so numbers are gap-free and follow the issue order."""

    __tablename__ = "billing_invoice_counters"
    __table_args__ = (UniqueConstraint("series", "year"),)

    series: Mapped[str] = mapped_column(String(20))
    year: Mapped[int]
    last_value: Mapped[int] = mapped_column(BigInteger, default=0)
    last_issue_date: Mapped[date | None] = mapped_column(Date, default=None)
    """The issue date of the last number given: the next one may not be earlier (invoices
    of a series are chronological)."""


class Invoice(IdMixin, TimestampMixin, Base):
    """An invoice, a credit note (``kind``; ``original_invoice_id`` cites what it corrects) or a
    proforma. Amounts are integer minor units of ``currency``; ``exchange_rate`` converts to
    the seller's currency at ``exchange_rate_date`` (1 when they are the same)."""

    __tablename__ = "billing_invoices"
    __table_args__ = (
        CheckConstraint("kind IN ('invoice', 'credit_note', 'proforma')", name="kind"),
        CheckConstraint(
            "status IN ('draft', 'issued', 'partially_paid', 'paid', 'cancelled')", name="status"
        ),
        CheckConstraint("supply_type IN ('goods', 'services', 'mixed')", name="supply_type"),
        Index("ix_billing_invoices_status_due", "status", "due_date"),
        Index("ix_billing_invoices_issue_date", "issue_date"),
    )

    kind: Mapped[str] = mapped_column(String(16), default="invoice")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    series: Mapped[str] = mapped_column(String(20))
    number: Mapped[str | None] = mapped_column(String(40), unique=True, default=None)
    """Given at issue (``FA-2026-000045``); drafts have none."""
    issue_date: Mapped[date | None] = mapped_column(Date, default=None)
    issued_at: Mapped[datetime | None] = mapped_column(default=None)
    issued_by: Mapped[str | None] = mapped_column(String(200), default=None)
    delivery_date: Mapped[date | None] = mapped_column(Date, default=None)
    due_date: Mapped[date | None] = mapped_column(Date, default=None)
    language: Mapped[str] = mapped_column(String(2), default="fr")
    currency: Mapped[str] = mapped_column(String(3))
    exchange_rate: Mapped[Decimal] = mapped_column(Numeric(18, 8), default=Decimal(1))
    exchange_rate_date: Mapped[date | None] = mapped_column(Date, default=None)
    order_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("orders_orders.id", ondelete="RESTRICT"), default=None, index=True
    )
    channel_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    customer_id: Mapped[uuid.UUID | None] = mapped_column(default=None, index=True)
    original_invoice_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("billing_invoices.id", ondelete="RESTRICT"), default=None, index=True
    )
    source_type: Mapped[str | None] = mapped_column(String(32), default=None)
    """What made it: ``order``, ``shipment``, ``return``, ``cancellation``, ``refund``,
    ``manual``; with ``source_id`` it makes automatic issuance idempotent."""
    source_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    supply_type: Mapped[str] = mapped_column(String(16), default="goods")
    vat_scheme: Mapped[str] = mapped_column(String(20), default="domestic")
    vat_on_debits: Mapped[bool] = mapped_column(default=False)
    exemption_reason: Mapped[str | None] = mapped_column(String(300), default=None)
    """The wording printed when VAT is not charged ("Autoliquidation", "Exonération de TVA,
    article 262 ter I du CGI", "Exportation, article 262 I du CGI")."""
    seller: Mapped[dict[str, object]] = mapped_column(JSONType(), default=dict)
    """The seller's identity as it stood at issue (a copy of :class:`SellerProfile`)."""
    subject_id: Mapped[uuid.UUID]
    """The data key that protects this invoice's buyer details."""
    buyer_name: Mapped[str | None] = encrypted_column(
        subject_type=SUBJECT_TYPE, subject="subject_id"
    )
    buyer_address: Mapped[str | None] = encrypted_column(
        subject_type=SUBJECT_TYPE, subject="subject_id"
    )
    """Billing address, lines separated by newlines; the last line is the country code."""
    buyer_email: Mapped[str | None] = encrypted_column(
        subject_type=SUBJECT_TYPE, subject="subject_id"
    )
    delivery_address: Mapped[str | None] = encrypted_column(
        subject_type=SUBJECT_TYPE, subject="subject_id"
    )
    buyer_country: Mapped[str | None] = mapped_column(String(2), default=None)
    buyer_is_business: Mapped[bool] = mapped_column(default=False)
    buyer_siren: Mapped[str | None] = mapped_column(String(9), default=None)
    buyer_vat_number: Mapped[str | None] = mapped_column(String(20), default=None)
    buyer_reference: Mapped[str | None] = mapped_column(String(100), default=None)
    """The buyer's purchase order reference, when a business gave one."""
    payment_terms: Mapped[str | None] = mapped_column(String(300), default=None)
    payment_terms_days: Mapped[int | None] = mapped_column(default=None)
    """Days from the issue date to the due date, when the draft set its own terms."""
    late_penalty_rate: Mapped[Decimal | None] = mapped_column(Numeric(7, 4), default=None)
    recovery_indemnity_minor: Mapped[int | None] = mapped_column(BigInteger, default=None)
    note: Mapped[str | None] = mapped_column(Text, default=None)
    total_net_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    total_tax_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    total_gross_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    """Net + VAT (EN 16931 BT-112)."""
    rounding_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    """EN 16931 BT-114: what the customer paid for these units less net + VAT, when prices
    include VAT and rounding the VAT once per rate cannot reach the amount paid (a few minor
    units at most, positive or negative). The amount payable (BT-115 before payments) is
    ``total_gross_minor + rounding_minor``; a credit note carries its share of the invoice's."""
    amount_paid_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_at: Mapped[datetime | None] = mapped_column(default=None)
    overdue_notified_at: Mapped[datetime | None] = mapped_column(default=None)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)

    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", order_by="InvoiceLine.position", cascade="all, delete-orphan"
    )
    tax_totals: Mapped[list[InvoiceTaxTotal]] = relationship(
        order_by="InvoiceTaxTotal.rate", cascade="all, delete-orphan"
    )


class InvoiceLine(IdMixin, Base):
    """A line: ``quantity`` units at ``unit_price_excl_minor`` less ``discount_minor`` gives
    ``net_minor`` (excluding VAT); VAT is computed on the totals per rate, not per line."""

    __tablename__ = "billing_invoice_lines"

    invoice_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("billing_invoices.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16), default="goods")
    sku: Mapped[str | None] = mapped_column(String(100), default=None)
    title: Mapped[str] = mapped_column(String(600))
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    unit_code: Mapped[str] = mapped_column(String(3), default="C62")
    """UN/ECE rec. 20 unit (``C62`` one, ``KGM`` kilogram, ``HUR`` hour)."""
    unit_price_excl_minor: Mapped[int] = mapped_column(BigInteger)
    discount_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    net_minor: Mapped[int] = mapped_column(BigInteger)
    vat_category: Mapped[str] = mapped_column(String(4), default="S")
    vat_rate: Mapped[Decimal] = mapped_column(Numeric(7, 4))
    """0.2000 for 20 %."""
    order_line_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    variant_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    original_line_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("billing_invoice_lines.id", ondelete="RESTRICT"), default=None, index=True
    )
    """On a credit note: the line of the original invoice it credits."""

    invoice: Mapped[Invoice] = relationship(back_populates="lines")


class InvoiceTaxTotal(IdMixin, Base):
    """One VAT rate's base and tax on an invoice (EN 16931 BG-23), tax = base x rate rounded
    half-up once per rate (BR-CO-17)."""

    __tablename__ = "billing_invoice_tax_totals"

    invoice_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("billing_invoices.id", ondelete="CASCADE"), index=True
    )
    category: Mapped[str] = mapped_column(String(4))
    rate: Mapped[Decimal] = mapped_column(Numeric(7, 4))
    base_minor: Mapped[int] = mapped_column(BigInteger)
    tax_minor: Mapped[int] = mapped_column(BigInteger)
    exemption_reason: Mapped[str | None] = mapped_column(String(300), default=None)


class Settlement(IdMixin, TimestampMixin, Base):
    """Money applied to an invoice (or paid back on a credit note): an order's payment, a
    matched bank line, a refund, or a credit note set against the invoice it corrects."""

    __tablename__ = "billing_settlements"
    __table_args__ = (UniqueConstraint("invoice_id", "source_type", "source_id"),)

    invoice_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("billing_invoices.id", ondelete="RESTRICT"), index=True
    )
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    settled_on: Mapped[date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(32))
    """``card``, ``bank_transfer``, ``cash``, ``credit_note``, ``refund``, ..."""
    reference: Mapped[str | None] = mapped_column(String(100), default=None)
    source_type: Mapped[str] = mapped_column(String(32))
    """``payment`` (an order payment), ``bank_line``, ``credit_note``, ``refund``, ``manual``."""
    source_id: Mapped[uuid.UUID]
    exchange_rate: Mapped[Decimal | None] = mapped_column(Numeric(18, 8), default=None)
    """For an invoice in another currency than the seller's: the rate of the day the money
    came (its difference with the invoice's rate is an exchange gain or loss); ``None`` when
    no rate of that day was recorded (the invoice's rate applies)."""
    exchange_rate_date: Mapped[date | None] = mapped_column(Date, default=None)


class ExchangeRate(IdMixin, TimestampMixin, Base):
    """The value of one unit of ``currency`` in the seller's currency on ``rate_date`` (the
    rate of the day an invoice in that currency is issued with: 1 USD = 0.92 EUR is
    ``0.92``)."""

    __tablename__ = "billing_exchange_rates"
    __table_args__ = (
        UniqueConstraint("currency", "rate_date"),
        CheckConstraint("rate > 0", name="rate_positive"),
    )

    currency: Mapped[str] = mapped_column(String(3))
    rate_date: Mapped[date] = mapped_column(Date)
    rate: Mapped[Decimal] = mapped_column(Numeric(18, 8))
    source: Mapped[str | None] = mapped_column(String(100), default=None)
    """Where the rate comes from (``ECB``, ``Banque de France``...)."""
