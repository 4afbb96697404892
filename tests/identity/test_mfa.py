"""Two-step verification: TOTP accepted once, clock window, recovery codes, enrolment forced
for the roles that require it, and the sign-in's second step."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.identity import mfa
from comptoir.identity.models import RecoveryCode, StaffSession, StaffUser
from comptoir.identity.web import SESSION_COOKIE
from comptoir.kit.clock import FrozenClock
from tests.backoffice.conftest import csrf_token_of
from tests.identity.conftest import SECRET_FIELD, add_user, enrol_totp, post_form, sign_in


def test_a_totp_code_is_accepted_once_and_refused_the_second_time(
    session: Session, clock: FrozenClock
) -> None:
    # given a user with two-step verification, and the code of the next time step
    user = add_user(session)
    secret = enrol_totp(session, user)
    clock.advance(timedelta(seconds=30))
    code = pyotp.TOTP(secret).at(clock.now())

    # when the code is given twice
    first = mfa.verify_second_step(session, user, code)
    second = mfa.verify_second_step(session, user, code)

    # then it is accepted the first time only
    assert first is True
    assert second is False


def test_a_code_of_an_earlier_step_is_refused_after_a_later_one(
    session: Session, clock: FrozenClock
) -> None:
    user = add_user(session)
    secret = enrol_totp(session, user)
    clock.advance(timedelta(seconds=60))
    earlier = pyotp.TOTP(secret).at(clock.now() - timedelta(seconds=30))
    assert mfa.accept_totp(session, user, pyotp.TOTP(secret).at(clock.now())) is True

    assert mfa.accept_totp(session, user, earlier) is False


def test_one_step_of_clock_drift_is_tolerated_two_are_not(
    session: Session, clock: FrozenClock
) -> None:
    # given a secret during enrolment (no step used yet)
    user = add_user(session)
    secret = mfa.start_enrolment(user)
    totp = pyotp.TOTP(secret)

    # then codes one step away are found, two steps away are not
    now = clock.now()
    assert mfa.matching_step(secret, totp.at(now - timedelta(seconds=30))) is not None
    assert mfa.matching_step(secret, totp.at(now + timedelta(seconds=30))) is not None
    assert mfa.matching_step(secret, totp.at(now - timedelta(seconds=60))) is None
    assert mfa.matching_step(secret, totp.at(now + timedelta(seconds=60))) is None


def test_a_recovery_code_works_once(session: Session, clock: FrozenClock) -> None:
    # given the ten recovery codes of a user
    user = add_user(session)
    enrol_totp(session, user)
    codes = mfa.new_recovery_codes(session, user.id)
    assert len(set(codes)) == 10

    # when one is used twice (typed in capitals, with spaces)
    typed = codes[3].upper().replace("-", " ")
    first = mfa.verify_second_step(session, user, typed)
    second = mfa.verify_second_step(session, user, codes[3])

    # then it worked once and only it is used up
    assert (first, second) == (True, False)
    used = session.scalars(select(RecoveryCode).where(RecoveryCode.used_at.is_not(None))).all()
    assert len(used) == 1


def test_new_recovery_codes_replace_the_old_ones(session: Session) -> None:
    user = add_user(session)
    old = mfa.new_recovery_codes(session, user.id)

    mfa.new_recovery_codes(session, user.id)

    assert mfa.use_recovery_code(session, user.id, old[0]) is False


def test_an_owner_is_sent_to_enrolment_before_anything_else(
    app_client: TestClient, session: Session
) -> None:
    # given an owner without two-step verification
    add_user(session, email="owner@example.com", roles=["owner"])

    # when she signs in
    answer = sign_in(app_client, "owner@example.com", next_path="/admin/operations")

    # then she must set it up first: every page sends her to the enrolment page
    assert answer.headers["location"] == "/admin/mfa/setup?next=/admin/operations"
    page = app_client.get("/admin/operations", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/admin/mfa/setup")


def test_enrolment_turns_mfa_on_and_completes_the_sign_in(
    app_client: TestClient, session: Session, clock: FrozenClock
) -> None:
    # given an accountant on the enrolment page after her password
    user = add_user(session, email="compta@example.com", roles=["accountant"])
    first_token = sign_in(app_client, "compta@example.com").cookies[SESSION_COOKIE]
    page = app_client.get("/admin/mfa/setup")
    match = SECRET_FIELD.search(page.text)
    assert match is not None
    assert "<svg" in page.text

    # when she types the code her app shows
    answer = app_client.post(
        "/admin/mfa/setup",
        data={
            "code": pyotp.TOTP(match.group(1)).at(clock.now()),
            "csrf_token": csrf_token_of(page.text),
        },
        follow_redirects=False,
    )

    # then she sees ten recovery codes once, her session has a new token, and pages open
    assert answer.status_code == 200
    assert len(re.findall(r"<li><code>", answer.text)) == 10
    assert answer.cookies[SESSION_COOKIE] != first_token
    assert app_client.get("/admin/account", follow_redirects=False).status_code == 200
    session.refresh(user)
    assert user.totp_enabled_at == clock.now()


def test_a_user_with_mfa_gives_a_code_after_the_password(
    app_client: TestClient, session: Session, clock: FrozenClock
) -> None:
    # given a user with two-step verification
    user = add_user(session, email="lea@example.com")
    secret = enrol_totp(session, user)
    clock.advance(timedelta(seconds=30))

    # when she gives her password, pages still need the code
    answer = sign_in(app_client, "lea@example.com", next_path="/admin/operations")
    assert answer.headers["location"] == "/admin/login/mfa?next=/admin/operations"
    assert app_client.get("/admin/operations", follow_redirects=False).status_code == 303

    # and a used code does not complete the sign-in, a fresh one does
    code = pyotp.TOTP(secret).at(clock.now())
    done = post_form(
        app_client, "/admin/login/mfa", "/admin/login/mfa", {"code": code, "next": "/admin"}
    )
    replay = post_form(app_client, "/admin/login/mfa", "/admin/login/mfa", {"code": code})
    assert done.status_code == 303
    assert app_client.get("/admin/operations", follow_redirects=False).status_code == 200
    assert replay.status_code == 303  # already signed in: the page sends her on
    stages = session.scalars(select(StaffSession.stage)).all()
    assert stages == ["full"]


def test_a_wrong_code_counts_as_a_failed_sign_in(
    app_client: TestClient, session: Session, clock: FrozenClock
) -> None:
    user = add_user(session, email="lea@example.com")
    enrol_totp(session, user)
    sign_in(app_client, "lea@example.com")

    answer = post_form(app_client, "/admin/login/mfa", "/admin/login/mfa", {"code": "000000"})

    assert answer.status_code == 400
    assert "This code is not right" in answer.text
    stored = session.get(StaffUser, user.id)
    assert stored is not None
    session.refresh(stored)
    assert stored.failed_logins == 1
