"""Sign-up never tells whether an address has an account (ASVS V6.3.8): a taken address gets
the answer of a new one, no account is opened or changed, and the account's holder is told by
e-mail (through a real SMTP server), at most once a day."""

from __future__ import annotations

from datetime import timedelta
from email.header import decode_header, make_header
from email.message import Message

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.identity.shoppers.models import Shopper
from comptoir.kit.clock import FrozenClock
from comptoir.kit.db.engine import Database
from tests.identity.shoppers.conftest import ACCOUNT, PASSWORD, Storefront
from tests.support.mail import Inbox, body_of, run_jobs

OTHER_PASSWORD = "une tortue verte lit des romans"


def _subject(mail: Message) -> str:
    return str(make_header(decode_header(str(mail["Subject"]))))


def _count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Shopper)) or 0)


def test_a_taken_address_gets_the_answer_of_a_new_one(
    shop: Storefront, session: Session, db: Database, inbox: Inbox
) -> None:
    # given an account of ada@, whose verification e-mail was sent
    shop.token_of("ada@example.com")
    run_jobs(db)
    inbox.messages.clear()

    # when somebody signs up with her address (in another case) and another with a new one
    taken = shop.sign_up("  ADA@Example.com ", OTHER_PASSWORD)
    new = shop.sign_up("grace@example.com", OTHER_PASSWORD)

    # then both answers are alike: status, body shape and headers that could tell
    assert (taken.status_code, new.status_code) == (202, 202)
    assert taken.json() == {"email": "ADA@Example.com"}
    assert new.json() == {"email": "grace@example.com"}
    assert taken.headers.get("content-type") == new.headers.get("content-type")
    assert "location" not in taken.headers
    assert "location" not in new.headers
    # and no account was opened for the taken address, nor was hers changed
    assert _count(session) == 2
    assert shop.sign_in("ada@example.com", OTHER_PASSWORD).status_code == 401
    assert shop.sign_in("ada@example.com").status_code == 200


def test_the_account_holder_is_told_by_e_mail_with_a_way_back_in(
    shop: Storefront, session: Session, db: Database, inbox: Inbox
) -> None:
    # given ada@'s account
    shop.token_of("ada@example.com")
    run_jobs(db)
    inbox.messages.clear()

    # when somebody signs up with her address
    shop.sign_up("ada@example.com", OTHER_PASSWORD)
    run_jobs(db)

    # then she gets one e-mail, in French, saying so, without a verification link
    [mail] = inbox.to("ada@example.com")
    assert _subject(mail) == "Quelqu\u2019un a essayé d\u2019ouvrir un compte avec votre adresse"
    body = body_of(mail)
    assert "mot de passe" in body
    assert "réinitialiser" in body
    assert "token=" not in body
    assert len(inbox.messages) == 1


def test_the_notice_is_in_the_language_asked_and_sent_once_a_day(
    shop: Storefront, session: Session, db: Database, inbox: Inbox, clock: FrozenClock
) -> None:
    # given ada@'s account
    shop.token_of("ada@example.com")
    run_jobs(db)
    inbox.messages.clear()
    english = {**shop.headers(), "Accept-Language": "en"}
    attempt = {"email": "ada@example.com", "password": OTHER_PASSWORD}

    # when three sign-ups with her address come the same day, and one the next day
    for _ in range(3):
        assert shop.api.post(ACCOUNT, json=attempt, headers=english).status_code == 202
    run_jobs(db)
    first_day = len(inbox.to("ada@example.com"))
    clock.advance(timedelta(days=1))
    assert shop.api.post(ACCOUNT, json=attempt, headers=english).status_code == 202
    run_jobs(db)

    # then one notice a day reached her, in English
    assert first_day == 1
    mails = inbox.to("ada@example.com")
    assert len(mails) == 2
    assert _subject(mails[0]) == "Somebody tried to open an account with your address"
    assert "ask the shop to reset it" in body_of(mails[0])


def test_a_taken_address_is_checked_like_a_new_one_before_anything(
    shop: Storefront, session: Session, db: Database, inbox: Inbox
) -> None:
    # given ada@'s account
    shop.token_of("ada@example.com")
    run_jobs(db)
    inbox.messages.clear()

    # when her address comes with a weak password, or with a consent box given twice
    weak = shop.sign_up("ada@example.com", "password1234")
    box = {"channel": "email", "purpose": "marketing", "wording_version": "v1", "granted": True}
    twice = shop.api.post(
        ACCOUNT,
        json={"email": "ada@example.com", "password": PASSWORD, "consents": [box, box]},
        headers=shop.headers(),
    )

    # then the refusals are those a new address gets, and nobody is e-mailed
    assert (weak.status_code, weak.json()["field"]) == (422, "password")
    assert (twice.status_code, twice.json()["field"]) == (422, "consents.1")
    run_jobs(db)
    assert inbox.messages == []
    assert shop.sign_in("ada@example.com").status_code == 200
