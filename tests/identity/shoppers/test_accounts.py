"""Shopper accounts on ``/store/v1/account``: sign-up, password rules, e-mail encrypted at
rest and found by its blind index, and the link to a customer record."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from comptoir.identity.shoppers import service
from comptoir.identity.shoppers.models import Shopper
from comptoir.kit.crypto import blind_index, current_keyring
from comptoir.kit.crypto.blind_index import compute_blind_index
from comptoir.kit.ids import uuid7
from tests.identity.shoppers.conftest import ACCOUNT, PASSWORD, Storefront


def _count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Shopper)) or 0)


def test_signing_up_opens_an_account_that_signs_in_with_its_password(
    shop: Storefront, session: Session
) -> None:
    # when a shopper signs up
    response = shop.sign_up("ada@example.com")

    # then the sign-up is accepted without a token, and her password signs her in
    assert response.status_code == 202
    assert response.json() == {"email": "ada@example.com"}
    assert _count(session) == 1
    signed = shop.sign_in("ada@example.com")
    assert signed.status_code == 200, signed.text
    body = signed.json()
    assert (body["token_type"], body["shopper"]["email"]) == ("Bearer", "ada@example.com")
    me = shop.me(body["access_token"])
    assert me.status_code == 200
    assert me.json()["email"] == "ada@example.com"
    assert me.json()["customer_id"] == body["shopper"]["customer_id"] is not None


@pytest.mark.parametrize(
    "password",
    [
        "short pass",  # 10 characters
        "x" * 129,  # over 128
        "password1234",  # a common password
    ],
)
def test_a_password_outside_the_policy_is_a_422_on_password_and_nothing_is_added(
    shop: Storefront, session: Session, password: str
) -> None:
    response = shop.sign_up("ada@example.com", password)

    assert (response.status_code, response.json()["field"]) == (422, "password")
    assert response.json()["type"] == "/problems/password-rejected"
    assert _count(session) == 0


def test_a_password_of_twelve_to_128_characters_with_any_characters_is_accepted(
    shop: Storefront,
) -> None:
    assert shop.sign_up("a@example.com", "é" * 12).status_code == 202
    assert shop.sign_up("b@example.com", "🙂 " * 64).status_code == 202


def test_an_address_that_is_not_one_is_a_422_on_email(shop: Storefront, session: Session) -> None:
    response = shop.sign_up("not-an-address")

    assert (response.status_code, response.json()["field"]) == (422, "email")
    assert _count(session) == 0


def test_the_email_is_stored_encrypted_and_found_by_its_blind_index(
    shop: Storefront, session: Session
) -> None:
    # given a shopper who signed up
    shop.token_of("Grace.Hopper@example.com")

    # when the raw row is read
    raw = session.execute(text("SELECT * FROM identity_shoppers")).mappings().one()

    # then no column holds the address in clear, whatever its case
    dumped = b"".join(
        value if isinstance(value, bytes) else str(value).encode() for value in raw.values()
    )
    assert b"grace.hopper" not in dumped.lower()
    assert b"example.com" not in dumped.lower()
    # and the index is the keyed HMAC of the normalised address
    assert bytes(raw["email_index"]) == compute_blind_index(
        current_keyring().blind_index_key, "email", "grace.hopper@example.com"
    )
    found = service.find_shopper_by_email(session, " GRACE.HOPPER@example.com")
    assert found is not None
    assert found.email == "Grace.Hopper@example.com"
    assert (
        session.scalar(
            select(Shopper.id).where(
                Shopper.email_index == blind_index(Shopper.email_index, "grace.hopper@example.com")
            )
        )
        == found.id
    )


def test_the_account_needs_a_shopper_token_not_only_the_channel_key(shop: Storefront) -> None:
    response = shop.api.get(ACCOUNT, headers=shop.headers())

    assert (response.status_code, response.json()["type"]) == (403, "/problems/missing-scope")


def test_sign_up_needs_a_channel_key(api: TestClient, session: Session) -> None:
    response = api.post(ACCOUNT, json={"email": "ada@example.com", "password": PASSWORD})

    assert response.status_code == 401
    assert _count(session) == 0


def test_the_customer_hook_links_and_unlinks_an_account(shop: Storefront, session: Session) -> None:
    token = shop.token_of("ada@example.com")
    shopper = service.find_shopper_by_email(session, "ada@example.com")
    assert shopper is not None
    customer_id = uuid7()

    service.link_customer(session, shopper.id, customer_id)
    session.commit()
    linked = shop.me(token).json()["customer_id"]
    service.link_customer(session, shopper.id, None)
    session.commit()

    assert linked == str(customer_id)
    assert shop.me(token).json()["customer_id"] is None
