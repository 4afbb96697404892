"""Draft orders and quotes through the admin API: a draft priced for its customer becomes an
order with its stock allocated; a quote is sent, accepted, declined or expires; a business in
another EU country with a VAT number pays no French VAT; a refusal changes nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.api import create_app
from comptoir.customers.models import Customer
from comptoir.inventory import service as inventory
from comptoir.inventory.models import Reservation
from comptoir.kit.clock import FrozenClock
from comptoir.kit.db.engine import Database
from comptoir.kit.events.models import OutboxEvent
from comptoir.kit.settings import Settings
from comptoir.orders.drafts.models import DraftOrder
from comptoir.orders.drafts.service import expire_quotes
from comptoir.orders.models import Order
from tests.catalog.factories import make_price, make_price_list
from tests.customers.factories import address, make_customer, make_group
from tests.customers.fake_vies import FakeVies, fake_vies  # noqa: F401  (fixture)
from tests.orders.factories import Shop, make_article, make_shop
from tests.support.auth import act_as

DRAFTS = "/api/v1/orders/drafts"


@pytest.fixture
def staff(settings: Settings, db: Database, clock: FrozenClock) -> Iterator[TestClient]:
    app = create_app(settings, db)
    act_as(app, "orders:read", "orders:write")
    with TestClient(app) as test_client:
        yield test_client


def _events(session: Session, key: object) -> list[str]:
    return list(
        session.scalars(
            select(OutboxEvent.type)
            .where(OutboxEvent.key == str(key))
            .order_by(OutboxEvent.occurred_at, OutboxEvent.id)
        )
    )


def _count(session: Session, model: type[Any]) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _level(session: Session, variant_id: uuid.UUID, location_id: uuid.UUID) -> tuple[int, int]:
    level = inventory.get_level(session, variant_id, location_id)
    assert level is not None
    return level.on_hand, level.reserved


def _draft(
    staff: TestClient, shop: Shop, customer_id: uuid.UUID, lines: list[dict[str, Any]], **body: Any
) -> dict[str, Any]:
    created = staff.post(
        DRAFTS,
        json={
            "customer_id": str(customer_id),
            "channel_id": str(shop.channel.id),
            "lines": lines,
            **body,
        },
    )
    assert created.status_code == 201, created.text
    result: dict[str, Any] = created.json()
    return result


def test_a_confirmed_draft_becomes_an_order_with_its_stock_allocated_and_payment_pending(
    staff: TestClient, session: Session
) -> None:
    # given a customer with a default address and a mug (12.00 incl. VAT, 10 in stock)
    shop = make_shop(session, code="phone")
    mug = make_article(session, shop, price_minor=1200, units=10)
    customer = make_customer(session, addresses=[address(is_default_shipping=True)])
    session.commit()

    # when staff create a draft for 2 mugs, change it to 3, then confirm it
    draft = _draft(staff, shop, customer.id, [{"variant_id": str(mug.id), "quantity": 2}])
    changed = staff.put(
        f"{DRAFTS}/{draft['id']}/lines",
        json={"lines": [{"variant_id": str(mug.id), "quantity": 3}]},
    )
    confirmed = staff.post(f"{DRAFTS}/{draft['id']}/confirm")

    # then the draft was priced from the catalogue, with the customer's address
    assert draft["status"] == "draft"
    assert draft["number"].startswith("DRAFT-2026-")
    assert draft["shipping_address"]["city"] == "Lyon"
    assert changed.json()["total_gross"]["minor_units"] == 3600
    assert changed.json()["tax_totals"][0]["tax"]["minor_units"] == 600
    # and the order exists, numbered in the channel's series, 3 units reserved for it
    assert confirmed.status_code == 201, confirmed.text
    order = confirmed.json()
    assert order["number"].startswith("PHONE-2026-")
    assert (order["status"], order["customer_id"]) == ("pending_payment", str(customer.id))
    assert order["total_gross"]["minor_units"] == 3600
    assert [p["provider"] for p in order["payments"]] == ["bank_transfer"]
    assert [p["status"] for p in order["payments"]] == ["pending"]
    assert order["lines"][0]["reservation_id"] is not None
    assert order["timeline"][0]["details"]["draft"] == draft["number"]
    assert _level(session, mug.id, shop.location_id) == (10, 3)
    assert _events(session, order["id"]) == ["order.placed"]
    again = staff.get(f"{DRAFTS}/{draft['id']}").json()
    assert (again["status"], again["order_id"], again["order_number"]) == (
        "confirmed",
        order["id"],
        order["number"],
    )


def test_the_pending_payment_of_a_confirmed_draft_is_confirmed_like_any_other(
    staff: TestClient, session: Session
) -> None:
    # given a confirmed draft paid by bank transfer
    shop = make_shop(session)
    mug = make_article(session, shop, units=5)
    customer = make_customer(session, addresses=[address()])
    session.commit()
    draft = _draft(staff, shop, customer.id, [{"variant_id": str(mug.id), "quantity": 1}])
    order = staff.post(f"{DRAFTS}/{draft['id']}/confirm").json()

    # when the transfer arrives
    paid = staff.post(f"/api/v1/orders/{order['id']}/payments/confirm", json={})

    # then the order is paid
    assert (paid.status_code, paid.json()["status"]) == (200, "paid")


def test_an_agreed_price_replaces_the_catalogue_price_and_needs_a_reason(
    staff: TestClient, session: Session
) -> None:
    # given a mug at 12.00
    shop = make_shop(session)
    mug = make_article(session, shop, price_minor=1200)
    customer = make_customer(session, addresses=[address()])
    session.commit()

    # when staff agree 9.00 with a reason, and then try a price without one
    draft = _draft(
        staff,
        shop,
        customer.id,
        [{"variant_id": str(mug.id), "quantity": 2, "agreed_price_minor": 900,
          "price_reason": "Loyal customer"}],
    )  # fmt: skip
    refused = staff.put(
        f"{DRAFTS}/{draft['id']}/lines",
        json={"lines": [{"variant_id": str(mug.id), "quantity": 2, "agreed_price_minor": 800}]},
    )

    # then the agreed price applies, the catalogue's shown beside it
    line = draft["lines"][0]
    assert (line["list_price"]["minor_units"], line["unit_price"]["minor_units"]) == (1200, 900)
    assert draft["total_gross"]["minor_units"] == 1800
    # and the price without a reason is refused, naming the field, the draft unchanged
    assert (refused.status_code, refused.json()["field"]) == (422, "lines.0.price_reason")
    kept = staff.get(f"{DRAFTS}/{draft['id']}").json()
    assert kept["lines"][0]["unit_price"]["minor_units"] == 900


def test_the_customer_group_gets_its_price_list(staff: TestClient, session: Session) -> None:
    # given a professional price list (10.00) beside the public one (12.00)
    shop = make_shop(session)
    mug = make_article(session, shop, price_minor=1200)
    pro_list = make_price_list(session, channel=shop.channel, customer_group="pro", priority=5)
    make_price(session, price_list=pro_list, variant=mug, amount_minor=1000)
    make_group(session, "pro")
    professional = make_customer(session, groups=["pro"], addresses=[address()])
    session.commit()

    # when staff prepare a draft for a member of the group
    draft = _draft(staff, shop, professional.id, [{"variant_id": str(mug.id), "quantity": 1}])

    # then the group's price applies
    assert draft["lines"][0]["list_price"]["minor_units"] == 1000


def test_an_eu_business_with_a_vat_number_pays_no_french_vat(
    staff: TestClient, session: Session
) -> None:
    # given a German company with a VAT number, and prices excluding VAT
    shop = make_shop(session, prices_include_tax=False)
    mug = make_article(session, shop, price_minor=1000, units=10)
    company = make_customer(
        session,
        kind="company",
        company_name="Becher GmbH",
        vat_number="DE123456789",
        addresses=[address(country="DE", postcode="10115", city="Berlin")],
    )
    session.commit()

    # when staff prepare and confirm a draft of 5 mugs for it
    draft = _draft(staff, shop, company.id, [{"variant_id": str(mug.id), "quantity": 5}])
    order = staff.post(f"{DRAFTS}/{draft['id']}/confirm").json()

    # then the supply is intra-EU: reverse charge, category K, no VAT
    assert (draft["vat_scheme"], draft["vat_number"]) == ("intra_eu_b2b", "DE123456789")
    assert [(t["category"], t["rate"], t["tax"]["minor_units"]) for t in draft["tax_totals"]] == [
        ("K", "0", 0)
    ]
    assert draft["total_gross"]["minor_units"] == 5000
    assert (order["vat_scheme"], order["vat_number"]) == ("intra_eu_b2b", "DE123456789")
    assert order["total_tax"]["minor_units"] == 0
    assert order["lines"][0]["vat_category"] == "K"


def test_a_quote_is_sent_numbered_and_accepted_then_confirmed_at_its_quoted_prices(
    staff: TestClient, session: Session, clock: FrozenClock
) -> None:
    # given a draft of 2 mugs at 12.00
    shop = make_shop(session)
    mug = make_article(session, shop, price_minor=1200, units=10)
    customer = make_customer(session, addresses=[address()])
    session.commit()
    draft = _draft(staff, shop, customer.id, [{"variant_id": str(mug.id), "quantity": 2}])

    # when it is sent as a quote for 15 days, the catalogue price rises, and the customer
    # accepts
    sent = staff.post(f"{DRAFTS}/{draft['id']}/send", json={"valid_days": 15})
    edit = staff.put(f"{DRAFTS}/{draft['id']}/lines", json={"lines": []})
    make_price(session, price_list=shop.price_list, variant=mug, amount_minor=1500, min_quantity=2)
    session.commit()
    clock.advance(timedelta(days=3))
    accepted = staff.post(f"{DRAFTS}/{draft['id']}/accept")
    order = staff.post(f"{DRAFTS}/{draft['id']}/confirm").json()

    # then the quote got its number and expiry, and could not change once sent
    assert sent.status_code == 200, sent.text
    assert sent.json()["status"] == "quote_sent"
    assert sent.json()["quote_number"].startswith("QUOTE-2026-")
    assert sent.json()["quote_expires_at"] is not None
    assert (edit.status_code, edit.json()["type"]) == (409, "/problems/draft-order-state-conflict")
    assert accepted.json()["status"] == "accepted"
    assert _events(session, draft["id"]) == ["quote.sent", "quote.accepted"]
    # and the order keeps the quoted prices
    assert order["total_gross"]["minor_units"] == 2400
    assert order["timeline"][0]["details"]["quote"] == sent.json()["quote_number"]


def test_an_expired_quote_cannot_be_accepted_and_is_marked_expired(
    staff: TestClient, session: Session, clock: FrozenClock
) -> None:
    # given a quote valid 7 days
    shop = make_shop(session)
    mug = make_article(session, shop)
    customer = make_customer(session, addresses=[address()])
    session.commit()
    draft = _draft(staff, shop, customer.id, [{"variant_id": str(mug.id), "quantity": 1}])
    staff.post(f"{DRAFTS}/{draft['id']}/send", json={"valid_days": 7})

    # when 8 days pass
    clock.advance(timedelta(days=8))
    late = staff.post(f"{DRAFTS}/{draft['id']}/accept")
    expired = expire_quotes(session)
    session.commit()

    # then accepting is refused, and the expiry job marks it expired
    assert (late.status_code, late.json()["type"]) == (409, "/problems/quote-expired")
    assert expired == 1
    assert staff.get(f"{DRAFTS}/{draft['id']}").json()["status"] == "expired"
    assert "quote.accepted" not in _events(session, draft["id"])


def test_a_declined_quote_cannot_be_confirmed_and_can_be_deleted(
    staff: TestClient, session: Session
) -> None:
    # given a sent quote
    shop = make_shop(session)
    mug = make_article(session, shop)
    customer = make_customer(session, addresses=[address()])
    session.commit()
    draft = _draft(staff, shop, customer.id, [{"variant_id": str(mug.id), "quantity": 1}])
    staff.post(f"{DRAFTS}/{draft['id']}/send", json={})

    # when the customer declines it
    declined = staff.post(f"{DRAFTS}/{draft['id']}/decline", json={"reason": "Too dear"})
    confirm = staff.post(f"{DRAFTS}/{draft['id']}/confirm")
    deleted = staff.delete(f"{DRAFTS}/{draft['id']}")

    # then it cannot become an order, and it can be deleted
    assert (declined.json()["status"], declined.json()["decline_reason"]) == (
        "declined",
        "Too dear",
    )
    assert (confirm.status_code, confirm.json()["type"]) == (
        409,
        "/problems/draft-order-state-conflict",
    )
    assert _count(session, Order) == 0
    assert deleted.status_code == 204
    assert staff.get(f"{DRAFTS}/{draft['id']}").status_code == 404


def test_confirming_without_enough_stock_is_refused_and_changes_nothing(
    staff: TestClient, session: Session
) -> None:
    # given a draft of 2 mugs and 5 cups while only 3 cups are in stock
    shop = make_shop(session)
    mug = make_article(session, shop, units=10)
    cup = make_article(session, shop, units=3, title="Cup")
    customer = make_customer(session, addresses=[address()])
    session.commit()
    draft = _draft(
        staff,
        shop,
        customer.id,
        [{"variant_id": str(mug.id), "quantity": 2}, {"variant_id": str(cup.id), "quantity": 5}],
    )
    counters_before = _count(session, OutboxEvent)

    # when staff confirm it
    refused = staff.post(f"{DRAFTS}/{draft['id']}/confirm")

    # then a clean problem names the short line, and nothing else happened
    assert refused.status_code == 409
    assert (refused.json()["type"], refused.json()["field"]) == (
        "/problems/insufficient-stock",
        "lines.1.quantity",
    )
    assert staff.get(f"{DRAFTS}/{draft['id']}").json()["status"] == "draft"
    assert _count(session, Order) == 0
    assert _count(session, Reservation) == 0
    assert _level(session, mug.id, shop.location_id) == (10, 0)
    assert _level(session, cup.id, shop.location_id) == (3, 0)
    assert _count(session, OutboxEvent) == counters_before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"customer_id": "not-a-uuid"}, "customer_id"),
        ({"lines": [{"variant_id": "{mug}", "quantity": 0}]}, "lines.0.quantity"),
        ({"customer_id": str(uuid.UUID(int=1))}, "customer_id"),
        ({"vat_number": "DE12"}, "vat_number"),
        ({"lines": [{"variant_id": str(uuid.UUID(int=2))}]}, "lines.0.variant_id"),
        (
            {"lines": [{"variant_id": "{mug}"}, {"variant_id": "{mug}", "quantity": 2}]},
            "lines.1.variant_id",
        ),
        ({"payment_terms_days": 400}, "payment_terms_days"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_creates_nothing(
    staff: TestClient, session: Session, body: dict[str, Any], field: str
) -> None:
    # given a shop, a mug and a customer
    shop = make_shop(session)
    mug = make_article(session, shop)
    customer = make_customer(session, addresses=[address()])
    session.commit()
    base: dict[str, Any] = {"customer_id": str(customer.id), "channel_id": str(shop.channel.id)}
    if "lines" in body:
        body = {
            "lines": [
                {k: (str(mug.id) if v == "{mug}" else v) for k, v in line.items()}
                for line in body["lines"]
            ]
        }

    # when staff send a draft with one bad field
    refused = staff.post(DRAFTS, json={**base, **body})

    # then a 422 problem names it, and no draft exists
    assert refused.status_code == 422, refused.text
    assert field in (
        refused.json().get("field"),
        *[e["field"] for e in refused.json().get("errors", [])],
    )
    assert staff.get(DRAFTS).json()["items"] == []


def test_drafts_are_listed_by_status(staff: TestClient, session: Session) -> None:
    # given a draft and a sent quote
    shop = make_shop(session)
    mug = make_article(session, shop)
    customer = make_customer(session, addresses=[address()])
    session.commit()
    kept = _draft(staff, shop, customer.id, [{"variant_id": str(mug.id)}])
    quoted = _draft(staff, shop, customer.id, [{"variant_id": str(mug.id)}])
    staff.post(f"{DRAFTS}/{quoted['id']}/send", json={})

    # when staff list them
    everything = staff.get(DRAFTS).json()["items"]
    quotes = staff.get(DRAFTS, params={"status": "quote_sent"}).json()["items"]

    # then the newest comes first, and the filter keeps the quote
    assert [d["id"] for d in everything] == [quoted["id"], kept["id"]]
    assert [d["id"] for d in quotes] == [quoted["id"]]
    assert everything[0]["customer_name"].startswith("Camille")


def _german_company(session: Session, vat_number: str) -> tuple[Shop, uuid.UUID, uuid.UUID]:
    shop = make_shop(session, prices_include_tax=False)
    mug = make_article(session, shop, price_minor=1000, units=10)
    company = make_customer(
        session,
        kind="company",
        company_name="Becher GmbH",
        vat_number=vat_number,
        addresses=[address(country="DE", postcode="10115", city="Berlin")],
    )
    session.commit()
    return shop, mug.id, company.id


def test_a_draft_asks_vies_and_keeps_its_proof_on_the_draft_and_the_customer(
    staff: TestClient,
    client: TestClient,
    session: Session,
    fake_vies: FakeVies,  # noqa: F811
) -> None:
    # given a German company whose VAT number VIES knows
    shop, mug_id, company_id = _german_company(session, "DE136695976")

    # when staff prepare a draft for it, then confirm it
    draft = _draft(staff, shop, company_id, [{"variant_id": str(mug_id), "quantity": 5}])
    order = staff.post(f"{DRAFTS}/{draft['id']}/confirm")

    # then VIES was asked once (when the customer was recorded: its proof serves the draft),
    # the supply is reverse charged, and the proof is kept
    assert [call["vatNumber"] for call in fake_vies.calls] == ["136695976"]
    assert draft["vat_number"] == "DE136695976"
    assert draft["vat_scheme"] == "intra_eu_b2b"
    assert order.json()["vat_scheme"] == "intra_eu_b2b"
    session.expire_all()
    customer = session.get(Customer, company_id)
    assert customer is not None
    assert customer.vat_check_valid is True
    assert customer.vat_checked_at is not None
    # and the order's page shows the treatment with its proof
    page = client.get(f"/admin/orders/{order.json()['id']}")
    treatment = page.text.split('id="order-vat-scheme">', 1)[1].split("</dd>", 1)[0]
    assert "Livraison intracommunautaire, autoliquidation — DE136695976" in treatment
    assert "enregistré dans VIES le" in treatment


def test_a_draft_with_a_number_vies_does_not_know_is_refused(
    staff: TestClient,
    session: Session,
    fake_vies: FakeVies,  # noqa: F811
) -> None:
    shop, mug_id, company_id = _german_company(session, "DE136695976")
    before = _count(session, DraftOrder)

    refused = staff.post(
        DRAFTS,
        json={"customer_id": str(company_id), "channel_id": str(shop.channel.id),
              "vat_number": "DE123456789",
              "lines": [{"variant_id": str(mug_id), "quantity": 1}]},
    )  # fmt: skip

    assert refused.status_code == 422
    assert refused.json()["field"] == "vat_number"
    assert _count(session, DraftOrder) == before


def test_when_vies_cannot_answer_a_draft_pays_french_vat_and_asks_again_at_confirmation(
    staff: TestClient,
    session: Session,
    fake_vies: FakeVies,  # noqa: F811
) -> None:
    # given a company whose country's VIES service is down, and the default policy
    shop, mug_id, company_id = _german_company(session, "DE811907980")

    draft = _draft(staff, shop, company_id, [{"variant_id": str(mug_id), "quantity": 5}])
    order = staff.post(f"{DRAFTS}/{draft['id']}/confirm")

    # then no reverse charge on VIES's silence, and VIES is asked again each time: when the
    # customer was recorded, for the draft, when confirming
    assert draft["vat_scheme"] != "intra_eu_b2b"
    assert order.json()["vat_scheme"] != "intra_eu_b2b"
    assert [call["vatNumber"] for call in fake_vies.calls] == ["811907980"] * 3
