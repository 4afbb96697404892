"""Shopper sign-in, lockout and the per-address limit, tokens (expiry with the clock, sliding
use, revocation by sign-out and by a password change, binding to their channel)."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.identity.shoppers.models import Shopper, ShopperFailedSignIn, ShopperToken
from comptoir.kit.clock import FrozenClock
from tests.identity.shoppers.conftest import ACCOUNT, PASSWORD, Storefront, make_storefront

NEW_PASSWORD = "la mer est calme ce matin"


def _failures(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(ShopperFailedSignIn)) or 0)


def test_signing_in_returns_a_token_stored_only_as_its_hash(
    shop: Storefront, session: Session
) -> None:
    shop.token_of("ada@example.com")

    response = shop.sign_in("ADA@example.com")

    assert response.status_code == 200
    token = response.json()["access_token"]
    assert shop.me(token).json()["email"] == "ada@example.com"
    hashes = set(session.scalars(select(ShopperToken.token_hash)))
    assert len(hashes) == 2
    assert token not in hashes


def test_a_wrong_password_and_an_unknown_address_get_the_same_401(
    shop: Storefront, session: Session
) -> None:
    shop.token_of("ada@example.com")

    wrong = shop.sign_in("ada@example.com", "not the right password")
    unknown = shop.sign_in("nobody@example.com")

    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == {**unknown.json(), "instance": wrong.json()["instance"]}
    assert wrong.json()["type"] == "/problems/shopper-sign-in-failed"
    # both failures are counted although their requests rolled back
    assert _failures(session) == 2
    assert session.scalar(select(Shopper.failed_logins)) == 1


def test_five_failures_lock_the_account_even_for_the_right_password_until_the_delay_ends(
    shop: Storefront, session: Session, clock: FrozenClock
) -> None:
    # given an account and five wrong passwords
    shop.token_of("ada@example.com")
    for _ in range(5):
        assert shop.sign_in("ada@example.com", "not the right password").status_code == 401

    # when the right password comes at once, then after the minute's lock
    locked = shop.sign_in("ada@example.com")
    clock.advance(timedelta(minutes=3))
    after = shop.sign_in("ada@example.com")

    # then it is refused while locked, accepted after, and the count starts again
    assert locked.status_code == 401
    assert after.status_code == 200
    session.expire_all()
    assert session.scalar(select(Shopper.failed_logins)) == 0


def test_twenty_failures_from_one_address_hold_it_back_with_a_429(
    shop: Storefront, session: Session, clock: FrozenClock
) -> None:
    shop.token_of("ada@example.com")
    for n in range(20):
        shop.sign_in(f"nobody-{n}@example.com")

    held = shop.sign_in("ada@example.com")
    clock.advance(timedelta(minutes=16))
    later = shop.sign_in("ada@example.com")

    assert (held.status_code, held.json()["type"]) == (
        429,
        "/problems/shopper-sign-in-rate-limited",
    )
    assert later.status_code == 200


def test_signing_out_ends_the_token_and_only_it(shop: Storefront) -> None:
    first = shop.token_of("ada@example.com")
    second = shop.sign_in("ada@example.com").json()["access_token"]

    response = shop.api.post(f"{ACCOUNT}/sign-out", headers=shop.headers(first))

    assert response.status_code == 204
    refused = shop.me(first)
    assert (refused.status_code, refused.json()["type"]) == (
        401,
        "/problems/shopper-token-refused",
    )
    assert shop.me(second).status_code == 200


def test_a_token_unused_for_30_days_expires(shop: Storefront, clock: FrozenClock) -> None:
    token = shop.token_of("ada@example.com")

    clock.advance(timedelta(days=30))

    assert shop.me(token).status_code == 401


def test_using_a_token_slides_its_expiry_up_to_90_days(
    shop: Storefront, clock: FrozenClock
) -> None:
    token = shop.token_of("ada@example.com")
    # used every 25 days, it lives on
    for _ in range(3):
        clock.advance(timedelta(days=25))
        assert shop.me(token).status_code == 200
    # but never past 90 days from the sign-in
    clock.advance(timedelta(days=15, seconds=1))
    assert shop.me(token).status_code == 401


def test_a_token_is_refused_with_another_channels_key(
    api: TestClient, shop: Storefront, session: Session
) -> None:
    token = shop.token_of("ada@example.com")
    other = make_storefront(api, session)

    response = other.me(token)

    assert (response.status_code, response.json()["type"]) == (
        401,
        "/problems/shopper-token-refused",
    )


def test_a_bad_authorization_header_is_refused_not_ignored(shop: Storefront) -> None:
    for header in ("Bearer ", "Basic YWRhOnB3", "Bearer not-a-token"):
        response = shop.api.get(
            "/store/v1/products", headers={**shop.headers(), "Authorization": header}
        )
        assert response.status_code == 401, header


def test_changing_the_password_ends_the_other_tokens_and_keeps_this_one(
    shop: Storefront,
) -> None:
    # given a shopper signed in twice
    current = shop.token_of("ada@example.com")
    other = shop.sign_in("ada@example.com").json()["access_token"]

    # when the password is changed with the first token
    response = shop.api.post(
        f"{ACCOUNT}/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=shop.headers(current),
    )

    # then only the new password signs in, and the other token is ended
    assert response.status_code == 204
    assert shop.me(current).status_code == 200
    assert shop.me(other).status_code == 401
    assert shop.sign_in("ada@example.com").status_code == 401
    assert shop.sign_in("ada@example.com", NEW_PASSWORD).status_code == 200


def test_a_wrong_current_password_or_a_weak_new_one_changes_nothing(
    shop: Storefront, session: Session
) -> None:
    token = shop.token_of("ada@example.com")
    before = session.scalar(select(Shopper.password_hash))

    wrong = shop.api.post(
        f"{ACCOUNT}/password",
        json={"current_password": "not the right one", "new_password": NEW_PASSWORD},
        headers=shop.headers(token),
    )
    weak = shop.api.post(
        f"{ACCOUNT}/password",
        json={"current_password": PASSWORD, "new_password": "short"},
        headers=shop.headers(token),
    )

    assert (wrong.status_code, wrong.json()["field"]) == (422, "current_password")
    assert (weak.status_code, weak.json()["field"]) == (422, "new_password")
    session.expire_all()
    assert session.scalar(select(Shopper.password_hash)) == before
