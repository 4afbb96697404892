"""Carts and checkout as a sales channel uses them, ``/store/v1/carts``.

A channel sees only its own carts; a signed-in shopper only hers. Another's cart answers 404.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from sqlalchemy.orm import Session

from comptoir.channels import service as channels
from comptoir.customers import service as customers
from comptoir.identity.shoppers import service as shoppers
from comptoir.kit.errors import Forbidden, problem_responses
from comptoir.kit.http.access import Principal, current_principal, requires
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.orders import schemas, service
from comptoir.orders.delivery import service as delivery
from comptoir.orders.delivery import views as delivery_views
from comptoir.orders.delivery.schemas import DeliveryOptionOut
from comptoir.orders.errors import CartNotFound
from comptoir.orders.models import Cart

router = APIRouter(prefix="/carts", tags=["store"])

CART = [requires("store:cart")]
Caller = Annotated[Principal, Depends(current_principal)]


def _channel_id(principal: Principal) -> uuid.UUID:
    if principal.channel_id is None:
        raise Forbidden(_l("This access is not tied to a sales channel."))
    return principal.channel_id


def _cart(session: Session, principal: Caller, cart_id: uuid.UUID) -> Cart:
    cart = service.get_cart(session, cart_id, channel_id=_channel_id(principal))
    if principal.kind == "shopper" and cart.shopper_id != principal.id:
        raise CartNotFound()
    return cart


def _shopper_customer(session: Session, principal: Principal) -> uuid.UUID | None:
    """The customer a signed-in shopper buys as (tied to her account on first need); none
    for a guest, nor for a shopper whose unverified address was a known customer's (she buys
    as a guest until she verifies it). A cart's customer only ever comes from here, never
    from a request body."""
    if principal.kind != "shopper":
        return None
    kind = channels.get_channel(session, _channel_id(principal)).kind
    return shoppers.account_customer(
        session,
        shoppers.get_shopper(session, principal.id),
        source=customers.source_of_channel(kind),
    )


@router.post(
    "",
    dependencies=CART,
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.CartOut,
    responses=problem_responses(403, 404, 422),
)
def create_cart(session: DbSession, principal: Caller, body: schemas.CartCreate) -> schemas.CartOut:
    """An empty cart on the calling channel. A signed-in shopper's cart is hers and her
    customer's (the customer's group prices apply); a guest's has no customer until checkout.
    A ``customer_id`` in the body is refused (422 on ``customer_id``)."""
    cart = service.create_cart(
        session,
        channel_id=_channel_id(principal),
        shopper_id=principal.id if principal.kind == "shopper" else None,
        customer_id=_shopper_customer(session, principal),
        destination_country=body.destination_country,
    )
    return service.cart_out(session, cart)


@router.get(
    "/{cart_id}",
    dependencies=CART,
    response_model=schemas.CartOut,
    responses=problem_responses(403, 404),
)
def get_cart(session: DbSession, principal: Caller, cart_id: uuid.UUID) -> schemas.CartOut:
    """The cart with today's prices, discounts and VAT."""
    return service.cart_out(session, _cart(session, principal, cart_id))


@router.post(
    "/{cart_id}/lines",
    dependencies=CART,
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.CartOut,
    responses=problem_responses(403, 404, 409),
)
def add_line(
    session: DbSession, principal: Caller, cart_id: uuid.UUID, body: schemas.CartLineCreate
) -> schemas.CartOut:
    """Add units of a variant; they are held for the cart (409 ``insufficient-stock`` when
    the channel cannot promise them)."""
    cart = _cart(session, principal, cart_id)
    service.add_line(session, cart, body.variant_id, body.quantity)
    return service.cart_out(session, cart)


@router.patch(
    "/{cart_id}/lines/{line_id}",
    dependencies=CART,
    response_model=schemas.CartOut,
    responses=problem_responses(403, 404, 409),
)
def change_line(
    session: DbSession,
    principal: Caller,
    cart_id: uuid.UUID,
    line_id: uuid.UUID,
    body: schemas.CartLineUpdate,
) -> schemas.CartOut:
    """Set a line's quantity."""
    cart = _cart(session, principal, cart_id)
    service.change_line(session, cart, line_id, body.quantity)
    return service.cart_out(session, cart)


@router.delete(
    "/{cart_id}/lines/{line_id}",
    dependencies=CART,
    response_model=schemas.CartOut,
    responses=problem_responses(403, 404, 409),
)
def remove_line(
    session: DbSession, principal: Caller, cart_id: uuid.UUID, line_id: uuid.UUID
) -> schemas.CartOut:
    """Take a line out; its units are available again."""
    cart = _cart(session, principal, cart_id)
    service.remove_line(session, cart, line_id)
    return service.cart_out(session, cart)


@router.put(
    "/{cart_id}/destination",
    dependencies=CART,
    response_model=schemas.CartOut,
    responses=problem_responses(403, 404, 409),
)
def set_destination(
    session: DbSession, principal: Caller, cart_id: uuid.UUID, body: schemas.CartDestination
) -> schemas.CartOut:
    """Where the cart goes, how, and the buyer's EU VAT number if it is a business (checked
    with VIES when the shop configured it: a number VIES says is not registered is refused
    with a 422 on ``vat_number``)."""
    cart = _cart(session, principal, cart_id)
    service.set_destination(
        session,
        cart,
        country=body.country,
        delivery_method=body.delivery_method,
        vat_number=body.vat_number,
        delivery_option=body.delivery_option,
        pickup_point=body.pickup_point,
        postcode=body.postal_code,
    )
    return service.cart_out(session, cart)


@router.get(
    "/{cart_id}/delivery-options",
    dependencies=CART,
    response_model=list[DeliveryOptionOut],
    responses=problem_responses(403, 404),
)
def delivery_options(
    session: DbSession, principal: Caller, cart_id: uuid.UUID
) -> list[DeliveryOptionOut]:
    """How the cart can be delivered to its destination, cheapest first: carriers (home,
    pickup point) with their fee and date, and click & collect at the stores that hold
    the units or can get them from the warehouse."""
    cart = _cart(session, principal, cart_id)
    return [
        delivery_views.option_out(option) for option in delivery.delivery_options(session, cart)
    ]


@router.post(
    "/{cart_id}/coupons",
    dependencies=CART,
    response_model=schemas.CartOut,
    responses=problem_responses(403, 404, 409),
)
def apply_coupon(
    session: DbSession, principal: Caller, cart_id: uuid.UUID, body: schemas.CouponApply
) -> schemas.CartOut:
    """Apply a coupon code (409 ``coupon-not-usable`` when it unlocks nothing here)."""
    cart = _cart(session, principal, cart_id)
    service.apply_coupon(session, cart, body.code)
    return service.cart_out(session, cart)


@router.delete(
    "/{cart_id}/coupons/{code}",
    dependencies=CART,
    response_model=schemas.CartOut,
    responses=problem_responses(403, 404, 409),
)
def remove_coupon(
    session: DbSession, principal: Caller, cart_id: uuid.UUID, code: str
) -> schemas.CartOut:
    cart = _cart(session, principal, cart_id)
    service.remove_coupon(session, cart, code)
    return service.cart_out(session, cart)


@router.post(
    "/{cart_id}/checkout",
    dependencies=CART,
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.OrderOut,
    responses=problem_responses(402, 403, 404, 409),
)
def checkout(
    request: Request,
    session: DbSession,
    principal: Caller,
    cart_id: uuid.UUID,
    body: schemas.CheckoutRequest,
) -> schemas.OrderOut:
    """Place the order: all or nothing (the order, its stock allocations, the payment and
    its events). The order is the customer's of the signed-in shopper, else the one customer
    of ``email`` / ``phone`` across channels (found or created); the consent boxes ticked in
    ``consents`` are recorded on that customer. Send an ``Idempotency-Key`` to retry safely:
    the same key replays the first answer."""
    cart = _cart(session, principal, cart_id)
    customer_id = _shopper_customer(session, principal)
    if principal.kind == "shopper" and cart.customer_id != customer_id:
        # The account's customer may have been merged since, or tied once it was verified.
        cart.customer_id = customer_id
        session.flush()
    settings = request.app.state.settings
    order = service.checkout(
        session,
        cart_id,
        body,
        channel_id=_channel_id(principal),
        production=settings.environment == "production",
        actor=f"{principal.kind}:{principal.id}",
    )
    return service.order_out(session, order)
