"""Importing marketplace orders: each one placed like a checkout (lines by SKU, stock
allocated from the channel's locations, VAT by destination, a number, ``order.placed`` and
``order.paid``), once per channel and marketplace order id, or not at all."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Final

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from comptoir.catalog import service as catalog
from comptoir.channels import service as channels
from comptoir.channels.schemas import ChannelOut
from comptoir.customers import service as customers
from comptoir.inventory import service as inventory
from comptoir.inventory.schemas import ReservationLine
from comptoir.kit import clock
from comptoir.kit.errors import DomainError, InvalidInput
from comptoir.kit.http.validation import FieldIssue
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.ids import uuid7
from comptoir.kit.money import Money
from comptoir.orders.delivery.fees import fee_rate
from comptoir.orders.delivery.models import OrderDelivery
from comptoir.orders.errors import NoVatRate
from comptoir.orders.marketplace.errors import (
    MarketplaceAmountInvalid,
    NotAMarketplace,
    UnknownSku,
)
from comptoir.orders.marketplace.schemas import MarketplaceOrder
from comptoir.orders.models import Order, Payment
from comptoir.orders.service.checkout import address_text, emit_placed, order_rows
from comptoir.orders.service.orders import (
    emit_paid,
    inventory_reference,
    next_number,
    record_event,
)
from comptoir.orders.service.pricing import PricedCart, PricedLine, line_rate
from comptoir.orders.vat import TaxedAmount, VatTreatment, totals_per_rate, vat_treatment

PROVIDER: Final = "marketplace"
# A marketplace's clock may run a little ahead of ours; an order further ahead is an error.
CLOCK_TOLERANCE: Final = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class UnreadableOrder:
    """An order of a file that could not even be read as a :class:`MarketplaceOrder`."""

    marketplace_order_id: str
    error: DomainError


@dataclass(frozen=True, slots=True)
class ImportedOrder:
    index: int
    marketplace_order_id: str
    order: Order


@dataclass(frozen=True, slots=True)
class RejectedOrder:
    index: int
    marketplace_order_id: str
    error: DomainError


@dataclass(slots=True)
class ImportOutcome:
    """What became of each order of a batch, by its position in the batch."""

    channel: ChannelOut
    created: list[ImportedOrder] = field(default_factory=list)
    duplicates: list[ImportedOrder] = field(default_factory=list)
    rejected: list[RejectedOrder] = field(default_factory=list)


def marketplace_channel(session: Session, channel_id: uuid.UUID) -> ChannelOut:
    """The channel, if it is a marketplace. Raises ``ChannelNotFound`` and
    :class:`NotAMarketplace` (``channel_id``)."""
    channel = channels.get_channel(session, channel_id)
    if channel.kind != "marketplace":
        raise NotAMarketplace(
            _l("The channel {code} is not a marketplace."), field="channel_id", code=channel.code
        )
    return channel


def find_imported(
    session: Session, channel_id: uuid.UUID, marketplace_order_id: str
) -> Order | None:
    """The order imported on this channel under this marketplace order id, if any."""
    return session.scalar(
        select(Order).where(
            Order.channel_id == channel_id, Order.external_reference == marketplace_order_id
        )
    )


def import_orders(
    session: Session,
    channel_id: uuid.UUID,
    orders: Sequence[MarketplaceOrder | UnreadableOrder],
    *,
    actor: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportOutcome:
    """Import a batch of the channel's marketplace orders, each alone.

    Guarantees: each order is imported in its own savepoint of the caller's transaction, so
    a rejected one leaves nothing behind (no order, allocation, customer, event) while the
    others are kept. An order already imported on the channel (same marketplace order id),
    earlier in the batch or by another transaction even at the same moment (the unique
    (channel, external reference) decides), is reported as a duplicate and not placed again.

    Raises ``ChannelNotFound`` and :class:`NotAMarketplace` for the channel; an order's own
    errors are reported in the outcome, never raised.
    """
    outcome = ImportOutcome(channel=marketplace_channel(session, channel_id))
    for index, data in enumerate(orders):
        reference = data.marketplace_order_id
        if isinstance(data, UnreadableOrder):
            outcome.rejected.append(RejectedOrder(index, reference, data.error))
        elif (existing := find_imported(session, channel_id, reference)) is not None:
            outcome.duplicates.append(ImportedOrder(index, reference, existing))
        else:
            _import_alone(session, outcome, index, data, actor=actor)
        if progress is not None:
            progress(index + 1, len(orders))
    return outcome


def _import_alone(
    session: Session,
    outcome: ImportOutcome,
    index: int,
    data: MarketplaceOrder,
    *,
    actor: str | None,
) -> None:
    reference = data.marketplace_order_id
    try:
        with session.begin_nested():
            order = import_order(session, outcome.channel, data, actor=actor)
    except (DomainError, IntegrityError) as error:
        # Another transaction may have imported it meanwhile: then that is the reason.
        existing = find_imported(session, outcome.channel.id, reference)
        if existing is not None:
            outcome.duplicates.append(ImportedOrder(index, reference, existing))
        elif isinstance(error, DomainError):
            outcome.rejected.append(RejectedOrder(index, reference, error))
        else:
            raise
    else:
        outcome.created.append(ImportedOrder(index, reference, order))


def import_order(
    session: Session, channel: ChannelOut, data: MarketplaceOrder, *, actor: str | None = None
) -> Order:
    """Place one marketplace order on ``channel`` in the caller's transaction.

    Its lines are found by SKU and priced as the marketplace sold them (VAT included, VAT
    by destination, computed per rate like a checkout); the stock is allocated from the
    channel's locations; the buyer is resolved to the customer seen on the other channels;
    the payment is recorded as the marketplace's, captured when it collected it. Emits
    ``order.placed`` and, when paid, ``order.paid``.

    Raises :class:`MarketplaceAmountInvalid`, :class:`UnknownSku` (``lines.<n>.sku``),
    ``NoVatRate``, ``InsufficientStock`` (``lines.<n>.quantity``), ``InvalidCustomer``
    (``buyer.*``) and ``IntegrityError`` when the order was imported meanwhile; the caller
    rolls back (a savepoint is enough).
    """
    _check_amounts(channel, data)
    treatment = vat_treatment(data.shipping_address.country)
    priced, backorders = _price(session, data, treatment)
    customer_id = _resolve_buyer(session, data)
    order = Order(
        channel_id=channel.id,
        status="pending_payment",
        external_reference=data.marketplace_order_id,
        customer_id=customer_id,
        currency=channel.currency,
        prices_include_tax=True,
        destination_country=data.shipping_address.country,
        delivery_method="shipping",
        vat_scheme=treatment.scheme,
        discount_minor=0,
        total_net_minor=priced.net.minor_units,
        total_tax_minor=priced.tax.minor_units,
        total_gross_minor=priced.gross.minor_units,
        placed_at=data.placed_at,
    )
    order.subject_id = customer_id or order.id
    allocations = _allocate(session, channel.id, priced.lines, order.id, backorders)
    order.number = next_number(session, channel.code, clock.now())
    order.email = data.buyer.email
    order.phone = data.buyer.phone
    order.billing_address = address_text(data.billing_address or data.shipping_address)
    order.shipping_address = address_text(data.shipping_address)
    order_rows(order, priced, allocations)
    session.add(order)
    record_event(
        session,
        order,
        "placed",
        to_status="pending_payment",
        actor=actor,
        note=f"{channel.name}: {data.marketplace_order_id}",
        details={"marketplace_order_id": data.marketplace_order_id},
    )
    session.flush()
    if data.shipping_fee_minor:
        session.add(_delivery(order, channel, data, treatment))
    emit_placed(session, order)
    _record_payment(session, order, channel, data, actor=actor)
    session.flush()
    return order


def _check_amounts(channel: ChannelOut, data: MarketplaceOrder) -> None:
    issues: list[FieldIssue] = []
    if data.currency != channel.currency:
        issues.append(
            FieldIssue(
                "currency",
                _l("The order is in {currency}; this channel sells in {expected}."),
                {"currency": data.currency, "expected": channel.currency},
            )
        )
    for n, line in enumerate(data.lines):
        if line.quantity < 1:
            issues.append(FieldIssue(f"lines.{n}.quantity", _l("The quantity must be at least 1.")))
        if line.unit_price_minor < 0:
            issues.append(
                FieldIssue(f"lines.{n}.unit_price_minor", _l("A price cannot be negative."))
            )
    if data.shipping_fee_minor < 0:
        issues.append(FieldIssue("shipping_fee_minor", _l("A price cannot be negative.")))
    expected = data.shipping_fee_minor + sum(
        line.quantity * line.unit_price_minor for line in data.lines
    )
    if not issues and data.total_minor is not None and data.total_minor != expected:
        issues.append(
            FieldIssue(
                "total_minor",
                _l("The total {total} is not the lines plus the shipping fee, {expected}."),
                {
                    "total": str(Money.from_minor(data.total_minor, channel.currency)),
                    "expected": str(Money.from_minor(expected, channel.currency)),
                },
            )
        )
    if issues:
        first = issues[0]
        raise MarketplaceAmountInvalid(first.message, issues=issues, **first.params)
    if data.placed_at > clock.now() + CLOCK_TOLERANCE:
        raise InvalidInput(
            _l("The order cannot have been placed in the future."), field="placed_at"
        )


def _price(
    session: Session, data: MarketplaceOrder, treatment: VatTreatment
) -> tuple[PricedCart, dict[uuid.UUID, bool]]:
    """The order's lines and delivery fee as the marketplace charged them (VAT included),
    with VAT per rate, and whether each variant may be sold without stock."""
    currency = data.currency
    on = data.placed_at.date()
    lines: list[PricedLine] = []
    backorders: dict[uuid.UUID, bool] = {}
    taxed: list[TaxedAmount] = []
    for n, line in enumerate(data.lines):
        found = catalog.find_variant_by_sku(session, line.sku)
        if found is None:
            raise UnknownSku(
                _l("No product has the SKU {sku}."), field=f"lines.{n}.sku", sku=line.sku
            )
        variant = catalog.get_variant(session, found.id)
        try:
            _home, rate = line_rate(session, variant.product.tax_class_id, treatment, on)
        except NoVatRate as error:
            error.field = (
                f"lines.{n}.sku" if error.field == "variant_id" else "shipping_address.country"
            )
            raise
        unit = Money.from_minor(line.unit_price_minor, currency)
        total = unit * line.quantity
        lines.append(
            PricedLine(
                line_id=uuid7(),
                variant_id=found.id,
                sku=found.sku,
                title=found.product_title + (f" — {found.title}" if found.title else ""),
                quantity=line.quantity,
                unit_price=unit,
                unit_excl=unit.excluding_percent(rate).round(),
                unit_incl=unit,
                subtotal=total,
                discount=Money.zero(currency),
                total=total,
                rate=rate,
                category=treatment.category,
                promotion_ids=(),
            )
        )
        taxed.append(TaxedAmount(total, rate, treatment.category))
        backorders[found.id] = found.allows_backorder
    if data.shipping_fee_minor:
        _home, rate = fee_rate(treatment, on)
        fee = Money.from_minor(data.shipping_fee_minor, currency)
        taxed.append(TaxedAmount(fee, rate, treatment.category))
    priced = PricedCart(
        currency=currency,
        prices_include_tax=True,
        treatment=treatment,
        lines=lines,
        rate_totals=totals_per_rate(taxed, prices_include_tax=True, currency=currency),
        accepted_coupons=[],
        refused_coupons=[],
    )
    return priced, backorders


def _resolve_buyer(session: Session, data: MarketplaceOrder) -> uuid.UUID | None:
    """The customer behind the buyer's e-mail or phone (made if new); none without either."""
    buyer = data.buyer
    if not buyer.email and not buyer.phone:
        return None
    try:
        resolved = customers.resolve_customer(
            session,
            email=buyer.email,
            phone=buyer.phone,
            first_name=buyer.first_name,
            last_name=buyer.last_name,
            source="marketplace",
        )
    except customers.InvalidCustomer as error:
        issues = [dataclasses.replace(i, field=f"buyer.{i.field}") for i in error.issues]
        raise customers.InvalidCustomer(error.message, issues=issues, **error.params) from None
    return resolved.customer.id


def _allocate(
    session: Session,
    channel_id: uuid.UUID,
    lines: Sequence[PricedLine],
    order_id: uuid.UUID,
    backorders: dict[uuid.UUID, bool],
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """Allocate each line at the channel's location with the most units available (as a
    checkout whose holds have expired does): (location id, reservation id) per line.

    Raises ``InsufficientStock`` (``lines.<n>.quantity``) when no location has enough and
    the variant takes no backorders; the reservations themselves are guarded updates, so
    a concurrent sale of the same units fails one of the two, never both succeed.
    """
    available = inventory.available_by_location(
        session, variant_ids=list({line.variant_id for line in lines}), channel_id=channel_id
    )
    fallback = [
        link.location_id
        for link in inventory.list_channel_locations(session, channel_id=channel_id)
    ]
    wanted = []
    for n, line in enumerate(lines):
        here = available[line.variant_id]
        best = sorted(here.items(), key=lambda item: (-item[1], item[0]))
        most = best[0][1] if best else 0
        if most < line.quantity and not (backorders[line.variant_id] and (best or fallback)):
            raise inventory.InsufficientStock(
                _l("{sku}: {quantity} units ordered, at most {available} available at one "
                   "location of this channel."),
                field=f"lines.{n}.quantity",
                sku=line.sku,
                quantity=line.quantity,
                available=most,
            )  # fmt: skip
        location_id = best[0][0] if best else fallback[0]
        # A second line of the same variant must not count the units the first one takes.
        here[location_id] = here.get(location_id, 0) - line.quantity
        wanted.append(
            ReservationLine(
                variant_id=line.variant_id, location_id=location_id, quantity=line.quantity
            )
        )
    reservations = inventory.reserve_lines(
        session, lines=wanted, expires_at=None, reference=inventory_reference(order_id)
    )
    return [(r.location_id, r.id) for r in reservations]


def _delivery(
    order: Order, channel: ChannelOut, data: MarketplaceOrder, treatment: VatTreatment
) -> OrderDelivery:
    """The marketplace's delivery as the order keeps it: its fee, at the fee's VAT rate."""
    _home, rate = fee_rate(treatment, data.placed_at.date())
    fee = Money.from_minor(data.shipping_fee_minor, order.currency)
    return OrderDelivery(
        order_id=order.id,
        carrier_code=PROVIDER,
        carrier_name=channel.name[:200],
        kind="home",
        fee_excl_minor=fee.excluding_percent(rate).minor_units,
        fee_incl_minor=fee.minor_units,
        vat_rate=rate,
        vat_category=treatment.category,
    )


def _payment_reference(order: Order, channel: ChannelOut) -> str:
    reference = f"{channel.code}:{order.external_reference}"
    return reference if len(reference) <= 100 else order.number


def _record_payment(
    session: Session,
    order: Order,
    channel: ChannelOut,
    data: MarketplaceOrder,
    *,
    actor: str | None,
) -> Payment:
    """The marketplace's payment: captured when it collected the buyer's money (the order
    is then paid, ``order.paid`` emitted), else pending until staff confirm it."""
    payment = Payment(
        order_id=order.id,
        provider=PROVIDER,
        status="captured" if data.paid_by_marketplace else "pending",
        amount_minor=order.total_gross_minor,
        currency=order.currency,
        reference=_payment_reference(order, channel),
    )
    session.add(payment)
    if data.paid_by_marketplace:
        order.paid_at = data.placed_at
        record_event(session, order, "paid", to_status="paid", actor=actor)
        session.flush()
        emit_paid(session, order, payment)
    return payment
