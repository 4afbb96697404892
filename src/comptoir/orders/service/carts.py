"""Carts: lines that hold stock for a while, a destination, coupons."""

from __future__ import annotations

import contextlib
import uuid
from datetime import timedelta
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.catalog import service as catalog
from comptoir.catalog.errors import CouponNotUsable
from comptoir.channels import service as channels
from comptoir.customers import service as customers
from comptoir.inventory import service as inventory
from comptoir.inventory.schemas import StockReference
from comptoir.kit import clock
from comptoir.kit.errors import InvalidInput
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.money import currency_exponent
from comptoir.orders.delivery import service as delivery
from comptoir.orders.delivery.schemas import PickupPoint
from comptoir.orders.errors import (
    CartLineNotFound,
    CartNotFound,
    CartNotOpen,
    InvalidVatNumber,
    VariantNotSold,
)
from comptoir.orders.models import Cart, CartLine
from comptoir.orders.service import sourcing
from comptoir.orders.service.pricing import line_rate, price_cart, treatment_of

HOLD_DURATION: Final = timedelta(minutes=30)
MAX_LINE_QUANTITY: Final = 999
DELIVERY_METHODS: Final = ("shipping", "pickup")


def cart_reference(cart_id: uuid.UUID) -> StockReference:
    return StockReference(type="cart", id=str(cart_id))


def create_cart(
    session: Session,
    *,
    channel_id: uuid.UUID,
    shopper_id: uuid.UUID | None = None,
    customer_id: uuid.UUID | None = None,
    destination_country: str | None = None,
) -> Cart:
    """An empty open cart on the channel, in the channel's currency.

    Raises ``ChannelNotFound``, :class:`InvalidInput` (``channel_id``) for an inactive one.
    """
    channel = channels.get_channel(session, channel_id)
    if not channel.is_active:
        raise InvalidInput(_l("This channel does not sell at the moment."), field="channel_id")
    currency_exponent(channel.currency)
    cart = Cart(
        channel_id=channel_id,
        currency=channel.currency,
        shopper_id=shopper_id,
        customer_id=customer_id,
        destination_country=destination_country.upper() if destination_country else None,
        coupon_codes=[],
        expires_at=clock.now() + HOLD_DURATION,
        lines=[],  # known empty: no query to find out
    )
    session.add(cart)
    session.flush()
    return cart


def get_cart(session: Session, cart_id: uuid.UUID, *, channel_id: uuid.UUID | None = None) -> Cart:
    """The cart (of ``channel_id`` when given; another channel's cart does not exist for
    it). Raises :class:`CartNotFound`."""
    cart = session.get(Cart, cart_id, populate_existing=True)
    if cart is None or (channel_id is not None and cart.channel_id != channel_id):
        raise CartNotFound()
    return cart


def _open(cart: Cart) -> None:
    if cart.status != "open":
        raise CartNotOpen()


def _touch(cart: Cart) -> None:
    cart.expires_at = clock.now() + HOLD_DURATION


def _check_quantity(quantity: int) -> None:
    if not 1 <= quantity <= MAX_LINE_QUANTITY:
        raise InvalidInput(
            _l("The quantity must be between 1 and {most}."),
            field="quantity",
            most=MAX_LINE_QUANTITY,
        )


def _check_sellable(session: Session, cart: Cart, variant_id: uuid.UUID) -> bool:
    """Checks that the channel sells the variant at a known price and VAT rate (the price
    of the cart's customer's group counts, as when the cart is priced); returns whether it
    takes backorders."""
    # With its product, in one query (get_variant raises for an unknown one).
    found = catalog.load_variants(session, (variant_id,)).get(variant_id)
    variant = found or catalog.get_variant(session, variant_id)
    if (
        not variant.is_active
        or variant.product.status != "active"
        or not catalog.is_listed(session, cart.channel_id, variant_id)
    ):
        raise VariantNotSold(field="variant_id")
    group = customers.price_group(session, cart.customer_id) if cart.customer_id else None
    catalog.price_for(
        session,
        variant_id,
        channel_id=cart.channel_id,
        currency=cart.currency,
        customer_group=group,
    )
    line_rate(session, variant.product.tax_class_id, treatment_of(cart), clock.now().date())
    return variant.allows_backorder


def _hold(
    session: Session, cart: Cart, variant_id: uuid.UUID, quantity: int, *, backorder: bool
) -> tuple[uuid.UUID, uuid.UUID]:
    """Reserve ``quantity`` units for the cart where the sourcing rules send them (the
    pickup store, the warehouses first, fewest parcels with the cart's other lines, the
    nearest; see :mod:`comptoir.orders.sourcing`); returns (location id, reservation id).
    Raises ``InsufficientStock`` (field ``quantity``)."""
    promised = inventory.available_to_promise(
        session, channel_id=cart.channel_id, variant_ids=[variant_id]
    )[variant_id]
    if promised < quantity and not backorder:
        raise inventory.InsufficientStock(
            _l("Only {available} available."), field="quantity", available=promised
        )
    decision = sourcing.plan_cart(session, cart, extra=(variant_id, quantity, backorder))[-1]
    if decision.location_id is None:
        by_location = inventory.available_by_location(
            session, variant_ids=[variant_id], channel_id=cart.channel_id
        )[variant_id]
        raise inventory.InsufficientStock(
            _l("Only {available} available in one place."),
            field="quantity",
            available=max(by_location.values(), default=0),
        )
    reservation = inventory.reserve(
        session,
        variant_id=variant_id,
        location_id=decision.location_id,
        quantity=quantity,
        expires_at=cart.expires_at,
        reference=cart_reference(cart.id),
    )
    return decision.location_id, reservation.id


def release_hold(session: Session, line: CartLine) -> None:
    """Give a line's held units back (nothing to do if the hold already expired)."""
    if line.reservation_id is None:
        return
    with contextlib.suppress(inventory.ReservationNotActive):
        inventory.release(session, line.reservation_id)
    line.reservation_id = None


def add_line(session: Session, cart: Cart, variant_id: uuid.UUID, quantity: int) -> CartLine:
    """Put ``quantity`` units of a variant in the cart (added to its line if it has one),
    held for :data:`HOLD_DURATION`.

    Guarantees: the channel's available-to-promise covers the line, and a hold at one of
    the channel's locations reserves it (guarded update: two carts never hold the same
    units). Raises :class:`CartNotOpen`, :class:`VariantNotSold`, ``PriceNotFound``,
    ``NoVatRate``, ``InsufficientStock`` (``quantity``), :class:`InvalidInput`; nothing
    changes then.
    """
    _open(cart)
    existing = next((line for line in cart.lines if line.variant_id == variant_id), None)
    if existing is not None:
        return change_line(session, cart, existing.id, existing.quantity + quantity)
    _check_quantity(quantity)
    backorder = _check_sellable(session, cart, variant_id)
    _touch(cart)
    with session.begin_nested():
        location_id, reservation_id = _hold(
            session, cart, variant_id, quantity, backorder=backorder
        )
        line = CartLine(
            cart_id=cart.id,
            variant_id=variant_id,
            quantity=quantity,
            location_id=location_id,
            reservation_id=reservation_id,
        )
        cart.lines.append(line)
        session.flush()
    return line


def _line(cart: Cart, line_id: uuid.UUID) -> CartLine:
    line = next((line for line in cart.lines if line.id == line_id), None)
    if line is None:
        raise CartLineNotFound()
    return line


def change_line(session: Session, cart: Cart, line_id: uuid.UUID, quantity: int) -> CartLine:
    """Set a line's quantity; its hold is replaced by one for the new quantity.
    Raises :class:`CartLineNotFound`, ``InsufficientStock`` (``quantity``), and as
    :func:`add_line`; nothing changes then."""
    _open(cart)
    line = _line(cart, line_id)
    _check_quantity(quantity)
    backorder = _check_sellable(session, cart, line.variant_id)
    _touch(cart)
    with session.begin_nested():
        release_hold(session, line)
        line.location_id, line.reservation_id = _hold(
            session, cart, line.variant_id, quantity, backorder=backorder
        )
        line.quantity = quantity
        session.flush()
    return line


def remove_line(session: Session, cart: Cart, line_id: uuid.UUID) -> None:
    """Take a line out of the cart and give its held units back.
    Raises :class:`CartNotOpen`, :class:`CartLineNotFound`."""
    _open(cart)
    line = _line(cart, line_id)
    release_hold(session, line)
    cart.lines.remove(line)
    _touch(cart)
    session.flush()


def record_vat_check(cart: Cart, check: customers.VatCheck | None) -> None:
    """Keep VIES's answer about the cart's VAT number on the cart (``None``: not consulted).
    Raises :class:`InvalidVatNumber` (``vat_number``) when VIES says the number is not
    registered; nothing is kept then."""
    if check is not None and check.valid is False:
        raise InvalidVatNumber(
            _l("VIES says this VAT number is not registered."), field="vat_number"
        )
    cart.vat_checked_at = check.checked_at if check else None
    cart.vat_check_valid = check.valid if check else None
    cart.vat_check_request_identifier = check.request_identifier if check else None


def set_destination(
    session: Session,
    cart: Cart,
    *,
    country: str,
    delivery_method: str = "shipping",
    vat_number: str | None = None,
    delivery_option: str | None = None,
    pickup_point: PickupPoint | None = None,
    postcode: str | None = None,
) -> Cart:
    """Where the cart goes and to whom: the country decides its VAT (with a business's EU
    VAT number, an intra-community supply); ``delivery_option`` (an option of
    ``delivery_options``) adds its fee to the cart, and click & collect makes the delivery
    method ``pickup``. The lines' holds then move where the sourcing rules send them (the
    pickup store, or the locations serving the destination best); a hold that cannot move
    stays. A VAT number is checked with VIES (when configured, within its timeout) and the
    answer kept on the cart; a French overseas ``postcode`` makes the sale an export.
    Raises :class:`InvalidVatNumber` (``vat_number``) for a number that is not of the
    destination's format or that VIES says is not registered, ``NoVatRate`` when a line
    has no rate there, :class:`InvalidInput` (``delivery_method``),
    ``DeliveryOptionUnavailable`` (``delivery_option``, ``pickup_point``); nothing changes
    then."""
    _open(cart)
    if delivery_method not in DELIVERY_METHODS:
        raise InvalidInput(_l("Unknown delivery method."), field="delivery_method")
    destination = country.upper()
    number = customers.normalise_vat_number(vat_number) if vat_number else None
    if number is not None and not customers.is_valid_vat_number(number, destination):
        raise InvalidVatNumber(
            _l("{number} is not a VAT number of {country}."),
            field="vat_number",
            number=number,
            country=destination,
        )
    if number != cart.vat_number or (number is not None and cart.vat_check_valid is None):
        record_vat_check(cart, customers.check_vat_number(number) if number else None)
    cart.destination_country = destination
    cart.destination_postcode = postcode.strip() if postcode else None
    cart.delivery_method = delivery_method
    cart.vat_number = number
    _touch(cart)
    session.flush()
    price_cart(session, cart)
    with session.begin_nested():
        delivery.choose_option(session, cart, delivery_option, pickup_point)
    sourcing.place_holds(session, cart)
    return cart


def apply_coupon(session: Session, cart: Cart, code: str) -> Cart:
    """Add a coupon to the cart if it unlocks a promotion on it now. Raises
    ``CouponNotUsable`` (``code``) otherwise; nothing changes then."""
    _open(cart)
    normalised = code.strip().upper()
    if normalised in cart.coupon_codes:
        return cart
    candidate = [*cart.coupon_codes, normalised]
    cart.coupon_codes = candidate
    priced = price_cart(session, cart)
    if normalised not in priced.accepted_coupons:
        cart.coupon_codes = [c for c in candidate if c != normalised]
        raise CouponNotUsable(
            _l("The coupon {code} does not apply to this cart."), field="code", code=normalised
        )
    _touch(cart)
    session.flush()
    return cart


def remove_coupon(session: Session, cart: Cart, code: str) -> Cart:
    """Take a coupon off the cart (nothing happens if it was not there)."""
    _open(cart)
    normalised = code.strip().upper()
    cart.coupon_codes = [c for c in cart.coupon_codes if c != normalised]
    session.flush()
    return cart


def carts_of_shopper(session: Session, shopper_id: uuid.UUID) -> list[Cart]:
    """The open carts of a signed-in shopper, newest first."""
    return list(
        session.scalars(
            select(Cart)
            .where(Cart.shopper_id == shopper_id, Cart.status == "open")
            .order_by(Cart.id.desc())
        )
    )
