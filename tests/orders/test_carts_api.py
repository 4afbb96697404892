"""The store cart API, called as a storefront with a real channel key: lines are priced by
the catalogue, held in stock, and refused when the channel cannot promise them."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from comptoir.inventory import service as inventory
from tests.catalog.factories import make_channel, make_coupon, make_promotion
from tests.orders.factories import make_article, make_shop

CARTS = "/store/v1/carts"


def _level(session: Session, variant_id: object, location_id: object) -> tuple[int, int]:
    level = inventory.get_level(session, variant_id, location_id)  # type: ignore[arg-type]
    assert level is not None
    return level.on_hand, level.reserved


def test_a_storefront_creates_a_cart_and_adds_a_priced_held_line(
    api: TestClient, session: Session
) -> None:
    # given a channel selling a mug at 12.00 EUR (VAT included, 20 %) with 10 units
    shop = make_shop(session)
    mug = make_article(session, shop, price_minor=1200, units=10)
    session.commit()

    # when the storefront creates a cart and adds 3 mugs
    cart = api.post(CARTS, json={}, headers=shop.headers)
    added = api.post(
        f"{CARTS}/{cart.json()['id']}/lines",
        json={"variant_id": str(mug.id), "quantity": 3},
        headers=shop.headers,
    )

    # then the line is priced, its VAT is computed on the total, and 3 units are held
    assert (cart.status_code, added.status_code) == (201, 201)
    body = added.json()
    line = body["lines"][0]
    assert (line["quantity"], line["total"]["minor_units"], line["vat_rate"]) == (3, 3600, "20")
    assert body["total_gross"]["minor_units"] == 3600
    assert body["tax_totals"] == [
        {
            "category": "S",
            "rate": "20",
            "base": {"amount": "30.00", "currency": "EUR", "minor_units": 3000},
            "tax": {"amount": "6.00", "currency": "EUR", "minor_units": 600},
        }
    ]
    assert _level(session, mug.id, shop.location_id) == (10, 3)
    hold = inventory.get_reservation(session, line["reservation_id"])
    assert (hold.kind, hold.status, hold.reference_type) == ("hold", "active", "cart")


def test_adding_more_than_the_channel_can_promise_is_refused_and_holds_nothing(
    api: TestClient, session: Session
) -> None:
    shop = make_shop(session, buffer=2)
    mug = make_article(session, shop, units=5)
    session.commit()
    cart_id = api.post(CARTS, json={}, headers=shop.headers).json()["id"]

    # when 4 are asked while 5 are on hand but 2 are kept back for other channels
    refused = api.post(
        f"{CARTS}/{cart_id}/lines",
        json={"variant_id": str(mug.id), "quantity": 4},
        headers=shop.headers,
    )

    assert refused.status_code == 409
    assert (refused.json()["type"], refused.json()["field"]) == (
        "/problems/insufficient-stock",
        "quantity",
    )
    assert _level(session, mug.id, shop.location_id) == (5, 0)
    assert api.get(f"{CARTS}/{cart_id}", headers=shop.headers).json()["lines"] == []


def test_changing_and_removing_a_line_moves_the_hold(api: TestClient, session: Session) -> None:
    shop = make_shop(session)
    mug = make_article(session, shop, units=10)
    session.commit()
    cart_id = api.post(CARTS, json={}, headers=shop.headers).json()["id"]
    line_id = api.post(
        f"{CARTS}/{cart_id}/lines", json={"variant_id": str(mug.id)}, headers=shop.headers
    ).json()["lines"][0]["id"]

    changed = api.patch(
        f"{CARTS}/{cart_id}/lines/{line_id}", json={"quantity": 7}, headers=shop.headers
    )
    held_after_change = _level(session, mug.id, shop.location_id)
    removed = api.delete(f"{CARTS}/{cart_id}/lines/{line_id}", headers=shop.headers)

    assert (changed.status_code, changed.json()["lines"][0]["quantity"]) == (200, 7)
    assert held_after_change == (10, 7)
    assert (removed.status_code, removed.json()["lines"]) == (200, [])
    assert _level(session, mug.id, shop.location_id) == (10, 0)


def test_a_variant_not_listed_on_the_channel_cannot_be_added(
    api: TestClient, session: Session
) -> None:
    shop = make_shop(session)
    other = make_shop(session)
    foreign = make_article(session, other)
    session.commit()
    cart_id = api.post(CARTS, json={}, headers=shop.headers).json()["id"]

    refused = api.post(
        f"{CARTS}/{cart_id}/lines", json={"variant_id": str(foreign.id)}, headers=shop.headers
    )

    assert (refused.status_code, refused.json()["type"]) == (422, "/problems/variant-not-sold")


def test_another_channels_cart_does_not_exist(api: TestClient, session: Session) -> None:
    shop = make_shop(session)
    other = make_shop(session)
    session.commit()
    cart_id = api.post(CARTS, json={}, headers=shop.headers).json()["id"]

    seen = api.get(f"{CARTS}/{cart_id}", headers=other.headers)

    assert (seen.status_code, seen.json()["type"]) == (404, "/problems/cart-not-found")


def test_a_cart_without_a_channel_key_is_refused(api: TestClient, session: Session) -> None:
    make_channel(session)
    session.commit()

    refused = api.post(CARTS, json={})

    assert refused.status_code == 401


def test_a_coupon_discounts_the_cart_and_an_unknown_one_is_refused(
    api: TestClient, session: Session
) -> None:
    shop = make_shop(session)
    mug = make_article(session, shop, price_minor=1000, units=10)
    promotion = make_promotion(session, percent=Decimal("10"), requires_coupon=True)
    make_coupon(session, promotion=promotion, code="WELCOME10")
    session.commit()
    cart_id = api.post(CARTS, json={}, headers=shop.headers).json()["id"]
    api.post(
        f"{CARTS}/{cart_id}/lines",
        json={"variant_id": str(mug.id), "quantity": 2},
        headers=shop.headers,
    )

    applied = api.post(
        f"{CARTS}/{cart_id}/coupons", json={"code": "welcome10"}, headers=shop.headers
    )
    unknown = api.post(f"{CARTS}/{cart_id}/coupons", json={"code": "NOPE"}, headers=shop.headers)

    assert applied.status_code == 200
    assert applied.json()["coupon_codes"] == ["WELCOME10"]
    assert (
        applied.json()["discount"]["minor_units"],
        applied.json()["total_gross"]["minor_units"],
    ) == (
        200,
        1800,
    )
    assert (unknown.status_code, unknown.json()["type"]) == (409, "/problems/coupon-not-usable")
    cart = api.get(f"{CARTS}/{cart_id}", headers=shop.headers).json()
    assert cart["coupon_codes"] == ["WELCOME10"]


def test_a_destination_abroad_changes_the_vat_inside_the_same_price(
    api: TestClient, session: Session
) -> None:
    # given a 12.00 EUR tax-included mug of a standard-rated class
    shop = make_shop(session)
    mug = make_article(session, shop, price_minor=1200)
    session.commit()
    cart_id = api.post(CARTS, json={}, headers=shop.headers).json()["id"]
    api.post(f"{CARTS}/{cart_id}/lines", json={"variant_id": str(mug.id)}, headers=shop.headers)

    # when the cart goes to a consumer in Germany (19 %), then to a business there
    consumer = api.put(
        f"{CARTS}/{cart_id}/destination", json={"country": "de"}, headers=shop.headers
    ).json()
    business = api.put(
        f"{CARTS}/{cart_id}/destination",
        json={"country": "DE", "vat_number": "DE 123456789"},
        headers=shop.headers,
    ).json()
    bad_number = api.put(
        f"{CARTS}/{cart_id}/destination",
        json={"country": "DE", "vat_number": "FR123"},
        headers=shop.headers,
    )

    # then the consumer pays 12.00 with German VAT inside; the business 10.00 without VAT
    assert (consumer["vat_scheme"], consumer["total_gross"]["minor_units"]) == ("oss", 1200)
    assert [(t["rate"], t["tax"]["minor_units"]) for t in consumer["tax_totals"]] == [("19", 192)]
    assert (business["vat_scheme"], business["vat_number"]) == ("intra_eu_b2b", "DE123456789")
    assert [(t["category"], t["base"]["minor_units"]) for t in business["tax_totals"]] == [
        ("K", 1000)
    ]
    assert business["total_tax"]["minor_units"] == 0
    assert (bad_number.status_code, bad_number.json()["field"]) == (422, "vat_number")
