"""Signing up ties the account to the one customer of its e-mail and records the consent
boxes ticked on the form: at once for a customer the sign-up made, only once the address is
verified for a customer who had it before (nobody takes over a known customer by signing up
first with her address)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.customers import service as customers
from comptoir.customers.models import ConsentRecord, Customer
from comptoir.identity.shoppers import service
from comptoir.identity.shoppers.models import Shopper
from comptoir.kit.db.engine import Database
from tests.customers.factories import make_customer
from tests.identity.shoppers.conftest import ACCOUNT, PASSWORD, Storefront, verification_token
from tests.support.mail import Inbox

NEWSLETTER = {"channel": "email", "purpose": "marketing", "wording_version": "2026-01"}


def _count(session: Session, model: type[object]) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_signing_up_creates_the_customer_and_ties_the_account_to_it(
    shop: Storefront, session: Session
) -> None:
    # when a new shopper signs up on a web channel
    response = shop.sign_up("ada@example.com")

    # then a web-shop customer with her e-mail exists and the account is tied to it
    assert response.status_code == 202, response.text
    customer = customers.find_by_email(session, "ada@example.com")
    assert customer is not None
    assert customer.source == "web_shop"
    assert shop.sign_in("ada@example.com").json()["shopper"]["customer_id"] == str(customer.id)
    shopper = service.find_shopper_by_email(session, "ada@example.com")
    assert shopper is not None
    assert shopper.customer_id == customer.id


def test_signing_up_with_a_known_customers_e_mail_ties_the_account_to_her_once_verified(
    shop: Storefront, session: Session, db: Database, storefront_page: Inbox
) -> None:
    # given a customer met at a till who gave her e-mail
    known = make_customer(session, email="ada@example.com", source="till")
    session.commit()

    # when she opens an account with that e-mail in another case
    response = shop.sign_up("  ADA@example.com ")

    # then the account waits, tied to nobody, and no second customer is made
    assert response.status_code == 202, response.text
    signed = shop.sign_in("ada@example.com").json()
    assert signed["shopper"]["customer_id"] is None
    assert _count(session, Customer) == 1

    # and once she opened the link e-mailed to her, the account is hers
    verified = shop.verify_email(verification_token(db, storefront_page, "ada@example.com"))
    assert verified.json()["customer_id"] == str(known.id)
    me = shop.me(signed["access_token"])
    assert me.json()["customer_id"] == str(known.id)
    assert _count(session, Customer) == 1


def test_the_boxes_ticked_with_a_known_customers_address_wait_for_the_verification(
    shop: Storefront, session: Session, db: Database, storefront_page: Inbox
) -> None:
    # given a known customer, and someone signing up with her address ticking the newsletter
    known = make_customer(session, email="ada@example.com", source="till")
    session.commit()
    response = shop.api.post(
        ACCOUNT,
        json={
            "email": "ada@example.com",
            "password": PASSWORD,
            "consents": [{**NEWSLETTER, "granted": True}],
        },
        headers=shop.headers(),
    )
    assert response.status_code == 202, response.text
    shopper = service.find_shopper_by_email(session, "ada@example.com")
    assert shopper is not None

    # then nothing is recorded on the customer while the address is not proven
    assert customers.consent_history(session, known.id) == []

    # when the address is verified
    shop.verify_email(verification_token(db, storefront_page, "ada@example.com"))

    # then the box ticked at sign-up is recorded on her, by the account
    records = customers.consent_history(session, known.id)
    assert [(r.channel, r.purpose, r.source, r.recorded_by) for r in records] == [
        ("email", "marketing", "web_shop", f"shopper:{shopper.id}")
    ]


def test_the_boxes_ticked_at_sign_up_are_recorded_and_the_unticked_ones_are_not(
    shop: Storefront, session: Session
) -> None:
    # when she signs up ticking the newsletter and leaving SMS profiling unticked
    response = shop.api.post(
        ACCOUNT,
        json={
            "email": "ada@example.com",
            "password": PASSWORD,
            "consents": [
                {**NEWSLETTER, "granted": True},
                {"channel": "sms", "purpose": "profiling", "wording_version": "2026-01"},
            ],
        },
        headers=shop.headers(),
    )

    # then one grant is recorded, from the web shop, by her account
    assert response.status_code == 202, response.text
    shopper = service.find_shopper_by_email(session, "ada@example.com")
    assert shopper is not None
    shopper_id = shopper.id
    customer = customers.find_by_email(session, "ada@example.com")
    assert customer is not None
    records = customers.consent_history(session, customer.id)
    assert [
        (r.channel, r.purpose, r.wording_version, r.source, r.recorded_by) for r in records
    ] == [("email", "marketing", "2026-01", "web_shop", f"shopper:{shopper_id}")]


def test_a_consent_given_twice_is_a_422_and_nothing_is_added(
    shop: Storefront, session: Session
) -> None:
    # when the same channel and purpose come twice in the form
    response = shop.api.post(
        ACCOUNT,
        json={
            "email": "ada@example.com",
            "password": PASSWORD,
            "consents": [{**NEWSLETTER, "granted": True}, {**NEWSLETTER, "granted": True}],
        },
        headers=shop.headers(),
    )

    # then the repeated one is named and neither account, customer nor consent exists
    assert (response.status_code, response.json()["field"]) == (422, "consents.1")
    assert _count(session, Shopper) == 0
    assert _count(session, Customer) == 0
    assert _count(session, ConsentRecord) == 0


def test_an_unknown_consent_channel_is_a_422_on_that_field(
    shop: Storefront, session: Session
) -> None:
    response = shop.api.post(
        ACCOUNT,
        json={
            "email": "ada@example.com",
            "password": PASSWORD,
            "consents": [{**NEWSLETTER, "channel": "pigeon", "granted": True}],
        },
        headers=shop.headers(),
    )

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["consents.0.channel"]
    assert _count(session, Shopper) == 0
