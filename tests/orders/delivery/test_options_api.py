"""Delivery options of a cart through the store API: carriers priced by weight band and zone,
free shipping (threshold, promotion), pickup points, click & collect from a store's stock or
after a transfer, and the fee as a line of its own in the cart and the order."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from comptoir.catalog.models import Variant
from comptoir.inventory import service as inventory
from comptoir.inventory.models import Location
from tests.catalog.factories import make_promotion
from tests.inventory.factories import make_location, stock
from tests.orders.delivery.factories import make_carriers
from tests.orders.factories import Shop, checkout_body, make_article, make_shop

CARTS = "/store/v1/carts"


def _weighed(session: Session, shop: Shop, grams: int, **kw: object) -> Variant:
    variant = make_article(session, shop, **kw)  # type: ignore[arg-type]
    variant.weight_grams = grams
    session.flush()
    return variant


def _store(session: Session, shop: Shop, **kw: object) -> Location:
    """A store the shop's channel sells from (only selling locations serve a cart)."""
    store = make_location(session, kind="store", **kw)
    inventory.set_channel_location(
        session, channel_id=shop.channel.id, location_id=store.id, buffer=0
    )
    return store


def _cart(api: TestClient, shop: Shop, variant: Variant, quantity: int, country: str) -> str:
    cart_id: str = api.post(
        CARTS, json={"destination_country": country}, headers=shop.headers
    ).json()["id"]
    added = api.post(
        f"{CARTS}/{cart_id}/lines",
        json={"variant_id": str(variant.id), "quantity": quantity},
        headers=shop.headers,
    )
    assert added.status_code == 201, added.text
    return cart_id


def _options(api: TestClient, shop: Shop, cart_id: str) -> dict[str, dict[str, object]]:
    answer = api.get(f"{CARTS}/{cart_id}/delivery-options", headers=shop.headers)
    assert answer.status_code == 200, answer.text
    return {option["id"]: option for option in answer.json()}


def test_carriers_are_priced_by_weight_band_and_zone(api: TestClient, session: Session) -> None:
    shop = make_shop(session)
    make_carriers(session)
    mug = _weighed(session, shop, 400)
    light = _cart(api, shop, mug, 2, "FR")
    heavy = _cart(api, shop, mug, 4, "FR")
    german = _cart(api, shop, mug, 2, "DE")

    in_france = _options(api, shop, light)
    heavier = _options(api, shop, heavy)
    in_germany = _options(api, shop, german)

    assert sorted(in_france) == ["colissimo", "mondial-relay"]
    assert in_france["colissimo"]["price"]["minor_units"] == 495  # type: ignore[index]
    assert in_france["colissimo"]["price_excl_tax"]["minor_units"] == 413  # type: ignore[index]
    assert in_france["colissimo"]["vat_rate"] == "20"
    assert in_france["colissimo"]["estimated_on"] == "2026-11-25"
    assert in_france["colissimo"]["ships_from"] == "warehouse"
    assert in_france["mondial-relay"]["needs_pickup_point"] is True
    assert heavier["colissimo"]["price"]["minor_units"] == 795  # type: ignore[index]
    assert sorted(in_germany) == ["dhl"]
    assert in_germany["dhl"]["vat_rate"] == "19"
    assert in_germany["dhl"]["price"]["minor_units"] == 1500  # type: ignore[index]


def test_an_export_pays_the_fee_without_french_vat(api: TestClient, session: Session) -> None:
    shop = make_shop(session)
    make_carriers(session)
    cart_id = _cart(api, shop, _weighed(session, shop, 400), 1, "CH")

    options = _options(api, shop, cart_id)

    assert sorted(options) == ["dhl"]
    assert options["dhl"]["vat_rate"] == "0"
    assert options["dhl"]["price"]["minor_units"] == 3000  # type: ignore[index]


def test_the_chosen_option_adds_its_fee_as_a_line_of_its_own(
    api: TestClient, session: Session
) -> None:
    shop = make_shop(session)
    make_carriers(session)
    cart_id = _cart(api, shop, _weighed(session, shop, 400), 2, "FR")

    chosen = api.put(
        f"{CARTS}/{cart_id}/destination",
        json={"country": "FR", "delivery_option": "colissimo"},
        headers=shop.headers,
    )

    assert chosen.status_code == 200, chosen.text
    cart = chosen.json()
    assert cart["delivery"]["option"] == "colissimo"
    assert cart["delivery"]["fee"]["minor_units"] == 495
    assert cart["delivery"]["vat_rate"] == "20"
    assert cart["total_gross"]["minor_units"] == 2400 + 495
    assert [t["rate"] for t in cart["tax_totals"]] == ["20"]
    assert cart["tax_totals"][0]["base"]["minor_units"] == 2413
    assert cart["tax_totals"][0]["tax"]["minor_units"] == 482


def test_delivery_is_free_over_the_carriers_threshold(api: TestClient, session: Session) -> None:
    shop = make_shop(session)
    make_carriers(session)
    cart_id = _cart(api, shop, _weighed(session, shop, 400), 5, "FR")

    options = _options(api, shop, cart_id)

    assert options["colissimo"]["is_free"] is True
    assert options["colissimo"]["price"]["minor_units"] == 0  # type: ignore[index]
    assert options["mondial-relay"]["is_free"] is False


def test_a_free_shipping_promotion_makes_every_option_free(
    api: TestClient, session: Session
) -> None:
    shop = make_shop(session)
    make_carriers(session)
    make_promotion(session, kind="free_shipping", percent=None)
    cart_id = _cart(api, shop, _weighed(session, shop, 400), 1, "FR")

    options = _options(api, shop, cart_id)

    assert all(option["is_free"] for option in options.values())
    assert {option["price"]["minor_units"] for option in options.values()} == {0}  # type: ignore[index]


def test_a_pickup_point_carrier_needs_the_shoppers_point(api: TestClient, session: Session) -> None:
    shop = make_shop(session)
    make_carriers(session)
    cart_id = _cart(api, shop, _weighed(session, shop, 400), 1, "FR")
    url = f"{CARTS}/{cart_id}/destination"

    without = api.put(
        url, json={"country": "FR", "delivery_option": "mondial-relay"}, headers=shop.headers
    )
    point = {"id": "FR-020458", "label": "Tabac de la Gare, 3 rue Thiers, Lyon"}
    chosen = api.put(
        url,
        json={"country": "FR", "delivery_option": "mondial-relay", "pickup_point": point},
        headers=shop.headers,
    )

    assert without.status_code == 422
    assert without.json()["field"] == "pickup_point"
    assert chosen.status_code == 200, chosen.text
    assert chosen.json()["delivery"]["pickup_point"] == point
    assert chosen.json()["total_gross"]["minor_units"] == 1200 + 390


def test_an_option_the_cart_cannot_use_is_refused_and_nothing_changes(
    api: TestClient, session: Session
) -> None:
    shop = make_shop(session)
    make_carriers(session)
    cart_id = _cart(api, shop, _weighed(session, shop, 400), 1, "FR")
    url = f"{CARTS}/{cart_id}/destination"
    api.put(url, json={"country": "FR", "delivery_option": "colissimo"}, headers=shop.headers)

    refused = api.put(url, json={"country": "FR", "delivery_option": "dhl"}, headers=shop.headers)
    cart = api.get(f"{CARTS}/{cart_id}", headers=shop.headers).json()

    assert refused.status_code == 422
    assert refused.json()["type"].endswith("delivery-option-unavailable")
    assert refused.json()["field"] == "delivery_option"
    assert cart["delivery"]["option"] == "colissimo"
    assert cart["total_gross"]["minor_units"] == 1200 + 495


def test_click_and_collect_is_offered_where_the_stock_is_or_can_be_sent(
    api: TestClient, session: Session
) -> None:
    shop = make_shop(session)
    make_carriers(session)
    mug = _weighed(session, shop, 400)
    stocked = _store(session, shop, click_and_collect=True, country="FR")
    empty = _store(session, shop, click_and_collect=True, country="FR")
    no_collect = _store(session, shop, click_and_collect=False, country="FR")
    for store in (stocked, no_collect):
        stock(session, variant_id=mug.id, location_id=store.id, quantity=3)
    cart_id = _cart(api, shop, mug, 2, "FR")

    options = _options(api, shop, cart_id)

    here = options[f"click-collect:{stocked.code}"]
    sent = options[f"click-collect:{empty.code}"]
    assert f"click-collect:{no_collect.code}" not in options
    assert (here["estimated_on"], here["ships_from"]) == ("2026-11-23", "store")
    assert (sent["estimated_on"], sent["ships_from"]) == ("2026-11-26", "transfer")
    assert here["location_id"] == str(stocked.id)
    assert here["price"]["minor_units"] == 0  # type: ignore[index]


def test_the_carts_own_hold_counts_for_click_and_collect(api: TestClient, session: Session) -> None:
    shop = make_shop(session)
    make_carriers(session)
    mug = _weighed(session, shop, 400, units=2)
    store = _store(session, shop, click_and_collect=True, country="FR")
    cart_id = _cart(api, shop, mug, 2, "FR")

    options = _options(api, shop, cart_id)

    assert options[f"click-collect:{store.code}"]["ships_from"] == "transfer"


def test_click_and_collect_is_not_offered_when_no_one_has_the_units(
    api: TestClient, session: Session
) -> None:
    shop = make_shop(session)
    make_carriers(session)
    backordered = _weighed(session, shop, 400, units=0)
    backordered.allows_backorder = True
    store = _store(session, shop, click_and_collect=True, country="FR")
    cart_id = _cart(api, shop, backordered, 1, "FR")

    options = _options(api, shop, cart_id)

    assert f"click-collect:{store.code}" not in options
    assert "colissimo" in options


def test_checkout_keeps_the_delivery_and_its_fee_on_the_order(
    api: TestClient, session: Session
) -> None:
    shop = make_shop(session)
    make_carriers(session)
    mug = _weighed(session, shop, 400)
    cart_id = _cart(api, shop, mug, 2, "FR")
    api.put(
        f"{CARTS}/{cart_id}/destination",
        json={"country": "FR", "delivery_option": "colissimo"},
        headers=shop.headers,
    )

    placed = api.post(f"{CARTS}/{cart_id}/checkout", json=checkout_body(), headers=shop.headers)

    assert placed.status_code == 201, placed.text
    order = placed.json()
    assert order["total_gross"]["minor_units"] == 2400 + 495
    assert (
        sum(t["tax"]["minor_units"] for t in order["tax_totals"])
        == order["total_tax"]["minor_units"]
    )
    assert order["delivery"]["carrier_code"] == "colissimo"
    assert order["delivery"]["fee_incl_tax"]["minor_units"] == 495
    assert order["delivery"]["fee_excl_tax"]["minor_units"] == 413
    assert order["delivery"]["weight_grams"] == 800
    assert order["delivery"]["estimated_on"] == "2026-11-25"
    assert order["payments"][0]["amount"]["minor_units"] == 2400 + 495


def test_choosing_click_and_collect_makes_the_cart_a_pickup(
    api: TestClient, session: Session
) -> None:
    shop = make_shop(session)
    make_carriers(session)
    store = _store(session, shop, click_and_collect=True, country="FR")
    cart_id = _cart(api, shop, _weighed(session, shop, 400), 1, "FR")

    chosen = api.put(
        f"{CARTS}/{cart_id}/destination",
        json={"country": "FR", "delivery_option": f"click-collect:{store.code}"},
        headers=shop.headers,
    )

    assert chosen.status_code == 200, chosen.text
    assert chosen.json()["delivery_method"] == "pickup"
    assert chosen.json()["delivery"]["location_id"] == str(store.id)
    assert chosen.json()["total_gross"]["minor_units"] == 1200
