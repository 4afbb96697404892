"""Checkout and carts meet the customers: one customer per buyer across channels, the
consents ticked at checkout, a cart's customer taken only from the signed-in shopper, and
the customer's group prices (for a shopper whose address was a known customer's, only once
she verified it)."""

from __future__ import annotations

import re
import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.catalog.models import Variant
from comptoir.customers import service as customers
from comptoir.customers.models import ConsentRecord, Customer
from comptoir.kit.db.engine import Database
from comptoir.orders.models import Cart, Order
from comptoir.privacy.schemas import AuditActor
from tests.catalog.factories import make_price, make_price_list
from tests.customers.factories import make_customer, make_group
from tests.orders.factories import Shop, checkout_body, make_article, make_shop
from tests.support.mail import Inbox, find_token, run_jobs

CARTS = "/store/v1/carts"
ACCOUNT = "/store/v1/account"
PASSWORD = "un cheval bleu mange des pommes"
STAFF = AuditActor(kind="staff", id=None, display_name="Nadia (support)")
NEWSLETTER = {"channel": "email", "purpose": "marketing", "wording_version": "2026-01"}
# The default storefront page of the verification e-mails (COMPTOIR_SHOPPER_VERIFICATION_URL).
VERIFY_LINK = re.compile(r"http://127\.0\.0\.1:8000/account/verify-email\?token=([\w-]+)")


def _count(session: Session, model: type[object]) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _shopper_headers(api: TestClient, shop: Shop, email: str) -> dict[str, str]:
    body = {"email": email, "password": PASSWORD}
    assert api.post(ACCOUNT, json=body, headers=shop.headers).status_code == 202
    signed = api.post(f"{ACCOUNT}/sign-in", json=body, headers=shop.headers)
    assert signed.status_code == 200, signed.text
    return {**shop.headers, "Authorization": f"Bearer {signed.json()['access_token']}"}


def _cart_with(
    api: TestClient, headers: dict[str, str], variant_id: uuid.UUID, quantity: int = 1
) -> str:
    created = api.post(CARTS, json={}, headers=headers)
    assert created.status_code == 201, created.text
    cart_id: str = created.json()["id"]
    added = api.post(
        f"{CARTS}/{cart_id}/lines",
        json={"variant_id": str(variant_id), "quantity": quantity},
        headers=headers,
    )
    assert added.status_code == 201, added.text
    return cart_id


def _checkout(
    api: TestClient, headers: dict[str, str], cart_id: str, **changes: object
) -> dict[str, Any]:
    body = {**checkout_body(), **changes}
    placed = api.post(f"{CARTS}/{cart_id}/checkout", json=body, headers=headers)
    assert placed.status_code == 201, placed.text
    order: dict[str, Any] = placed.json()
    return order


def _setup(session: Session) -> tuple[Shop, Variant]:
    shop = make_shop(session)
    mug = make_article(session, shop, price_minor=1200, units=20)
    session.commit()
    return shop, mug


# -- one customer per buyer -------------------------------------------------------------------


def test_a_guest_checkout_creates_the_customer_and_encrypts_the_order_under_her_key(
    api: TestClient, session: Session
) -> None:
    # given a guest cart and no customer yet
    shop, mug = _setup(session)
    cart_id = _cart_with(api, shop.headers, mug.id)

    # when the guest checks out
    order = _checkout(api, shop.headers, cart_id)

    # then the order belongs to a new web-shop customer with her e-mail and phone
    customer = session.get(Customer, uuid.UUID(str(order["customer_id"])))
    assert customer is not None
    assert (customer.email, customer.phone, customer.source) == (
        "ada@example.com",
        "+33612345678",
        "web_shop",
    )
    # and the order's personal fields are encrypted under that customer's data key
    row = session.get(Order, uuid.UUID(str(order["id"])))
    assert row is not None
    assert row.subject_id == customer.id
    assert row.email == "ada@example.com"


def test_the_same_buyer_on_two_channels_is_one_customer(api: TestClient, session: Session) -> None:
    # given a customer met at a store's till, known by her phone only
    till_customer = make_customer(session, email=None, phone="06 12 34 56 78", source="till")
    web, mug = _setup(session)
    app = make_shop(session)
    cup = make_article(session, app, units=5, title="Cup")
    session.commit()

    # when she orders on the web shop, then on the app with her e-mail in another case
    first = _checkout(api, web.headers, _cart_with(api, web.headers, mug.id))
    second = _checkout(
        api, app.headers, _cart_with(api, app.headers, cup.id), email=" ADA@Example.com "
    )

    # then both orders are hers, and the e-mail she lacked was filled in
    assert first["customer_id"] == second["customer_id"] == str(till_customer.id)
    session.refresh(till_customer)
    assert till_customer.email == "ada@example.com"
    assert _count(session, Customer) == 1


def test_an_unreadable_phone_is_a_422_on_phone_and_nothing_is_placed(
    api: TestClient, session: Session
) -> None:
    # given a guest cart
    shop, mug = _setup(session)
    cart_id = _cart_with(api, shop.headers, mug.id)

    # when the checkout gives a phone that is no phone number
    body = {**checkout_body(), "phone": "call me maybe"}
    refused = api.post(f"{CARTS}/{cart_id}/checkout", json=body, headers=shop.headers)

    # then it is refused on that field; no order and no customer exist
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["phone"]
    assert (_count(session, Order), _count(session, Customer)) == (0, 0)


# -- consents ---------------------------------------------------------------------------------


def test_the_boxes_ticked_at_checkout_are_recorded_and_the_unticked_ones_are_not(
    api: TestClient, session: Session
) -> None:
    # given a guest cart
    shop, mug = _setup(session)
    cart_id = _cart_with(api, shop.headers, mug.id)

    # when she ticks the newsletter and leaves the SMS offers unticked
    order = _checkout(
        api,
        shop.headers,
        cart_id,
        consents=[
            {**NEWSLETTER, "granted": True},
            {"channel": "sms", "purpose": "marketing", "wording_version": "2026-01"},
        ],
    )

    # then only the e-mail marketing consent is recorded, from the web shop, as worded
    customer_id = uuid.UUID(str(order["customer_id"]))
    records = customers.consent_history(session, customer_id)
    assert [(r.channel, r.purpose, r.action, r.wording_version, r.source) for r in records] == [
        ("email", "marketing", "granted", "2026-01", "web_shop")
    ]
    assert customers.has_consent(session, customer_id, "email", "marketing")
    assert not customers.has_consent(session, customer_id, "sms", "marketing")


def test_without_consents_nothing_is_granted(api: TestClient, session: Session) -> None:
    shop, mug = _setup(session)

    order = _checkout(api, shop.headers, _cart_with(api, shop.headers, mug.id))

    assert customers.consent_history(session, uuid.UUID(str(order["customer_id"]))) == []


def test_a_consent_given_twice_is_a_422_and_nothing_is_placed_or_recorded(
    api: TestClient, session: Session
) -> None:
    # given a guest cart
    shop, mug = _setup(session)
    cart_id = _cart_with(api, shop.headers, mug.id)

    # when the same channel and purpose come twice
    body = {
        **checkout_body(),
        "consents": [{**NEWSLETTER, "granted": True}, {**NEWSLETTER, "granted": False}],
    }
    refused = api.post(f"{CARTS}/{cart_id}/checkout", json=body, headers=shop.headers)

    # then the second is named, and neither an order, a customer nor a consent exists
    assert (refused.status_code, refused.json()["field"]) == (422, "consents.1")
    assert (_count(session, Order), _count(session, Customer)) == (0, 0)
    assert _count(session, ConsentRecord) == 0


def test_a_declined_payment_records_no_consent(api: TestClient, session: Session) -> None:
    # given a guest cart
    shop, mug = _setup(session)
    cart_id = _cart_with(api, shop.headers, mug.id)

    # when she ticks the newsletter but her card is declined
    body = {
        **checkout_body(card="4000000000000002"),
        "consents": [{**NEWSLETTER, "granted": True}],
    }
    declined = api.post(f"{CARTS}/{cart_id}/checkout", json=body, headers=shop.headers)

    # then nothing of the checkout remains: no order, no customer, no consent
    assert declined.status_code == 402
    assert (_count(session, Order), _count(session, Customer)) == (0, 0)
    assert _count(session, ConsentRecord) == 0


# -- the cart's customer comes from the shopper only -------------------------------------------


def test_a_customer_id_in_a_new_cart_is_refused_and_no_cart_is_made(
    api: TestClient, session: Session
) -> None:
    # given someone else's customer record and a bare channel key
    victim = make_customer(session)
    shop, _ = _setup(session)

    # when a storefront call tries to attach a cart to that customer
    refused = api.post(CARTS, json={"customer_id": str(victim.id)}, headers=shop.headers)

    # then it is a 422 naming the field, and no cart exists
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["customer_id"]
    assert _count(session, Cart) == 0


def test_a_guest_cart_has_no_customer_and_a_shoppers_cart_is_her_customers(
    api: TestClient, session: Session
) -> None:
    # given a storefront and a signed-in shopper
    shop, _ = _setup(session)
    shopper = _shopper_headers(api, shop, "lea@example.com")
    lea = customers.find_by_email(session, "lea@example.com")
    assert lea is not None

    # when each makes a cart
    guest_cart = api.post(CARTS, json={}, headers=shop.headers).json()
    shopper_cart = api.post(CARTS, json={}, headers=shopper).json()

    # then only the shopper's cart has a customer: hers
    assert guest_cart["customer_id"] is None
    assert shopper_cart["customer_id"] == str(lea.id)


def test_a_shoppers_order_is_her_customers_whatever_e_mail_she_types(
    api: TestClient, session: Session
) -> None:
    # given a signed-in shopper with a cart
    shop, mug = _setup(session)
    headers = _shopper_headers(api, shop, "lea@example.com")
    cart_id = _cart_with(api, headers, mug.id)
    lea = customers.find_by_email(session, "lea@example.com")
    assert lea is not None

    # when she checks out giving another e-mail for this order
    order = _checkout(
        api,
        headers,
        cart_id,
        email="lea.work@example.com",
        consents=[{**NEWSLETTER, "granted": True}],
    )

    # then the order and the consent are her customer's; no customer is made for that e-mail
    assert order["customer_id"] == str(lea.id)
    assert customers.find_by_email(session, "lea.work@example.com") is None
    assert customers.has_consent(session, lea.id, "email", "marketing")


def test_a_shopper_whose_customer_was_merged_buys_as_the_customer_it_became(
    api: TestClient, session: Session
) -> None:
    # given a shopper whose customer has since been merged into another
    shop, mug = _setup(session)
    headers = _shopper_headers(api, shop, "lea@example.com")
    duplicate = customers.find_by_email(session, "lea@example.com")
    kept = make_customer(session, email="lea.martin@example.com")
    assert duplicate is not None
    customers.merge_customers(session, kept.id, duplicate.id, actor=STAFF)
    session.commit()

    # when she makes a cart and checks out
    order = _checkout(api, headers, _cart_with(api, headers, mug.id))

    # then the order is the kept customer's
    assert order["customer_id"] == str(kept.id)


# -- customer-group prices --------------------------------------------------------------------


def _pro_shop(session: Session) -> tuple[Shop, Variant]:
    """A mug at 12.00 for everyone and 9.00 in the ``pro`` group's price list."""
    shop, mug = _setup(session)
    pro_list = make_price_list(session, channel=shop.channel, customer_group="pro")
    make_price(session, price_list=pro_list, variant=mug, amount_minor=900)
    make_group(session, "pro")
    make_customer(session, email="atelier@example.com", groups=["pro"])
    session.commit()
    return shop, mug


def _verify(api: TestClient, shop: Shop, db: Database, inbox: Inbox, email: str) -> None:
    """Open the link e-mailed to ``email`` at sign-up, as the storefront's page does."""
    run_jobs(db)
    token = find_token(inbox.to(email)[-1], VERIFY_LINK)
    verified = api.post(f"{ACCOUNT}/verify-email", json={"token": token}, headers=shop.headers)
    assert verified.status_code == 200, verified.text


def test_a_pro_shopper_gets_her_groups_prices_in_the_cart_and_the_order(
    api: TestClient, session: Session, db: Database, inbox: Inbox
) -> None:
    # given a professional customer who signs up with her e-mail and verifies it
    shop, mug = _pro_shop(session)
    headers = _shopper_headers(api, shop, "atelier@example.com")
    _verify(api, shop, db, inbox, "atelier@example.com")

    # when she fills a cart with two mugs and checks out
    cart_id = _cart_with(api, headers, mug.id, 2)
    cart = api.get(f"{CARTS}/{cart_id}", headers=headers).json()
    order = _checkout(api, headers, cart_id, email="atelier@example.com")

    # then the pro price applies to the cart and to the order
    assert cart["lines"][0]["unit_price"]["minor_units"] == 900
    assert cart["total_gross"]["minor_units"] == 1800
    assert order["total_gross"]["minor_units"] == 1800


def test_signing_up_first_with_a_pro_customers_e_mail_gets_neither_her_prices_nor_her_account(
    api: TestClient, session: Session
) -> None:
    # given a professional customer, and someone else who signs up first with her e-mail
    shop, mug = _pro_shop(session)
    headers = _shopper_headers(api, shop, "atelier@example.com")
    pro = customers.find_by_email(session, "atelier@example.com")
    assert pro is not None

    # when that unverified account fills a cart with two mugs and checks out
    cart_id = _cart_with(api, headers, mug.id, 2)
    cart = api.get(f"{CARTS}/{cart_id}", headers=headers).json()
    order = _checkout(api, headers, cart_id, email="atelier@example.com")

    # then the cart has no customer and the public price applies, to the order too
    assert cart["customer_id"] is None
    assert cart["total_gross"]["minor_units"] == 2400
    assert order["total_gross"]["minor_units"] == 2400
    # and, as for a guest typing her address, the order is hers but the account is not tied
    assert order["customer_id"] == str(pro.id)
    account = api.get(ACCOUNT, headers=headers).json()
    assert (account["customer_id"], account["email_verified_at"]) == (None, None)
    assert _count(session, Customer) == 1


def test_a_cart_made_before_the_verification_gets_the_groups_prices_after_it(
    api: TestClient, session: Session, db: Database, inbox: Inbox
) -> None:
    # given a professional customer whose cart was made before she verified her address
    shop, mug = _pro_shop(session)
    headers = _shopper_headers(api, shop, "atelier@example.com")
    cart_id = _cart_with(api, headers, mug.id, 2)
    before = api.get(f"{CARTS}/{cart_id}", headers=headers).json()

    # when she verifies it and checks out
    _verify(api, shop, db, inbox, "atelier@example.com")
    order = _checkout(api, headers, cart_id, email="atelier@example.com")

    # then the public price held before, and the pro price applies to the order
    pro = customers.find_by_email(session, "atelier@example.com")
    assert pro is not None
    assert before["total_gross"]["minor_units"] == 2400
    assert order["customer_id"] == str(pro.id)
    assert order["total_gross"]["minor_units"] == 1800


def test_a_guest_typing_a_pro_customers_e_mail_pays_the_public_price(
    api: TestClient, session: Session
) -> None:
    # given the same professional customer
    shop, mug = _pro_shop(session)
    cart_id = _cart_with(api, shop.headers, mug.id, 2)

    # when a guest checks out with her e-mail
    order = _checkout(api, shop.headers, cart_id, email="atelier@example.com")

    # then the order is linked to her but priced at the public price
    pro = customers.find_by_email(session, "atelier@example.com")
    assert pro is not None
    assert order["customer_id"] == str(pro.id)
    assert order["total_gross"]["minor_units"] == 2400
