"""Invoices of orders: issued when the channel's policy says (on payment, or on shipment for
the units shipped), read from the order through the orders service, and paid with the
order's payments."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.billing.invoices.models import Invoice, InvoiceLine, Settlement
from comptoir.billing.invoices.service.common import (
    ORDER_SCHEMES,
    SHOP_ZONE,
    allocate,
    amount_due,
    as_locale,
    base_from_gross,
    category_for,
    ceil_div,
    exemption_wording,
    percent_to_fraction,
    share,
    tax_of,
    today,
)
from comptoir.billing.invoices.service.issuing import issue
from comptoir.billing.invoices.service.settings import channel_policy
from comptoir.billing.invoices.service.settlements import settle
from comptoir.customers import service as customers
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.i18n import translate
from comptoir.kit.ids import uuid7
from comptoir.orders import service as orders

SETTLEMENT_METHODS: Final[dict[str, str]] = {
    "stripe": "stripe",
    "test_card": "card",
    "card_terminal": "card",
    "cash": "cash",
    "bank_transfer": "bank_transfer",
    "marketplace": "marketplace",
}
"""How an order's payment provider settles an invoice (the ledger picks the treasury
account from it)."""
ISSUED_STATUSES: Final = ("issued", "partially_paid", "paid")
WALK_IN_CUSTOMER: Final = _l("Walk-in customer")


@dataclass(slots=True)
class _Item:
    """A line to invoice, its amount in the order's price basis."""

    kind: str
    title: str
    sku: str | None
    quantity: int
    amount_minor: int
    rate: Decimal
    category: str
    unit_excl_minor: int
    order_line_id: uuid.UUID | None = None
    variant_id: uuid.UUID | None = None
    net_minor: int = 0


def settlement_method(provider: str) -> str:
    return SETTLEMENT_METHODS.get(provider, "other")


def invoiced_quantities(session: Session, order_id: uuid.UUID) -> dict[uuid.UUID, Decimal]:
    """Units of each order line already on an issued invoice of the order."""
    rows = session.execute(
        select(InvoiceLine.order_line_id, func.sum(InvoiceLine.quantity))
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .where(
            Invoice.order_id == order_id,
            Invoice.kind == "invoice",
            Invoice.status.in_(ISSUED_STATUSES),
            InvoiceLine.order_line_id.is_not(None),
        )
        .group_by(InvoiceLine.order_line_id)
    )
    return {line_id: Decimal(quantity) for line_id, quantity in rows if line_id is not None}


def _shipping_invoiced(session: Session, order_id: uuid.UUID) -> bool:
    return bool(
        session.scalar(
            select(func.count())
            .select_from(InvoiceLine)
            .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
            .where(
                Invoice.order_id == order_id,
                Invoice.kind == "invoice",
                Invoice.status.in_(ISSUED_STATUSES),
                InvoiceLine.kind == "shipping",
            )
        )
    )


def order_invoices(session: Session, order_id: uuid.UUID) -> list[Invoice]:
    """The order's issued invoices (not credit notes), in issue order."""
    return list(
        session.scalars(
            select(Invoice)
            .where(
                Invoice.order_id == order_id,
                Invoice.kind == "invoice",
                Invoice.status.in_(ISSUED_STATUSES),
            )
            .order_by(Invoice.number)
        )
    )


def _items(
    session: Session, order: Any, wanted: Mapping[uuid.UUID, int], *, with_shipping: bool
) -> list[_Item]:
    scheme = ORDER_SCHEMES.get(order.vat_scheme, "domestic")
    items = []
    for line in order.lines:
        quantity = wanted.get(line.id, 0)
        if quantity <= 0:
            continue
        items.append(
            _Item(
                kind="goods",
                title=line.title,
                sku=line.sku,
                quantity=quantity,
                amount_minor=share(line.total_minor, Decimal(quantity), Decimal(line.quantity)),
                rate=percent_to_fraction(line.vat_rate),
                category=line.vat_category,
                unit_excl_minor=line.unit_price_excl_minor,
                order_line_id=line.id,
                variant_id=line.variant_id,
            )
        )
    delivery = orders.order_out(session, order).delivery if with_shipping else None
    if delivery is not None and delivery.fee_incl_tax.minor_units > 0:
        fee = delivery.fee_incl_tax if order.prices_include_tax else delivery.fee_excl_tax
        rate = percent_to_fraction(Decimal(delivery.vat_rate))
        items.append(
            _Item(
                kind="shipping",
                title=delivery.carrier_name,
                sku=None,
                quantity=1,
                amount_minor=fee.minor_units,
                rate=rate,
                category=category_for(scheme, rate),
                unit_excl_minor=delivery.fee_excl_tax.minor_units,
            )
        )
    return items


def _set_nets(items: Sequence[_Item], *, prices_include_tax: bool) -> None:
    """Each item's net: its amount when prices exclude VAT; else the base of its rate's
    gross (so that base + VAT rounded once gives what the customer paid whenever rounding
    allows), shared among the rate's lines in proportion to their amounts."""
    if not prices_include_tax:
        for item in items:
            item.net_minor = item.amount_minor
        return
    groups: dict[tuple[str, Decimal], list[_Item]] = {}
    for item in items:
        groups.setdefault((item.category, item.rate), []).append(item)
    for (_category, rate), members in groups.items():
        base = base_from_gross(sum(m.amount_minor for m in members), rate)
        for member, net in zip(
            members, allocate(base, [m.amount_minor for m in members]), strict=True
        ):
            member.net_minor = net


def rounding_of(items: Sequence[_Item], *, prices_include_tax: bool) -> int:
    """The rounding amount (EN 16931 BT-114) of a tax-included sale: what the customer paid
    for the items less each rate's base and its VAT rounded once (BR-CO-17). Some gross
    amounts cannot be reached that way (base + round(base x 20 %) skips about one in six):
    the difference, a minor unit per rate at most, makes the amount payable equal to what
    was paid. Zero when prices exclude VAT."""
    if not prices_include_tax:
        return 0
    bases: dict[tuple[str, Decimal], int] = {}
    for item in items:
        key = (item.category, item.rate)
        bases[key] = bases.get(key, 0) + item.net_minor
    reached = sum(base + tax_of(base, rate) for (_category, rate), base in bases.items())
    return sum(item.amount_minor for item in items) - reached


def _line(position: int, item: _Item) -> InvoiceLine:
    quantity = Decimal(item.quantity)
    unit = item.unit_excl_minor
    if unit * quantity < item.net_minor:
        unit = ceil_div(item.net_minor, quantity)
    return InvoiceLine(
        position=position,
        kind=item.kind,
        sku=item.sku,
        title=item.title,
        quantity=quantity,
        unit_price_excl_minor=unit,
        discount_minor=int(unit * quantity) - item.net_minor,
        net_minor=item.net_minor,
        vat_category=item.category,
        vat_rate=item.rate,
        order_line_id=item.order_line_id,
        variant_id=item.variant_id,
    )


def _address_text(raw: str | None) -> tuple[str | None, str | None, str | None]:
    """(name, the address as lines ending with the country code, company) of an order's
    address JSON."""
    if not raw:
        return None, None, None
    data = json.loads(raw)
    company = data.get("company") or None
    lines = [
        data.get("name") if company else None,
        data.get("line1"),
        data.get("line2"),
        f"{data.get('postal_code', '')} {data.get('city', '')}".strip(),
        data.get("country"),
    ]
    return company or data.get("name"), "\n".join(part for part in lines if part), company


def _buyer(session: Session, invoice: Invoice, order: Any) -> None:
    name, address, company = _address_text(order.billing_address)
    _, delivery, _ = _address_text(order.shipping_address)
    invoice.buyer_name = name
    invoice.buyer_address = address
    invoice.delivery_address = delivery or address
    invoice.buyer_email = order.email
    raw = json.loads(order.billing_address) if order.billing_address else {}
    invoice.buyer_country = raw.get("country") or order.destination_country
    invoice.buyer_vat_number = order.vat_number
    siren = None
    if order.customer_id is not None:
        customer = customers.get_customer(session, order.customer_id)
        siren = customer.siren
        company = company or (customer.company_name if customer.kind == "company" else None)
        person = " ".join(p for p in (customer.first_name, customer.last_name) if p)
        invoice.buyer_name = invoice.buyer_name or company or person or None
    if not invoice.buyer_name:
        # A sale at a till to someone who gave no name: the invoice names a walk-in customer.
        invoice.buyer_name = translate(WALK_IN_CUSTOMER, as_locale(invoice.language or "fr"))
    if siren is None and order.vat_number and order.vat_number.upper().startswith("FR"):
        siren = order.vat_number[4:13] or None
    invoice.buyer_siren = siren
    invoice.buyer_is_business = bool(order.vat_number or company or siren)


def _to_invoice(
    session: Session, order: Any, trigger: str, shipment_lines: Mapping[str, int] | None
) -> dict[uuid.UUID, int]:
    invoiced = invoiced_quantities(session, order.id)
    wanted = {}
    for line in order.lines:
        left = line.open_quantity - int(invoiced.get(line.id, Decimal(0)))
        if trigger == "shipment" and shipment_lines is not None:
            left = min(left, int(shipment_lines.get(str(line.id), 0)))
        if left > 0:
            wanted[line.id] = left
    return wanted


def issue_for_order(
    session: Session,
    order_id: uuid.UUID,
    *,
    trigger: str,
    shipment_lines: dict[str, int] | None = None,
    shipment_id: uuid.UUID | None = None,
    actor: str | None = None,
) -> Invoice | None:
    """Issue the invoice of an order when its channel's policy is ``trigger`` (``payment``:
    every open unit; ``shipment``: the units of ``shipment_lines``, order line id to units;
    ``manual``: every open unit not yet invoiced, whatever the policy). The delivery fee is
    a line of the first invoice. Lines, VAT rates and categories, the VAT scheme and its
    wording, the currency, the buyer's addresses, VAT number and SIREN come from the order.

    Idempotent: the same order (or shipment) gives the same invoice. Returns None when the
    policy is another, or nothing is left to invoice. Raises ``OrderNotFound`` and what
    :func:`issue` raises."""
    order = orders.get_order(session, order_id)
    policy = channel_policy(session, order.channel_id)
    if trigger != "manual" and policy.issue_on != trigger:
        return None
    source_type = "shipment" if trigger == "shipment" else "order"
    source_id = shipment_id or order.id
    existing = session.scalar(
        select(Invoice).where(
            Invoice.order_id == order.id,
            Invoice.kind == "invoice",
            Invoice.source_type == source_type,
            Invoice.source_id == source_id,
            Invoice.status != "cancelled",
        )
    )
    if existing is not None:
        return existing
    wanted = _to_invoice(session, order, trigger, shipment_lines)
    items = _items(session, order, wanted, with_shipping=not _shipping_invoiced(session, order.id))
    if not items:
        return None
    _set_nets(items, prices_include_tax=order.prices_include_tax)
    scheme = ORDER_SCHEMES.get(order.vat_scheme, "domestic")
    invoice_id = uuid7()
    invoice = Invoice(
        id=invoice_id,
        kind="invoice",
        status="draft",
        series=policy.series,
        subject_id=invoice_id,
        currency=order.currency,
        order_id=order.id,
        channel_id=order.channel_id,
        customer_id=order.customer_id,
        source_type=source_type,
        source_id=source_id,
        vat_scheme=scheme,
        exemption_reason=exemption_wording(scheme, "fr"),
        delivery_date=today() if trigger == "shipment" else None,
        lines=[_line(n + 1, item) for n, item in enumerate(items)],
        rounding_minor=rounding_of(items, prices_include_tax=order.prices_include_tax),
    )
    _buyer(session, invoice, order)
    session.add(invoice)
    session.flush()
    return issue(session, invoice.id, actor=actor)


def apply_order_payments(session: Session, invoice: Invoice) -> list[Settlement]:
    """Settle an order's invoice with the order's captured payments, each payment's part
    not yet applied to another invoice of the order, up to its amount payable (rounding
    amount included). The last invoice of the order takes all that is left of the
    payment."""
    if invoice.order_id is None:
        return []
    order = orders.get_order(session, invoice.order_id)
    nothing_left = not _to_invoice(session, order, "payment", None)
    settled = []
    for payment in orders.payments_of(session, order.id):
        if payment.status not in ("captured", "refunded"):
            continue
        applied = session.scalar(
            select(func.coalesce(func.sum(Settlement.amount_minor), 0)).where(
                Settlement.source_type == "payment", Settlement.source_id == payment.id
            )
        )
        left = payment.amount_minor - int(applied or 0)
        due = amount_due(invoice)
        if left <= 0 or due <= 0:
            continue
        paid_on = (order.paid_at.astimezone(SHOP_ZONE).date()) if order.paid_at else today()
        settled.append(
            settle(
                session,
                invoice.id,
                amount_minor=left if nothing_left else min(left, due),
                settled_on=max(paid_on, invoice.issue_date or paid_on),
                method=settlement_method(payment.provider),
                reference=payment.reference,
                source_type="payment",
                source_id=payment.id,
            )
        )
    return settled
