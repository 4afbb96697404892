"""A variant sold only at a customer group's price: the group's customers may put it in a
cart, everyone else is told it has no price, and nothing is held for them."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.catalog.errors import PriceNotFound
from comptoir.catalog.models import Variant
from comptoir.inventory.models import Reservation
from comptoir.orders import service
from tests.catalog.factories import (
    make_listing,
    make_price,
    make_price_list,
    make_product,
    make_variant,
)
from tests.customers.factories import make_customer, make_group
from tests.inventory.factories import stock
from tests.orders.factories import Shop, make_shop


def _pro_only_article(session: Session, shop: Shop) -> Variant:
    """A listed, stocked bulk pack priced at 45.00 in the ``pro`` list and nowhere else."""
    product = make_product(session, title="Bulk pack", tax_class_id=shop.tax_class.id)
    variant = make_variant(session, product=product, title="x50")
    make_listing(session, channel=shop.channel, variant=variant)
    pro_list = make_price_list(session, channel=shop.channel, customer_group="pro")
    make_price(session, price_list=pro_list, variant=variant, amount_minor=4500)
    stock(session, variant_id=variant.id, location_id=shop.location_id, quantity=10)
    return variant


def _holds(session: Session, variant: Variant) -> int:
    count = session.scalar(
        select(func.count()).select_from(Reservation).where(Reservation.variant_id == variant.id)
    )
    return int(count or 0)


def test_a_group_customer_adds_a_variant_priced_only_for_her_group(session: Session) -> None:
    # given a bulk pack priced only in the pro list, and a pro customer's cart
    shop = make_shop(session)
    pack = _pro_only_article(session, shop)
    make_group(session, "pro")
    pro = make_customer(session, groups=["pro"])
    cart = service.create_cart(session, channel_id=shop.channel.id, customer_id=pro.id)

    # when she adds two packs
    line = service.add_line(session, cart, pack.id, 2)

    # then they are held for her, at the pro price
    priced = service.price_cart(session, cart)
    assert (line.quantity, _holds(session, pack)) == (2, 1)
    assert [(p.variant_id, p.unit_price.minor_units) for p in priced.lines] == [(pack.id, 4500)]
    assert priced.gross.minor_units == 9000


def test_a_guest_cannot_add_a_variant_priced_only_for_a_group(session: Session) -> None:
    # given a bulk pack priced only in the pro list, and a guest's cart
    shop = make_shop(session)
    pack = _pro_only_article(session, shop)
    cart = service.create_cart(session, channel_id=shop.channel.id)

    # when the guest adds a pack, then it has no price for her and nothing is held
    with pytest.raises(PriceNotFound) as refused:
        service.add_line(session, cart, pack.id, 1)
    assert refused.value.field == "variant_id"
    assert (list(cart.lines), _holds(session, pack)) == ([], 0)


def test_a_customer_of_another_group_cannot_add_it_either(session: Session) -> None:
    # given a bulk pack priced only in the pro list, and a cart of a "club" customer
    shop = make_shop(session)
    pack = _pro_only_article(session, shop)
    make_group(session, "pro")
    make_group(session, "club")
    member = make_customer(session, groups=["club"])
    cart = service.create_cart(session, channel_id=shop.channel.id, customer_id=member.id)

    # when she adds a pack, then it has no price for her and nothing is held
    with pytest.raises(PriceNotFound):
        service.add_line(session, cart, pack.id, 1)
    assert (list(cart.lines), _holds(session, pack)) == ([], 0)
