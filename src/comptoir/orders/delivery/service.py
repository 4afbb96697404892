"""Delivery options: carriers and rate tables (staff), the options a cart can use, the one
it chose, and the delivery an order keeps. Every function works in the caller's transaction
and never commits."""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from comptoir.inventory import service as inventory
from comptoir.kit import clock
from comptoir.kit.errors import NotFound
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.money import Money
from comptoir.orders.delivery.errors import (
    CarrierCodeTaken,
    CarrierNotFound,
    DeliveryOptionUnavailable,
)
from comptoir.orders.delivery.fees import DeliveryFee, cart_weight, quote_fee
from comptoir.orders.delivery.models import (
    Carrier,
    CarrierRate,
    CarrierZone,
    CartDelivery,
    OrderDelivery,
)
from comptoir.orders.delivery.schemas import CarrierIn, PickupPoint
from comptoir.orders.models import Cart, Order
from comptoir.orders.service.pricing import PricedCart, price_cart

COLLECT_PREFIX = "click-collect"

# -- carriers (staff) ----------------------------------------------------------------------


def list_carriers(session: Session, *, active_only: bool = False) -> list[Carrier]:
    """Carriers by code."""
    stmt = select(Carrier).order_by(Carrier.code)
    if active_only:
        stmt = stmt.where(Carrier.is_active.is_(True))
    return list(session.scalars(stmt))


def get_carrier(session: Session, carrier_id: uuid.UUID) -> Carrier:
    """The carrier; raises :class:`CarrierNotFound`."""
    carrier = session.get(Carrier, carrier_id)
    if carrier is None:
        raise CarrierNotFound()
    return carrier


def _check_code(session: Session, code: str, carrier_id: uuid.UUID | None) -> None:
    other = session.scalar(select(Carrier).where(Carrier.code == code))
    if other is not None and other.id != carrier_id:
        raise CarrierCodeTaken(field="code")


def _check_table(data: CarrierIn) -> None:
    seen: set[str] = set()
    for n, zone in enumerate(data.zones):
        if zone.code in seen:
            raise CarrierCodeTaken(
                _l("Two zones have the code {code}."), field=f"zones.{n}.code", code=zone.code
            )
        seen.add(zone.code)
        bands = [(rate.currency, rate.max_weight_grams) for rate in zone.rates]
        if len(bands) != len(set(bands)):
            raise DeliveryOptionUnavailable(
                _l("Two weight bands of this zone end at the same weight."),
                field=f"zones.{n}.rates",
            )


def _fill(carrier: Carrier, data: CarrierIn) -> None:
    carrier.code = data.code
    carrier.name = data.name
    carrier.kind = data.kind
    carrier.is_active = data.is_active
    carrier.transit_days = data.transit_days
    carrier.transfer_lead_days = data.transfer_lead_days
    carrier.free_from_minor = data.free_from_minor
    carrier.zones = [
        CarrierZone(
            code=zone.code,
            name=zone.name,
            countries=sorted(set(zone.countries)),
            rates=[
                CarrierRate(
                    max_weight_grams=rate.max_weight_grams,
                    price_minor=rate.price_minor,
                    currency=rate.currency,
                )
                for rate in zone.rates
            ],
        )
        for zone in data.zones
    ]


def create_carrier(session: Session, data: CarrierIn) -> Carrier:
    """A carrier with its rate table. Raises :class:`CarrierCodeTaken` (``code``, or
    ``zones.<n>.code``) and :class:`DeliveryOptionUnavailable` for two bands ending at one
    weight."""
    _check_code(session, data.code, None)
    _check_table(data)
    carrier = Carrier()
    _fill(carrier, data)
    session.add(carrier)
    session.flush()
    return carrier


def replace_carrier(session: Session, carrier_id: uuid.UUID, data: CarrierIn) -> Carrier:
    """Replace a carrier and its whole rate table. Raises as :func:`create_carrier` and
    :class:`CarrierNotFound`."""
    carrier = get_carrier(session, carrier_id)
    _check_code(session, data.code, carrier.id)
    _check_table(data)
    session.execute(delete(CarrierZone).where(CarrierZone.carrier_id == carrier.id))
    session.expire(carrier, ["zones"])
    _fill(carrier, data)
    session.flush()
    return carrier


# -- options -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeliveryOption:
    """One way a cart can be delivered, priced, with its estimated date."""

    id: str
    carrier: Carrier
    fee: DeliveryFee
    estimated_on: date
    ships_from: str | None
    location_id: uuid.UUID | None = None
    location_name: str | None = None


def units_wanted(cart: Cart) -> dict[uuid.UUID, int]:
    """Units the cart wants per variant."""
    wanted: dict[uuid.UUID, int] = {}
    for line in cart.lines:
        wanted[line.variant_id] = wanted.get(line.variant_id, 0) + line.quantity
    return wanted


def stock_by_location(session: Session, cart: Cart) -> dict[uuid.UUID, dict[uuid.UUID, int]]:
    """Units available per variant and selling location of the cart's channel: what the
    channel may still sell there plus what the cart's own active holds keep there (a
    backordered hold adds nothing)."""
    variants = [line.variant_id for line in cart.lines]
    by_location = inventory.available_by_location(
        session, variant_ids=variants, channel_id=cart.channel_id
    )
    links = inventory.list_channel_locations(session, channel_id=cart.channel_id)
    buffers = {link.location_id: link.buffer for link in links}
    for line in cart.lines:
        if line.reservation_id is None or line.location_id is None:
            continue
        with contextlib.suppress(NotFound):
            reservation = inventory.get_reservation(session, line.reservation_id)
            level = inventory.get_level(session, line.variant_id, line.location_id)
            here = by_location[line.variant_id]
            if reservation.status == "active" and level is not None and line.location_id in here:
                free = level.on_hand - level.reserved + reservation.open_quantity
                here[line.location_id] = max(free - buffers.get(line.location_id, 0), 0)
    return by_location


def covers(
    stock: dict[uuid.UUID, dict[uuid.UUID, int]],
    wanted: dict[uuid.UUID, int],
    location_ids: set[uuid.UUID],
) -> bool:
    """Whether ``location_ids`` together hold every unit wanted."""
    return all(
        sum(units for loc, units in stock.get(variant, {}).items() if loc in location_ids) >= qty
        for variant, qty in wanted.items()
    )


def each_line_held(
    stock: dict[uuid.UUID, dict[uuid.UUID, int]],
    wanted: dict[uuid.UUID, int],
    location_ids: set[uuid.UUID],
) -> bool:
    """Whether each variant wanted is held whole by one of ``location_ids`` (a line is
    sourced from one place)."""
    return all(
        any(stock.get(variant, {}).get(loc, 0) >= qty for loc in location_ids)
        for variant, qty in wanted.items()
    )


def _quote(session: Session, cart: Cart, priced: PricedCart, carrier: Carrier, country: str,
           weight: int) -> DeliveryFee | None:  # fmt: skip
    return quote_fee(
        carrier,
        country=country,
        weight=weight,
        currency=cart.currency,
        goods_incl=priced.goods_incl or Money.zero(cart.currency),
        free_shipping=priced.free_shipping,
        treatment=priced.treatment,
        include_tax=priced.prices_include_tax,
        on=clock.now().date(),
    )


def delivery_options(session: Session, cart: Cart) -> list[DeliveryOption]:
    """The options the cart can use now, cheapest first: each active carrier serving the
    destination at the cart's weight (home and pickup point), and click & collect at each
    active store of the channel that offers it and either holds every unit (ready today) or
    can receive them from another of the channel's locations (today + the carrier's transfer
    lead time). Only the channel's selling locations and their stock count."""
    priced = price_cart(session, cart)
    weight = cart_weight(session, cart)
    country = priced.treatment.country
    today = clock.now().date()
    wanted = units_wanted(cart)
    stock = stock_by_location(session, cart)
    selling = {link.location_id for link in inventory.list_channel_locations(
        session, channel_id=cart.channel_id
    )}  # fmt: skip
    locations = [
        loc for loc in inventory.list_locations(session, include_inactive=False)
        if loc.id in selling
    ]  # fmt: skip
    warehouses = {loc.id for loc in locations if loc.kind == "warehouse"}
    stores = [loc for loc in locations if loc.kind == "store"]
    if covers(stock, wanted, warehouses):
        ships_from = "warehouse"
    elif any(covers(stock, wanted, {store.id}) for store in stores):
        ships_from = "store"
    else:
        ships_from = "warehouse"
    options: list[DeliveryOption] = []
    for carrier in list_carriers(session, active_only=True):
        if carrier.kind != "click_collect":
            fee = _quote(session, cart, priced, carrier, country, weight)
            if fee is not None:
                when = today + timedelta(days=carrier.transit_days)
                options.append(DeliveryOption(carrier.code, carrier, fee, when, ships_from))
            continue
        for store in stores:
            if not store.click_and_collect:
                continue
            fee = _quote(session, cart, priced, carrier, store.country or country, weight)
            if fee is None:
                continue
            if covers(stock, wanted, {store.id}):
                when, source = today, "store"
            elif each_line_held(stock, wanted, {loc.id for loc in locations} - {store.id}):
                when, source = today + timedelta(days=carrier.transfer_lead_days), "transfer"
            else:
                continue
            options.append(
                DeliveryOption(
                    f"{COLLECT_PREFIX}:{store.code}", carrier, fee, when, source, store.id,
                    store.name,
                )
            )  # fmt: skip
    return sorted(options, key=lambda o: (o.fee.incl.minor_units, o.estimated_on, o.id))


def choose_option(
    session: Session, cart: Cart, option_id: str | None, pickup_point: PickupPoint | None
) -> DeliveryOption | None:
    """Record the cart's delivery option (``None`` clears it). A pickup-point carrier needs
    the shopper's ``pickup_point``. Raises :class:`DeliveryOptionUnavailable`
    (``delivery_option`` or ``pickup_point``) when the cart cannot use it."""
    session.execute(delete(CartDelivery).where(CartDelivery.cart_id == cart.id))
    if option_id is None:
        session.flush()
        return None
    option = next((o for o in delivery_options(session, cart) if o.id == option_id), None)
    if option is None:
        raise DeliveryOptionUnavailable(
            _l("The option {option} cannot deliver this cart."),
            field="delivery_option",
            option=option_id,
        )
    if option.carrier.kind == "pickup_point" and pickup_point is None:
        raise DeliveryOptionUnavailable(
            _l("Choose the pickup point where the parcel goes."), field="pickup_point"
        )
    keep_point = option.carrier.kind == "pickup_point" and pickup_point is not None
    session.add(
        CartDelivery(
            cart_id=cart.id,
            carrier_id=option.carrier.id,
            location_id=option.location_id,
            pickup_point_id=pickup_point.id if keep_point and pickup_point else None,
            pickup_point_label=pickup_point.label if keep_point and pickup_point else None,
        )
    )
    cart.delivery_method = "pickup" if option.carrier.kind == "click_collect" else "shipping"
    session.flush()
    return option


def chosen_delivery(session: Session, cart_id: uuid.UUID) -> CartDelivery | None:
    return session.scalar(select(CartDelivery).where(CartDelivery.cart_id == cart_id))


def option_id_of(session: Session, chosen: CartDelivery) -> str:
    carrier = get_carrier(session, chosen.carrier_id)
    if chosen.location_id is None:
        return carrier.code
    return f"{COLLECT_PREFIX}:{inventory.get_location(session, chosen.location_id).code}"


def order_delivery_of(
    session: Session, cart: Cart, order: Order, priced: PricedCart
) -> OrderDelivery | None:
    """The cart's delivery as the order keeps it, with its fee and estimated date (to add
    once the order row exists; ask before the cart's holds are released). Raises
    :class:`DeliveryOptionUnavailable` (``delivery_option``) when the chosen option can no
    longer deliver the cart."""
    chosen = chosen_delivery(session, cart.id)
    if chosen is None:
        return None
    option_id = option_id_of(session, chosen)
    option = next((o for o in delivery_options(session, cart) if o.id == option_id), None)
    if option is None or priced.delivery is None:
        raise DeliveryOptionUnavailable(
            _l("The option {option} can no longer deliver this cart."),
            field="delivery_option",
            option=option_id,
        )
    delivery = OrderDelivery(
        order_id=order.id,
        carrier_code=option.carrier.code,
        carrier_name=option.carrier.name,
        kind=option.carrier.kind,
        location_id=chosen.location_id,
        pickup_point_id=chosen.pickup_point_id,
        pickup_point_label=chosen.pickup_point_label,
        fee_excl_minor=priced.delivery.excl.minor_units,
        fee_incl_minor=priced.delivery.incl.minor_units,
        vat_rate=priced.delivery.rate,
        vat_category=priced.delivery.category,
        weight_grams=priced.delivery.weight_grams,
        estimated_on=option.estimated_on,
    )
    return delivery


def order_delivery(session: Session, order_id: uuid.UUID) -> OrderDelivery | None:
    return session.scalar(select(OrderDelivery).where(OrderDelivery.order_id == order_id))
