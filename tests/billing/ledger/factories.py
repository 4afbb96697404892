"""Factories for ledger tests: invoices and credit notes built directly as rows."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.orm import Session

from comptoir.billing.invoices.models import Invoice, InvoiceLine, InvoiceTaxTotal, Settlement

# (kind, net_minor, vat_rate)
LineData = tuple[str, int, Decimal]


def make_invoice(
    session: Session,
    *,
    lines: Sequence[LineData] = (("goods", 10000, Decimal("0.2")),),
    kind: str = "invoice",
    number: str | None = None,
    issue_date: date = date(2026, 3, 10),
    due_date: date | None = date(2026, 4, 9),
    currency: str = "EUR",
    exchange_rate: Decimal = Decimal(1),
    vat_scheme: str = "domestic",
    customer_id: uuid.UUID | None = None,
    buyer_name: str = "Camille Durand",
    charge_vat: bool = True,
) -> Invoice:
    """An issued invoice (or credit note) whose VAT is computed per rate on the totals, half
    up; ``charge_vat=False`` for reverse charge, intra-EU supplies and exports."""
    prefix = "AV" if kind == "credit_note" else "FA"
    invoice = Invoice(
        kind=kind,
        status="issued",
        series=prefix,
        number=number or f"{prefix}-{issue_date.year}-{uuid.uuid4().hex[:8]}",
        issue_date=issue_date,
        due_date=due_date,
        currency=currency,
        exchange_rate=exchange_rate,
        vat_scheme=vat_scheme,
        customer_id=customer_id,
        subject_id=uuid.uuid4(),
        buyer_name=buyer_name,
    )
    bases: dict[Decimal, int] = {}
    for position, (line_kind, net, rate) in enumerate(lines, start=1):
        invoice.lines.append(
            InvoiceLine(
                position=position,
                kind=line_kind,
                title=f"Line {position}",
                quantity=Decimal(1),
                unit_price_excl_minor=net,
                net_minor=net,
                vat_rate=rate if charge_vat else Decimal(0),
                vat_category="S" if charge_vat else "AE",
            )
        )
        key = rate if charge_vat else Decimal(0)
        bases[key] = bases.get(key, 0) + net
    for rate, base in sorted(bases.items()):
        tax = int((Decimal(base) * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        invoice.tax_totals.append(
            InvoiceTaxTotal(
                category="S" if charge_vat else "AE", rate=rate, base_minor=base, tax_minor=tax
            )
        )
    invoice.total_net_minor = sum(bases.values())
    invoice.total_tax_minor = sum(total.tax_minor for total in invoice.tax_totals)
    invoice.total_gross_minor = invoice.total_net_minor + invoice.total_tax_minor
    session.add(invoice)
    session.flush()
    return invoice


def make_settlement(
    session: Session,
    invoice: Invoice,
    *,
    amount_minor: int | None = None,
    method: str = "card",
    settled_on: date = date(2026, 3, 12),
    source_type: str = "payment",
    source_id: uuid.UUID | None = None,
    reference: str | None = None,
    exchange_rate: Decimal | None = None,
) -> Settlement:
    settlement = Settlement(
        exchange_rate=exchange_rate,
        invoice_id=invoice.id,
        amount_minor=invoice.total_gross_minor if amount_minor is None else amount_minor,
        currency=invoice.currency,
        settled_on=settled_on,
        method=method,
        reference=reference,
        source_type=source_type,
        source_id=source_id or uuid.uuid4(),
    )
    session.add(settlement)
    session.flush()
    return settlement
