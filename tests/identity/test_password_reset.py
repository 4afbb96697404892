"""Password reset by e-mail, through a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.identity.models import PasswordReset, StaffSession
from comptoir.identity.resets import SEND_TASK
from comptoir.kit.clock import FrozenClock
from comptoir.kit.db.engine import Database
from comptoir.kit.jobs.models import Job
from tests.identity.conftest import add_user, enrol_totp, post_form, sign_in
from tests.support.mail import Inbox, run_jobs

NEW_PASSWORD = "une toute nouvelle phrase secrète"
LINK = re.compile(r"http://127\.0\.0\.1:8000/admin/password/reset\?token=([\w-]+)")


def ask_for_link(client: TestClient, email: str) -> str:
    answer = post_form(client, "/admin/password/forgot", "/admin/password/forgot", {"email": email})
    assert answer.status_code == 200
    return answer.text


def test_the_reset_link_arrives_by_email_and_sets_a_new_password(
    app_client: TestClient, session: Session, db: Database, inbox: Inbox, clock: FrozenClock
) -> None:
    # given a user who forgot her password
    add_user(session, email="lea@example.com")

    # when she asks for a link and the job runs
    ask_for_link(app_client, "lea@example.com")
    run_jobs(db)

    # then one e-mail reached the SMTP server, in French, with a link
    assert len(inbox.messages) == 1
    mail = inbox.messages[0]
    assert mail["To"] == "lea@example.com"
    assert mail["From"] == "Comptoir <shop@example.com>"
    body = mail.get_payload(decode=True)
    assert isinstance(body, bytes)
    match = LINK.search(body.decode())
    assert match is not None
    token = match.group(1)

    # and the link sets the new password, which then signs her in
    page = f"/admin/password/reset?token={token}"
    done = post_form(
        app_client,
        page,
        "/admin/password/reset",
        {"token": token, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
    )
    assert done.headers["location"] == "/admin/login"
    assert sign_in(app_client, "lea@example.com", password=NEW_PASSWORD).status_code == 303


def test_the_token_is_stored_hashed_and_works_once(
    app_client: TestClient, session: Session, db: Database, inbox: Inbox, clock: FrozenClock
) -> None:
    add_user(session, email="lea@example.com")
    ask_for_link(app_client, "lea@example.com")
    run_jobs(db)
    body = inbox.messages[0].get_payload(decode=True)
    assert isinstance(body, bytes)
    match = LINK.search(body.decode())
    assert match is not None
    token = match.group(1)
    stored = session.scalars(select(PasswordReset.token_hash)).one()
    assert token not in stored
    form = {"token": token, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}
    page = f"/admin/password/reset?token={token}"
    post_form(app_client, page, "/admin/password/reset", form)

    # when the link is used a second time
    again = post_form(app_client, "/admin/password/forgot", "/admin/password/reset", form)

    # then it is refused
    assert again.status_code == 400
    assert "This link does not work any more" in again.text


def test_the_link_expires_after_30_minutes(
    app_client: TestClient, session: Session, db: Database, inbox: Inbox, clock: FrozenClock
) -> None:
    user = add_user(session, email="lea@example.com")
    old_hash = user.password_hash
    ask_for_link(app_client, "lea@example.com")
    run_jobs(db)
    body = inbox.messages[0].get_payload(decode=True)
    assert isinstance(body, bytes)
    match = LINK.search(body.decode())
    assert match is not None

    clock.advance(timedelta(minutes=30))
    answer = app_client.get(f"/admin/password/reset?token={match.group(1)}")

    assert answer.status_code == 400
    assert "This link does not work any more" in answer.text
    session.refresh(user)
    assert user.password_hash == old_hash


def test_an_unknown_address_gets_the_same_answer_and_no_email(
    app_client: TestClient, session: Session, db: Database, inbox: Inbox
) -> None:
    add_user(session, email="lea@example.com")

    known = ask_for_link(app_client, "lea@example.com")
    unknown = ask_for_link(app_client, "nobody@example.com")
    run_jobs(db)

    assert known == unknown
    assert [mail["To"] for mail in inbox.messages] == ["lea@example.com"]


def test_an_email_that_cannot_be_sent_is_retried(
    app_client: TestClient, session: Session, db: Database, smtp_port: int, clock: FrozenClock
) -> None:
    # given no SMTP server listening
    add_user(session, email="lea@example.com")
    ask_for_link(app_client, "lea@example.com")

    # when the job runs
    run_jobs(db)

    # then it failed and waits in line for another attempt
    job = session.scalars(select(Job).where(Job.task == SEND_TASK)).one()
    session.refresh(job)
    assert job.status == "pending"
    assert job.attempts == 1
    assert job.run_after > clock.now()
    assert "ConnectionRefusedError" in (job.last_error or "")


def test_a_reset_does_not_bypass_two_step_verification(
    app_client: TestClient, session: Session, db: Database, inbox: Inbox, clock: FrozenClock
) -> None:
    # given a user with two-step verification who resets her password
    user = add_user(session, email="lea@example.com")
    enrol_totp(session, user)
    ask_for_link(app_client, "lea@example.com")
    run_jobs(db)
    body = inbox.messages[0].get_payload(decode=True)
    assert isinstance(body, bytes)
    match = LINK.search(body.decode())
    assert match is not None
    token = match.group(1)
    form = {"token": token, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}
    done = post_form(
        app_client, f"/admin/password/reset?token={token}", "/admin/password/reset", form
    )

    # then the reset opened no session, and signing in still asks for the code
    assert "comptoir_session" not in done.cookies
    assert session.scalars(select(StaffSession)).all() == []
    answer = sign_in(app_client, "lea@example.com", password=NEW_PASSWORD)
    assert answer.headers["location"] == "/admin/login/mfa?next=/admin"
    assert app_client.get("/admin", follow_redirects=False).status_code == 303
