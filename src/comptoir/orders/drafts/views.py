"""The API shapes of drafts, built from the rows."""

from __future__ import annotations

from sqlalchemy.orm import Session

from comptoir.customers import service as customers
from comptoir.kit.money import Money, MoneyOut
from comptoir.orders.drafts import schemas
from comptoir.orders.drafts.models import DraftLine, DraftOrder
from comptoir.orders.drafts.pricing import rate_totals
from comptoir.orders.drafts.service import address_of
from comptoir.orders.schemas import TaxTotalOut, rate_text
from comptoir.orders.service.orders import get_order


def _money(minor: int, currency: str) -> MoneyOut:
    return MoneyOut.from_money(Money.from_minor(minor, currency))


def customer_name(session: Session, draft: DraftOrder) -> str:
    return customers.display_name(customers.get_customer(session, draft.customer_id))


def draft_summary(session: Session, draft: DraftOrder) -> schemas.DraftSummary:
    return schemas.DraftSummary(
        id=draft.id,
        number=draft.number,
        status=draft.status,
        quote_number=draft.quote_number,
        channel_id=draft.channel_id,
        customer_id=draft.customer_id,
        customer_name=customer_name(session, draft),
        total_gross=_money(draft.total_gross_minor, draft.currency),
        quote_expires_at=draft.quote_expires_at,
        order_id=draft.order_id,
        created_at=draft.created_at,
    )


def _line_out(line: DraftLine, currency: str) -> schemas.DraftLineOut:
    return schemas.DraftLineOut(
        id=line.id,
        position=line.position,
        variant_id=line.variant_id,
        sku=line.sku,
        title=line.title,
        quantity=line.quantity,
        list_price=_money(line.list_price_minor, currency),
        agreed_price=(
            None if line.agreed_price_minor is None else _money(line.agreed_price_minor, currency)
        ),
        price_reason=line.price_reason,
        unit_price=_money(line.unit_price_minor, currency),
        unit_price_excl_tax=_money(line.unit_price_excl_minor, currency),
        unit_price_incl_tax=_money(line.unit_price_incl_minor, currency),
        vat_rate=rate_text(line.vat_rate),
        vat_category=line.vat_category,
        total=_money(line.total_minor, currency),
    )


def draft_out(session: Session, draft: DraftOrder) -> schemas.DraftOut:
    """The draft with its lines, VAT per rate and, once confirmed, its order's number."""
    currency = draft.currency
    summary = draft_summary(session, draft)
    return schemas.DraftOut(
        **summary.model_dump(),
        currency=currency,
        prices_include_tax=draft.prices_include_tax,
        destination_country=draft.destination_country,
        delivery_method=draft.delivery_method,
        vat_number=draft.vat_number,
        vat_scheme=draft.vat_scheme,
        billing_address=address_of(draft.billing_address),
        shipping_address=address_of(draft.shipping_address),
        payment_method=draft.payment_method,
        payment_terms_days=draft.payment_terms_days,
        note=draft.note,
        lines=[_line_out(line, currency) for line in draft.lines],
        tax_totals=[
            TaxTotalOut(
                category=total.category,
                rate=rate_text(total.rate),
                base=MoneyOut.from_money(total.base),
                tax=MoneyOut.from_money(total.tax),
            )
            for total in rate_totals(draft)
        ],
        total_net=_money(draft.total_net_minor, currency),
        total_tax=_money(draft.total_tax_minor, currency),
        created_by=draft.created_by,
        quote_sent_at=draft.quote_sent_at,
        accepted_at=draft.accepted_at,
        declined_at=draft.declined_at,
        decline_reason=draft.decline_reason,
        confirmed_at=draft.confirmed_at,
        order_number=get_order(session, draft.order_id).number if draft.order_id else None,
    )
