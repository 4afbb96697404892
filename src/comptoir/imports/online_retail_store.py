"""Writing an Online Retail :class:`HistoryPlan` into the catalogue, the customers and the
orders, in bulk.

The rows are written through the modules' models with Core ``INSERT`` statements of many
rows each, not through their services, for speed (the services flush one row at a time and
emit events). What the services guarantee is kept by hand:

* a product has its one variant; a SKU is never created twice (existing SKUs are looked up
  first and left as they are);
* a customer's personal field (its pseudonymous name) is encrypted under its own data key:
  customers are added through the ORM so that the encryption hooks seal it; its country is a
  default address holding only the country;
* an order's totals equal the sum of its lines (after their share of the order's discount)
  plus its delivery fee, and its VAT totals; a guest order is its own data subject;
* nothing is added when its natural key exists: the SKU, the customer id derived from the
  file's ``CustomerID``, the order number ``online-retail:<InvoiceNo>``, the return number
  ``online-retail:<C invoice>/<InvoiceNo>``.

Returns go through :func:`comptoir.orders.returns.service.record_settled_return`, one by one
(a few thousand), which checks them against the orders' lines.

History is the past: no events are emitted (no e-mail, no invoice, no automation runs for a
sale of 2011) and no stock moves.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Final, TypeVar, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from comptoir.catalog.models import Product, ProductAttribute, Variant
from comptoir.channels import service as channels
from comptoir.channels.schemas import ChannelCreate
from comptoir.customers.models import Address, Customer
from comptoir.imports.online_retail import (
    CURRENCY,
    SOURCE,
    CustomerPlan,
    HistoryPlan,
    LineKind,
    OrderPlan,
    ProductPlan,
    ReturnPlan,
    customer_id_for,
)
from comptoir.kit import clock
from comptoir.kit.ids import uuid7
from comptoir.orders.delivery.models import OrderDelivery
from comptoir.orders.models import Order, OrderLine, OrderTaxTotal
from comptoir.orders.returns import service as returns_service
from comptoir.orders.returns.models import Return

CHANNEL_CODE: Final = SOURCE
CHANNEL_NAME: Final = "Online Retail"
HOME_COUNTRY: Final = "GB"
# The file states no VAT: lines keep the prices it gives, under UNTDID 5305 category "O".
VAT_CATEGORY: Final = "O"
VAT_RATE: Final = Decimal("0")
LINE_KIND_ATTRIBUTE: Final = "line_kind"
# The file's sales left long ago: they are history, delivered and paid.
ORDER_STATUS: Final = "delivered"
CARRIERS: Final = {"POST": "Postage", "DOT": "Dotcom postage", "C2": "Carriage"}
RETURN_COMMENT: Final = "imported cancellation"
BATCH: Final = 5_000
LOOKUP_BATCH: Final = 900
CUSTOMER_BATCH: Final = 500

Progress = Callable[[int, int], None]
Advance = Callable[[int], None]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Added:
    """What one run wrote (or, in a dry run, would write)."""

    products: int
    customers: int
    orders: int
    returns: int
    lines: int  # order lines


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _existing(
    session: Session, column: InstrumentedAttribute[Any], keys: Sequence[Any]
) -> set[Any]:
    found: set[Any] = set()
    for chunk in chunks(keys, LOOKUP_BATCH):
        found.update(session.scalars(select(column).where(column.in_(chunk))))
    return found


def _insert(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> None:
    table = cast(Table, model.__table__)
    for chunk in chunks(rows, BATCH):
        session.execute(insert(table), list(chunk))


def store_history(
    session: Session,
    plan: HistoryPlan,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> Added:
    """Write what of ``plan`` is not there yet, in the caller's transaction (never commits).

    With ``dry_run`` nothing is written and the counts say what would have been added.
    Raises :class:`~comptoir.channels.errors.ChannelCodeTaken` only in a race with another
    import creating the channel.
    """
    total = len(plan.products) + len(plan.customers) + plan.order_lines + len(plan.returns)
    done = 0

    def advance(steps: int) -> None:
        nonlocal done
        done += steps
        if progress is not None:
            progress(done, total)

    variants = _store_products(session, plan.products, dry_run=dry_run)
    advance(len(plan.products))
    customers = _store_customers(session, plan.customers, dry_run=dry_run, advance=advance)
    orders, lines = _store_orders(session, plan.orders, variants, dry_run=dry_run, advance=advance)
    returns = _store_returns(session, plan.returns, dry_run=dry_run, advance=advance)
    return Added(
        products=variants.added, customers=customers, orders=orders, returns=returns, lines=lines
    )


@dataclass(slots=True)
class _Variants:
    ids: dict[str, uuid.UUID]
    added: int


def _store_products(session: Session, products: list[ProductPlan], *, dry_run: bool) -> _Variants:
    skus = [product.sku for product in products]
    ids: dict[str, uuid.UUID] = {}
    for chunk in chunks(skus, LOOKUP_BATCH):
        rows = session.execute(select(Variant.sku, Variant.id).where(Variant.sku.in_(chunk)))
        ids.update(dict(rows.all()))
    new = [product for product in products if product.sku not in ids]
    if dry_run:
        return _Variants(ids=ids, added=len(new))
    now = clock.now()
    product_rows: list[dict[str, Any]] = []
    variant_rows: list[dict[str, Any]] = []
    attribute_rows: list[dict[str, Any]] = []
    for product in new:
        product_id, variant_id = uuid7(), uuid7()
        ids[product.sku] = variant_id
        product_rows.append(
            {
                "id": product_id,
                "handle": handle_for(product.sku),
                "title": product.title,
                "description": "",
                # A fee or an adjustment is not for sale on its own: archived, never stocked.
                "status": "active" if product.kind is LineKind.GOODS else "archived",
                "option_names": [],
                "revision": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
        variant_rows.append(
            {
                "id": variant_id,
                "product_id": product_id,
                "sku": product.sku,
                "title": "",
                "option_values": {},
                "position": 0,
                "cost_value_minor": 0,
                "cost_quantity": 0,
                "allows_backorder": False,
                "is_active": product.kind is LineKind.GOODS,
                "created_at": now,
                "updated_at": now,
            }
        )
        if product.kind is not LineKind.GOODS:
            attribute_rows.append(
                {
                    "id": uuid7(),
                    "product_id": product_id,
                    "key": LINE_KIND_ATTRIBUTE,
                    "kind": "text",
                    "value": product.kind.value,
                    "created_at": now,
                    "updated_at": now,
                }
            )
    _insert(session, Product, product_rows)
    _insert(session, Variant, variant_rows)
    _insert(session, ProductAttribute, attribute_rows)
    return _Variants(ids=ids, added=len(new))


def handle_for(sku: str) -> str:
    """The product handle of a stock code. Handles are lower case while stock codes are not
    (``85123A`` and ``85123a`` are two items): a code with lower-case letters gets a suffix."""
    base = "".join(char if char.isalnum() else "-" for char in sku.lower()).strip("-")
    suffix = "-lc" if any(char.islower() for char in sku) else ""
    return f"{SOURCE}-{base}{suffix}"


def _store_customers(
    session: Session, customers: list[CustomerPlan], *, dry_run: bool, advance: Advance
) -> int:
    by_id = {customer.customer_id: customer for customer in customers}
    existing = _existing(session, Customer.id, list(by_id))
    new = [customer for customer_id, customer in by_id.items() if customer_id not in existing]
    if dry_run:
        advance(len(customers))
        return len(new)
    advance(len(existing))
    for chunk in chunks(new, CUSTOMER_BATCH):
        # Through the ORM: the encryption hooks seal the name under the customer's data key.
        for plan in chunk:
            session.add(
                Customer(
                    id=plan.customer_id,
                    kind="person",
                    status="active",
                    language="en",
                    source="import",
                    last_name=f"Customer {plan.external_id}",
                )
            )
        session.flush()
        session.add_all(
            Address(
                customer_id=plan.customer_id,
                country=plan.country,
                is_default_shipping=True,
                is_default_billing=True,
            )
            for plan in chunk
        )
        session.flush()
        advance(len(chunk))
    return len(new)


def _channel_id(session: Session) -> uuid.UUID:
    channel = channels.channel_by_code(session, CHANNEL_CODE)
    if channel is None:
        channel = channels.create_channel(
            session,
            ChannelCreate(code=CHANNEL_CODE, name=CHANNEL_NAME, kind="web", currency=CURRENCY),
        )
    return channel.id


def _store_orders(
    session: Session,
    orders: list[OrderPlan],
    variants: _Variants,
    *,
    dry_run: bool,
    advance: Advance,
) -> tuple[int, int]:
    existing = _existing(session, Order.number, [order.number for order in orders])
    new = [order for order in orders if order.number not in existing]
    advance(sum(len(order.lines) for order in orders if order.number in existing))
    lines = sum(len(order.lines) for order in new)
    if dry_run:
        advance(lines)
        return len(new), lines
    channel_id = _channel_id(session)
    titles = _titles(session, variants.ids.values())
    for chunk in chunks(new, BATCH // 10):
        rows = _order_rows(chunk, channel_id, variants.ids, titles)
        _insert(session, Order, rows.orders)
        _insert(session, OrderLine, rows.lines)
        _insert(session, OrderTaxTotal, rows.taxes)
        _insert(session, OrderDelivery, rows.deliveries)
        advance(len(rows.lines))
    return len(new), lines


def _store_returns(
    session: Session, plans: list[ReturnPlan], *, dry_run: bool, advance: Advance
) -> int:
    """Each cancellation's return of an order, recorded as settled at the cancellation's
    time with what it refunded."""
    existing = _existing(session, Return.number, [rma.number for rma in plans])
    new = [rma for rma in plans if rma.number not in existing]
    advance(len(plans) - len(new))
    if dry_run:
        advance(len(new))
        return len(new)
    for chunk in chunks(new, LOOKUP_BATCH):
        numbers = list({rma.order.number for rma in chunk})
        rows = session.execute(
            select(Order.number, Order.id, OrderLine.position, OrderLine.id)
            .join(OrderLine, OrderLine.order_id == Order.id)
            .where(Order.number.in_(numbers))
        )
        orders: dict[str, uuid.UUID] = {}
        lines: dict[tuple[str, int], uuid.UUID] = {}
        for number, order_id, position, line_id in rows:
            orders[number] = order_id
            lines[number, position] = line_id
        for rma in chunk:
            number = rma.order.number
            returns_service.record_settled_return(
                session,
                orders[number],
                [
                    returns_service.SettledLine(
                        line_id=lines[number, line.position],
                        quantity=line.quantity,
                        refund_minor=line.refund_minor,
                        comment=RETURN_COMMENT,
                    )
                    for line in rma.lines.values()
                ],
                number=rma.number,
                settled_at=rma.returned_at,
                refund_minor=rma.refund_minor,
                reference=rma.cancellation,
                note=f"{RETURN_COMMENT} {rma.cancellation}",
            )
        advance(len(chunk))
    return len(new)


def _titles(session: Session, variant_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    titles: dict[uuid.UUID, str] = {}
    for chunk in chunks(list(variant_ids), LOOKUP_BATCH):
        rows = session.execute(
            select(Variant.id, Product.title)
            .join(Product, Product.id == Variant.product_id)
            .where(Variant.id.in_(chunk))
        )
        titles.update(dict(rows.all()))
    return titles


@dataclass(slots=True)
class _Rows:
    orders: list[dict[str, Any]]
    lines: list[dict[str, Any]]
    taxes: list[dict[str, Any]]
    deliveries: list[dict[str, Any]]


def _order_rows(
    orders: Iterable[OrderPlan],
    channel_id: uuid.UUID,
    variant_ids: dict[str, uuid.UUID],
    titles: dict[uuid.UUID, str],
) -> _Rows:
    now = clock.now()
    rows = _Rows(orders=[], lines=[], taxes=[], deliveries=[])
    for order in orders:
        order_id = uuid7()
        customer_id = None if order.customer is None else customer_id_for(order.customer)
        total = order.total_minor
        rows.orders.append(
            {
                "id": order_id,
                "number": order.number,
                "channel_id": channel_id,
                "status": ORDER_STATUS,
                "customer_id": customer_id,
                # A guest order is its own data subject.
                "subject_id": customer_id or order_id,
                "currency": CURRENCY,
                "prices_include_tax": True,
                "destination_country": order.country,
                "delivery_method": "shipping",
                "vat_scheme": "domestic" if order.country == HOME_COUNTRY else "export",
                "coupon_codes": [],
                "discount_minor": order.discount_minor,
                "total_net_minor": total,
                "total_tax_minor": 0,
                "total_gross_minor": total,
                "placed_at": order.placed_at,
                "paid_at": order.placed_at,
                "cancelled_at": None,
                "created_at": now,
                "updated_at": now,
            }
        )
        for position, line in enumerate(order.lines, start=1):
            variant_id = variant_ids[line.sku]
            rows.lines.append(
                {
                    "id": uuid7(),
                    "order_id": order_id,
                    "position": position,
                    "variant_id": variant_id,
                    "sku": line.sku,
                    "title": titles[variant_id],
                    "quantity": line.quantity,
                    "cancelled_quantity": 0,
                    "unit_price_excl_minor": line.unit_price_minor,
                    "unit_price_incl_minor": line.unit_price_minor,
                    "vat_rate": VAT_RATE,
                    "vat_category": VAT_CATEGORY,
                    "discount_minor": line.discount_minor,
                    "total_minor": line.total_minor,
                    "promotion_ids": [],
                    "created_at": now,
                    "updated_at": now,
                }
            )
        rows.taxes.append(
            {
                "id": uuid7(),
                "order_id": order_id,
                "category": VAT_CATEGORY,
                "rate": VAT_RATE,
                "base_minor": total,
                "tax_minor": 0,
            }
        )
        if order.shipping is not None:
            rows.deliveries.append(
                _delivery_row(order_id, order.shipping.code, order.shipping.fee_minor, now)
            )
    return rows


def _delivery_row(order_id: uuid.UUID, code: str, fee: int, now: datetime) -> dict[str, Any]:
    """The order's delivery: the file's postage code as the carrier, its fee as charged."""
    return {
        "id": uuid7(),
        "order_id": order_id,
        "carrier_code": f"{SOURCE}-{code.lower()}",
        "carrier_name": CARRIERS.get(code, code),
        "kind": "home",
        "location_id": None,
        "pickup_point_id": None,
        "pickup_point_label": None,
        "fee_excl_minor": fee,
        "fee_incl_minor": fee,
        "vat_rate": VAT_RATE,
        "vat_category": VAT_CATEGORY,
        "weight_grams": 0,
        "estimated_on": None,
        "created_at": now,
        "updated_at": now,
    }
