"""VAT by destination done right: reverse charge only for a VAT number VIES confirmed (or, when
VIES cannot answer, as the shop's policy says), the EU distance-sales threshold, and French
overseas départements taxed as exports."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.customers.models import Customer
from comptoir.orders.vat import vat_treatment
from tests.customers.fake_vies import FakeVies, fake_vies  # noqa: F401  (fixture)
from tests.orders.factories import Shop, address, checkout_body, make_article, make_shop

CARTS = "/store/v1/carts"


@pytest.mark.parametrize(
    ("postcode", "scheme"),
    [
        ("97110", "export"),  # Guadeloupe
        ("97200", "export"),  # Martinique
        ("97300", "export"),  # Guyane
        ("97400", "export"),  # La Réunion
        ("97600", "export"),  # Mayotte
        ("98000", "domestic"),  # Monaco: French VAT territory
        ("75011", "domestic"),
        (None, "domestic"),
    ],
)
def test_overseas_departements_are_exports(postcode: str | None, scheme: str) -> None:
    # when goods from mainland France go to a French address with this postcode
    treatment = vat_treatment("FR", postcode=postcode)

    # then an overseas département is an exempt export, the rest is domestic
    assert treatment.scheme == scheme
    assert treatment.category == ("G" if scheme == "export" else "S")


def _cart(api: TestClient, session: Session) -> tuple[Shop, str]:
    """A cart of one 12.00 EUR tax-included mug (20 % in France, the EU standard rate
    elsewhere)."""
    shop = make_shop(session)
    mug = make_article(session, shop, price_minor=1200)
    session.commit()
    cart_id: str = api.post(CARTS, json={}, headers=shop.headers).json()["id"]
    added = api.post(
        f"{CARTS}/{cart_id}/lines", json={"variant_id": str(mug.id)}, headers=shop.headers
    )
    assert added.status_code == 201, added.text
    return shop, cart_id


def _destination(api: TestClient, shop: Shop, cart_id: str, **body: Any) -> Any:
    return api.put(f"{CARTS}/{cart_id}/destination", json=body, headers=shop.headers)


def test_under_the_oss_threshold_an_eu_consumer_pays_french_vat(
    api: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a cart going to a consumer in Germany
    shop, cart_id = _cart(api, session)

    # when the shop passed the EUR 10,000 threshold (the default), then when it did not
    over = _destination(api, shop, cart_id, country="DE").json()
    monkeypatch.setenv("COMPTOIR_OSS_THRESHOLD_EXCEEDED", "false")
    under = _destination(api, shop, cart_id, country="DE").json()

    # then German VAT (19 %) through the one-stop shop, else French VAT (20 %)
    assert over["vat_scheme"] == "oss"
    assert [(t["rate"], t["tax"]["minor_units"]) for t in over["tax_totals"]] == [("19", 192)]
    assert under["vat_scheme"] == "domestic"
    assert [(t["rate"], t["tax"]["minor_units"]) for t in under["tax_totals"]] == [("20", 200)]


def test_a_vat_number_vies_confirmed_is_reverse_charged(
    api: TestClient,
    session: Session,
    fake_vies: FakeVies,  # noqa: F811
) -> None:
    # given VIES is configured and knows DE136695976
    shop, cart_id = _cart(api, session)

    # when a German business gives it
    cart = _destination(api, shop, cart_id, country="DE", vat_number="DE 136 695 976")

    # then no VAT: the buyer accounts for it
    assert cart.status_code == 200, cart.text
    assert (cart.json()["vat_scheme"], cart.json()["total_tax"]["minor_units"]) == (
        "intra_eu_b2b",
        0,
    )
    assert [call["vatNumber"] for call in fake_vies.calls] == ["136695976"]


def test_a_vat_number_vies_does_not_know_is_refused(
    api: TestClient,
    session: Session,
    fake_vies: FakeVies,  # noqa: F811
) -> None:
    # given a cart going to a German consumer
    shop, cart_id = _cart(api, session)
    _destination(api, shop, cart_id, country="DE")

    # when a well-formed number VIES says is not registered is given
    refused = _destination(api, shop, cart_id, country="DE", vat_number="DE123456789")
    cart = api.get(f"{CARTS}/{cart_id}", headers=shop.headers).json()

    # then 422 on vat_number, and the cart is as it was (German VAT)
    assert (refused.status_code, refused.json()["field"]) == (422, "vat_number")
    assert (cart["vat_scheme"], cart["vat_number"]) == ("oss", None)


@pytest.mark.parametrize(
    ("policy", "scheme", "tax"),
    [("charge_vat", "oss", 192), ("accept_format", "intra_eu_b2b", 0)],
)
def test_when_vies_cannot_answer_the_policy_decides(
    api: TestClient,
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
    fake_vies: FakeVies,  # noqa: F811
    policy: str,
    scheme: str,
    tax: int,
) -> None:
    # given the German VIES service is down and the shop's policy
    monkeypatch.setenv("COMPTOIR_VIES_UNAVAILABLE_POLICY", policy)
    shop, cart_id = _cart(api, session)

    # when a German business gives its (well-formed) number
    cart = _destination(api, shop, cart_id, country="DE", vat_number="DE811907980").json()

    # then VAT is charged (charge_vat) or reverse charged on the format (accept_format)
    assert (cart["vat_scheme"], cart["total_tax"]["minor_units"]) == (scheme, tax)


def test_checkout_keeps_the_vies_proof_on_the_customer(
    api: TestClient,
    session: Session,
    fake_vies: FakeVies,  # noqa: F811
) -> None:
    # given a cart of a German business whose number VIES confirmed
    shop, cart_id = _cart(api, session)
    _destination(api, shop, cart_id, country="DE", vat_number="DE136695976")

    # when it checks out
    placed = api.post(
        f"{CARTS}/{cart_id}/checkout", json=checkout_body(country="DE"), headers=shop.headers
    )

    # then the order is an intra-community supply and the customer keeps VIES's answer
    assert placed.status_code == 201, placed.text
    order = placed.json()
    assert (order["vat_scheme"], order["vat_number"]) == ("intra_eu_b2b", "DE136695976")
    session.expire_all()
    customer = session.scalars(select(Customer).where(Customer.id == order["customer_id"])).one()
    assert (customer.vat_number, customer.vat_check_valid) == ("DE136695976", True)
    assert customer.vat_check_request_identifier == "WAPIAAAAZ5kY8LcV"
    assert len(fake_vies.calls) == 1  # checked once, when the number was given


def test_an_order_to_la_reunion_is_an_export(api: TestClient, session: Session) -> None:
    # given a cart going to France
    shop, cart_id = _cart(api, session)
    body = checkout_body()
    body["billing_address"] = address() | {"postal_code": "97400", "city": "Saint-Denis"}

    # when it checks out with an address in La Réunion
    placed = api.post(f"{CARTS}/{cart_id}/checkout", json=body, headers=shop.headers)

    # then it is an exempt export: 10.00 without French VAT
    assert placed.status_code == 201, placed.text
    order = placed.json()
    assert order["vat_scheme"] == "export"
    assert (order["total_tax"]["minor_units"], order["total_gross"]["minor_units"]) == (0, 1000)
