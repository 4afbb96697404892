"""Invoices built directly with the models, as the invoicing service stores them: lines with
their net amounts, VAT per category and rate computed on the totals (half-up, BR-CO-17)."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy.orm import Session

from comptoir.billing.invoices.models import Invoice, InvoiceLine, InvoiceTaxTotal
from comptoir.kit.ids import uuid7

_numbers = itertools.count(1)

SELLER: dict[str, object] = {
    "legal_name": "BoutiqueNova SAS",
    "trade_name": "BoutiqueNova",
    "legal_form": "SAS",
    "share_capital_minor": 1_000_000,
    "siren": "552100554",
    "siret": "55210055400013",
    "vat_number": "FR40552100554",
    "rcs": "RCS Lyon 552 100 554",
    "naf_code": "4791B",
    "address_line1": "12 rue de la République",
    "postcode": "69002",
    "city": "Lyon",
    "country": "FR",
    "email": "compta@boutiquenova.example",
    "iban": "FR7630006000011234567890189",
    "bic": "AGRIFRPP",
    "currency": "EUR",
    "vat_on_debits": False,
    "late_penalty_rate": "0.1215",
    "recovery_indemnity_minor": 4000,
}


@dataclass(frozen=True, slots=True)
class Line:
    title: str
    quantity: Decimal
    unit_price_minor: int
    rate: Decimal = Decimal("0.20")
    category: str = "S"
    discount_minor: int = 0
    sku: str | None = None


def net_of(line: Line) -> int:
    gross = (line.quantity * line.unit_price_minor).quantize(Decimal(1), ROUND_HALF_UP)
    return int(gross) - line.discount_minor


def build_invoice(
    lines: list[Line],
    *,
    kind: str = "invoice",
    status: str = "issued",
    currency: str = "EUR",
    exchange_rate: Decimal = Decimal(1),
    number: str | None = None,
    issue_date: date | None = date(2026, 11, 23),
    exemption_reason: str | None = None,
    seller: dict[str, object] | None = None,
    **fields: Any,
) -> Invoice:
    """A transient invoice (not added to a session) whose totals follow EN 16931."""
    series = {"invoice": "FA", "credit_note": "AV", "proforma": "PF"}[kind]
    if number is None and status != "draft":
        number = f"{series}-2026-{next(_numbers):06d}-{uuid.uuid4().hex[:4]}"
    invoice = Invoice(
        id=uuid7(),
        kind=kind,
        status=status,
        series=series,
        number=number,
        issue_date=issue_date if status != "draft" else None,
        currency=currency,
        exchange_rate=exchange_rate,
        seller=dict(seller or SELLER),
        subject_id=uuid7(),
        buyer_name=fields.pop("buyer_name", "Atelier Durand SARL"),
        buyer_address=fields.pop("buyer_address", "3 avenue Foch\n75008 Paris\nFR"),
        buyer_country=fields.pop("buyer_country", "FR"),
        buyer_email=fields.pop("buyer_email", "compta@durand.example"),
        language=fields.pop("language", "fr"),
        exemption_reason=exemption_reason,
        amount_paid_minor=0,
        **fields,
    )
    invoice.lines = [
        InvoiceLine(
            id=uuid7(),
            position=position,
            kind="goods",
            sku=line.sku,
            title=line.title,
            quantity=line.quantity,
            unit_code="C62",
            unit_price_excl_minor=line.unit_price_minor,
            discount_minor=line.discount_minor,
            net_minor=net_of(line),
            vat_category=line.category,
            vat_rate=line.rate,
        )
        for position, line in enumerate(lines, start=1)
    ]
    bases: dict[tuple[str, Decimal], int] = {}
    for line in lines:
        key = (line.category, line.rate)
        bases[key] = bases.get(key, 0) + net_of(line)
    invoice.tax_totals = [
        InvoiceTaxTotal(
            id=uuid7(),
            category=category,
            rate=rate,
            base_minor=base,
            tax_minor=int((base * rate).quantize(Decimal(1), ROUND_HALF_UP)),
        )
        for (category, rate), base in bases.items()
    ]
    invoice.total_net_minor = sum(bases.values())
    invoice.total_tax_minor = sum(total.tax_minor for total in invoice.tax_totals)
    invoice.total_gross_minor = invoice.total_net_minor + invoice.total_tax_minor
    return invoice


def add_invoice(session: Session, lines: list[Line], **options: Any) -> Invoice:
    """An invoice stored in the database (flushed), read back as the documents will be."""
    invoice = build_invoice(lines, **options)
    session.add(invoice)
    session.flush()
    return invoice


def mark_paid(invoice: Invoice, on: date) -> None:
    invoice.amount_paid_minor = invoice.total_gross_minor
    invoice.status = "paid"
    invoice.paid_at = datetime(on.year, on.month, on.day, 12, tzinfo=UTC)


MULTI_RATE = [
    Line("Théière en fonte", Decimal(2), 3490, Decimal("0.20"), sku="TEA-POT", discount_minor=500),
    Line("Livre de recettes", Decimal(1), 2450, Decimal("0.055"), sku="BOOK-1"),
    Line("Repas à emporter", Decimal(3), 1299, Decimal("0.10")),
    Line("Thé vert, vrac (kg)", Decimal("0.375"), 4800, Decimal("0.055")),
]
