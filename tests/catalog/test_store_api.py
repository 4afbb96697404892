"""The store API, called as a storefront with a real channel key: a channel sees its listed
products at its price (promotion and EU Omnibus reference included), what it can promise of
each variant and where to collect it; never another channel's products."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from comptoir.catalog import service
from comptoir.catalog.models import ProductCategory
from comptoir.catalog.schemas import PriceSet
from comptoir.channels.models import Channel
from comptoir.inventory import service as inventory
from comptoir.kit.clock import FrozenClock
from tests.catalog.factories import (
    make_category,
    make_channel,
    make_listing,
    make_price,
    make_price_list,
    make_product,
    make_promotion,
    make_variant,
)
from tests.channels.factories import make_channel_key
from tests.inventory.factories import make_location, stock

PRODUCTS = "/store/v1/products"


def _keyed(session: Session, channel: Channel | None = None) -> tuple[Channel, dict[str, str]]:
    channel, key = make_channel_key(session, channel=channel)
    return channel, {"X-Channel-Key": key}


def test_a_channel_sees_its_listed_products_at_its_price(api: TestClient, session: Session) -> None:
    # given a product listed on the web channel (with a price list of its own) and on the app,
    # and a product listed nowhere
    web, headers = _keyed(session)
    app_channel = make_channel(session)
    listed = make_product(session, title="Listed")
    hidden = make_product(session, title="Not listed")
    variant = make_variant(session, product=listed)
    make_variant(session, product=hidden)
    make_listing(session, channel=web, variant=variant)
    make_listing(session, channel=app_channel, variant=variant)
    make_price(session, price_list=make_price_list(session), variant=variant, amount_minor=1500)
    make_price(
        session,
        price_list=make_price_list(session, channel=web),
        variant=variant,
        amount_minor=1290,
    )
    session.commit()

    # when the web storefront lists the products
    page = api.get(PRODUCTS, headers=headers).json()

    # then it sees the listed one only, at the web channel's price
    assert [p["title"] for p in page["items"]] == ["Listed"]
    price = page["items"][0]["variants"][0]["price"]
    assert (price["unit_price"]["minor_units"], price["lowest_price_30d"]) == (1290, None)


def test_another_channels_product_is_invisible_in_the_list_and_a_404_by_handle(
    api: TestClient, session: Session
) -> None:
    web, headers = _keyed(session)
    other = make_channel(session)
    product = make_product(session, handle="secret-mug", title="Secret mug")
    make_listing(session, channel=other, variant=make_variant(session, product=product))
    own = make_product(session, handle="own-mug", title="Own mug")
    make_listing(session, channel=web, variant=make_variant(session, product=own))
    session.commit()

    listed = api.get(PRODUCTS, headers=headers).json()["items"]
    detail = api.get(f"{PRODUCTS}/secret-mug", headers=headers)

    assert [p["handle"] for p in listed] == ["own-mug"]
    assert api.get(f"{PRODUCTS}/own-mug", headers=headers).status_code == 200
    assert (detail.status_code, detail.json()["type"]) == (404, "/problems/product-not-found")


def test_an_unpublished_listing_an_inactive_variant_or_a_draft_product_is_not_shown(
    api: TestClient, session: Session
) -> None:
    web, headers = _keyed(session)
    product = make_product(session, handle="mug", title="Mug")
    shown = make_variant(session, product=product, title="Blue")
    make_listing(session, channel=web, variant=shown)
    make_listing(
        session, channel=web, variant=make_variant(session, product=product, is_active=False)
    )
    make_listing(
        session, channel=web, variant=make_variant(session, product=product), is_published=False
    )
    draft = make_product(session, handle="draft", status="draft")
    make_listing(session, channel=web, variant=make_variant(session, product=draft))
    session.commit()

    detail = api.get(f"{PRODUCTS}/mug", headers=headers).json()

    assert [v["title"] for v in detail["variants"]] == ["Blue"]
    assert api.get(f"{PRODUCTS}/draft", headers=headers).status_code == 404


def test_a_promotion_shows_its_price_and_the_lowest_price_of_the_30_days_before(
    api: TestClient, session: Session, clock: FrozenClock
) -> None:
    # given a price that went 1000 -> 900 -> 1200, then a 20 % promotion
    web, headers = _keyed(session)
    product = make_product(session, handle="lamp")
    variant = make_variant(session, product=product)
    make_listing(session, channel=web, variant=variant)
    prices = make_price_list(session, channel=web)
    for amount in (1000, 900, 1200):
        service.set_price(session, prices.id, PriceSet(variant_id=variant.id, amount_minor=amount))
        clock.advance(timedelta(days=8))
    make_promotion(session, percent=Decimal("20"), starts_at=clock.now())
    session.commit()

    price = api.get(f"{PRODUCTS}/lamp", headers=headers).json()["variants"][0]["price"]

    assert price["list_price"]["minor_units"] == 1200
    assert price["unit_price"]["minor_units"] == 960
    assert price["lowest_price_30d"]["minor_units"] == 900
    assert price["promotion_id"] is not None


def test_availability_is_the_channels_promise_and_the_click_and_collect_stores(
    api: TestClient, session: Session
) -> None:
    # given a warehouse (10 units) and two stores of the channel, one with click & collect
    # (4 units, buffer 1), one without (5 units), and a store of no channel (7 units)
    web, headers = _keyed(session)
    product = make_product(session, handle="vase")
    variant = make_variant(session, product=product)
    make_listing(session, channel=web, variant=variant)
    warehouse = make_location(session, kind="warehouse")
    paris = make_location(session, kind="store", name="Paris", city="Paris", click_and_collect=True)
    lyon = make_location(session, kind="store", name="Lyon", city="Lyon")
    bordeaux = make_location(session, kind="store", name="Bordeaux", click_and_collect=True)
    for location, quantity, buffer in ((warehouse, 10, 0), (paris, 4, 1), (lyon, 5, 0)):
        inventory.set_channel_location(
            session, channel_id=web.id, location_id=location.id, buffer=buffer
        )
        stock(session, variant_id=variant.id, location_id=location.id, quantity=quantity)
    stock(session, variant_id=variant.id, location_id=bordeaux.id, quantity=7)
    session.commit()

    shown = api.get(f"{PRODUCTS}/vase", headers=headers).json()["variants"][0]

    # then the channel promises 10 + 3 + 5, and offers Paris only for collection
    assert (shown["available"], shown["in_stock"]) == (18, True)
    assert [(p["name"], p["available"]) for p in shown["pickup"]] == [("Paris", 3)]


def test_filters_category_search_and_in_stock(api: TestClient, session: Session) -> None:
    # given three listed products: a mug in stock in "Cuisine", a mug without stock, a lamp
    # without stock but sold on backorder
    web, headers = _keyed(session)
    warehouse = make_location(session)
    inventory.set_channel_location(session, channel_id=web.id, location_id=warehouse.id, buffer=0)
    kitchen = make_category(session)
    stocked = make_product(session, title="Blue mug")
    empty = make_product(session, title="Red mug")
    backorder = make_product(session, title="Lamp")
    for product, allows_backorder in ((stocked, False), (empty, False), (backorder, True)):
        variant = make_variant(session, product=product, allows_backorder=allows_backorder)
        make_listing(session, channel=web, variant=variant)
        if product is stocked:
            stock(session, variant_id=variant.id, location_id=warehouse.id, quantity=2)
    session.add(ProductCategory(product_id=stocked.id, category_id=kitchen.id))
    session.commit()

    def titles(**params: object) -> list[str]:
        response = api.get(PRODUCTS, params=params, headers=headers)
        assert response.status_code == 200, response.text
        return [p["title"] for p in response.json()["items"]]

    assert titles() == ["Blue mug", "Lamp", "Red mug"]
    assert titles(q="MUG") == ["Blue mug", "Red mug"]
    assert titles(category_id=str(kitchen.id)) == ["Blue mug"]
    assert titles(in_stock="true") == ["Blue mug", "Lamp"]
    assert titles(in_stock="true", q="mug") == ["Blue mug"]


def test_the_list_is_walked_page_by_page_with_its_cursor(api: TestClient, session: Session) -> None:
    web, headers = _keyed(session)
    for title in ("C", "A", "B"):
        make_listing(
            session,
            channel=web,
            variant=make_variant(session, product=make_product(session, title=title)),
        )
    session.commit()

    seen: list[str] = []
    cursor: str | None = None
    for _ in range(4):
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = api.get(PRODUCTS, params=params, headers=headers).json()
        seen += [p["title"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert seen == ["A", "B", "C"]


def test_without_a_key_the_catalogue_is_a_401(api: TestClient, session: Session) -> None:
    web = make_channel(session)
    make_listing(session, channel=web, variant=make_variant(session))
    session.commit()

    response = api.get(PRODUCTS, headers={"X-Channel-Key": "pk_live_guess"})

    assert (response.status_code, response.json()["type"]) == (401, "/problems/channel-key-refused")
    assert api.get(PRODUCTS).status_code == 401


def test_a_signed_in_shopper_sees_the_same_catalogue(api: TestClient, session: Session) -> None:
    web, headers = _keyed(session)
    make_listing(
        session,
        channel=web,
        variant=make_variant(session, product=make_product(session, title="Mug")),
    )
    session.commit()
    account = {"email": "ada@example.com", "password": "un cheval bleu mange des pommes"}
    api.post("/store/v1/account", json=account, headers=headers)
    signed_in = api.post("/store/v1/account/sign-in", json=account, headers=headers).json()

    response = api.get(
        PRODUCTS, headers={**headers, "Authorization": f"Bearer {signed_in['access_token']}"}
    )

    assert [p["title"] for p in response.json()["items"]] == ["Mug"]
