"""Shopper e-mail verification through a real SMTP server (aiosmtpd): the link reaches the
address and points at the storefront, its token is stored hashed, works once and for 24 hours,
and new links are paced."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.identity.shoppers import service
from comptoir.identity.shoppers.models import ShopperEmailVerification
from comptoir.kit.clock import FrozenClock
from comptoir.kit.db.engine import Database
from tests.identity.shoppers.conftest import Storefront, verification_token
from tests.support.mail import Inbox, body_of, run_jobs


def test_signing_up_emails_a_storefront_link_that_verifies_the_address(
    shop: Storefront, session: Session, db: Database, storefront_page: Inbox
) -> None:
    # given a shopper who just signed up: her address is not verified yet
    signed = shop.signed_up("ada@example.com")
    assert signed["shopper"]["email_verified_at"] is None

    # when the e-mail job runs
    token = verification_token(db, storefront_page, "ada@example.com")

    # then one e-mail in French reached her, from the shop, linking to the storefront's page
    [mail] = storefront_page.messages
    assert (mail["To"], mail["From"]) == ("ada@example.com", "Comptoir <shop@example.com>")
    assert mail["Subject"] == "Confirmez votre adresse e-mail"
    assert "24 heures" in body_of(mail)

    # and the storefront's page sends the token with the channel key alone: verified
    verified = shop.verify_email(token)
    assert verified.status_code == 200, verified.text
    assert verified.json()["email_verified_at"] is not None
    me = shop.me(signed["access_token"]).json()
    assert me["email_verified_at"] == verified.json()["email_verified_at"]


def test_the_email_is_in_the_language_the_storefront_asked_in(
    shop: Storefront, db: Database, storefront_page: Inbox
) -> None:
    # when the storefront signs up a shopper asking for English
    response = shop.api.post(
        "/store/v1/account",
        json={"email": "ada@example.com", "password": "un cheval bleu mange des pommes"},
        headers={**shop.headers(), "Accept-Language": "en"},
    )
    assert response.status_code == 202, response.text
    run_jobs(db)

    # then the e-mail is in English
    [mail] = storefront_page.messages
    assert mail["Subject"] == "Confirm your e-mail address"
    assert "within 24 hours" in body_of(mail)


def test_the_token_is_stored_only_as_its_hash_and_works_once(
    shop: Storefront, session: Session, db: Database, storefront_page: Inbox
) -> None:
    # given the link e-mailed at sign-up
    shop.sign_up("ada@example.com")
    token = verification_token(db, storefront_page, "ada@example.com")

    # then only the token's SHA-256 is stored
    stored = session.scalars(select(ShopperEmailVerification.token_hash)).one()
    assert stored == hashlib.sha256(token.encode()).hexdigest()

    # when the link is used twice
    first = shop.verify_email(token)
    second = shop.verify_email(token)

    # then the second use is refused on the token
    assert first.status_code == 200
    assert (second.status_code, second.json()["field"]) == (422, "token")
    assert second.json()["type"] == "/problems/shopper-verification-link-refused"


def test_the_link_expires_after_24_hours(
    shop: Storefront, session: Session, db: Database, storefront_page: Inbox, clock: FrozenClock
) -> None:
    # given the link e-mailed at sign-up, opened 24 hours later
    shop.sign_up("ada@example.com")
    token = verification_token(db, storefront_page, "ada@example.com")
    clock.advance(timedelta(hours=24))

    # when the storefront sends its token
    response = shop.verify_email(token)

    # then it is refused and the address stays unverified
    assert (response.status_code, response.json()["field"]) == (422, "token")
    shopper = service.find_shopper_by_email(session, "ada@example.com")
    assert shopper is not None
    session.refresh(shopper)
    assert shopper.email_verified_at is None


def test_an_unknown_token_is_refused_like_a_used_one(shop: Storefront) -> None:
    # when a made-up token is sent
    response = shop.verify_email("x" * 43)

    # then the answer is the one of a used or expired link
    assert (response.status_code, response.json()["field"]) == (422, "token")
    assert response.json()["type"] == "/problems/shopper-verification-link-refused"


def test_a_new_link_is_sent_at_most_once_a_minute_and_verifying_ends_the_others(
    shop: Storefront, db: Database, storefront_page: Inbox, clock: FrozenClock
) -> None:
    # given a shopper who signed up a moment ago
    access = shop.token_of("ada@example.com")
    first = verification_token(db, storefront_page, "ada@example.com")

    # when she asks for another link at once, then a minute later
    too_soon = shop.ask_for_verification(access)
    clock.advance(timedelta(minutes=1))
    later = shop.ask_for_verification(access)
    second = verification_token(db, storefront_page, "ada@example.com")

    # then the first ask is held back with a 429 and the second sends a new link
    assert too_soon.status_code == 429
    assert too_soon.json()["type"] == "/problems/shopper-verification-email-rate-limited"
    assert later.status_code == 202
    assert len(storefront_page.messages) == 2
    assert second != first

    # and once the new link verified the address, the older one no longer works
    assert shop.verify_email(second).status_code == 200
    assert shop.verify_email(first).status_code == 422


def test_no_more_than_ten_links_a_day(
    shop: Storefront, db: Database, storefront_page: Inbox, clock: FrozenClock
) -> None:
    # given a shopper who had a link at sign-up and nine more, a minute apart
    access = shop.token_of("ada@example.com")
    for _ in range(9):
        clock.advance(timedelta(minutes=1))
        assert shop.ask_for_verification(access).status_code == 202

    # when she asks for an eleventh a minute later, then a day after the first
    clock.advance(timedelta(minutes=1))
    eleventh = shop.ask_for_verification(access)
    run_jobs(db)
    clock.advance(timedelta(hours=24))
    next_day = shop.ask_for_verification(access)
    run_jobs(db)

    # then the eleventh is held back and the next day's is sent
    assert eleventh.status_code == 429
    assert next_day.status_code == 202
    assert len(storefront_page.to("ada@example.com")) == 11


def test_a_verified_address_asks_for_no_new_link(
    shop: Storefront, db: Database, storefront_page: Inbox, clock: FrozenClock
) -> None:
    # given a shopper whose address is verified
    access = shop.token_of("ada@example.com")
    shop.verify_email(verification_token(db, storefront_page, "ada@example.com"))
    clock.advance(timedelta(minutes=5))

    # when she asks for a link
    response = shop.ask_for_verification(access)

    # then there is nothing to verify
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/shopper-email-already-verified"


def test_asking_for_a_link_needs_the_shoppers_token(shop: Storefront) -> None:
    # when the storefront asks with its channel key alone
    response = shop.api.post("/store/v1/account/verification-email", headers=shop.headers())

    # then it lacks the account scope
    assert response.status_code == 403
