"""Signing in to the back office: the generic failure, lockout, rate limit, sessions, CSRF."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.identity.auth import IP_MAX_FAILURES
from comptoir.identity.models import FailedLogin, StaffSession, StaffUser
from comptoir.identity.web import SESSION_COOKIE
from comptoir.kit.clock import FrozenClock
from tests.backoffice.conftest import csrf_token_of
from tests.identity.conftest import PASSWORD, add_user, sign_in

GENERIC = "The e-mail address or the password is not right"


def test_admin_pages_send_an_anonymous_visitor_to_the_sign_in_page(app_client: TestClient) -> None:
    # when someone not signed in opens a page
    answer = app_client.get("/admin/operations?jobs=failed", follow_redirects=False)

    # then they are sent to the sign-in page, which will bring them back
    assert answer.status_code == 303
    assert answer.headers["location"] == "/admin/login?next=/admin/operations%3Fjobs%3Dfailed"


def test_signing_in_opens_a_session_and_goes_to_the_page_asked_for(
    app_client: TestClient, session: Session, clock: FrozenClock
) -> None:
    # given a user without a role that requires two-step verification
    user = add_user(session, email="lea@example.com")

    # when she signs in with her e-mail in another case
    answer = sign_in(app_client, "LEA@Example.COM", next_path="/admin/operations")

    # then she goes to the page, with a session cookie that is HttpOnly and SameSite=Lax
    assert answer.status_code == 303
    assert answer.headers["location"] == "/admin/operations"
    cookie = next(h for h in answer.headers.get_list("set-cookie") if SESSION_COOKIE in h)
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/admin" in cookie
    assert "Secure" not in cookie  # the base URL is http in tests
    assert app_client.get("/admin/operations").status_code == 200
    stored = session.scalars(select(StaffSession).where(StaffSession.user_id == user.id)).one()
    assert stored.expires_at == clock.now() + timedelta(hours=12)
    assert SESSION_COOKIE not in stored.token_hash
    session.refresh(user)
    assert user.last_login_at == clock.now()


def test_a_next_path_off_the_back_office_is_ignored(
    app_client: TestClient, session: Session
) -> None:
    add_user(session, email="lea@example.com")

    answer = sign_in(app_client, "lea@example.com", next_path="//evil.example/admin")

    assert answer.headers["location"] == "/admin"


def test_a_wrong_password_and_an_unknown_account_get_the_same_answer(
    app_client: TestClient, session: Session
) -> None:
    # given one account
    add_user(session, email="lea@example.com")

    # when someone tries a wrong password, and an address that has no account
    wrong_password = sign_in(app_client, "lea@example.com", password="pas le bon mot de passe")
    no_account = sign_in(app_client, "nobody@example.com", password="pas le bon mot de passe")

    # then both get the same page with the same message, and no session
    assert wrong_password.status_code == no_account.status_code == 400
    assert GENERIC in wrong_password.text
    assert wrong_password.text.replace("lea@", "x@") == no_account.text.replace("nobody@", "x@")
    assert SESSION_COOKIE not in wrong_password.cookies
    assert session.scalar(select(func.count()).select_from(StaffSession)) == 0


def test_a_failure_is_counted_although_the_request_rolls_back(
    app_client: TestClient, session: Session
) -> None:
    user = add_user(session, email="lea@example.com")

    sign_in(app_client, "lea@example.com", password="pas le bon mot de passe")

    session.refresh(user)
    assert user.failed_logins == 1
    assert session.scalar(select(func.count()).select_from(FailedLogin)) == 1


def test_the_account_locks_after_five_failures_then_unlocks_after_the_delay(
    app_client: TestClient, session: Session, clock: FrozenClock
) -> None:
    # given five failed attempts
    user = add_user(session, email="lea@example.com")
    for _ in range(5):
        sign_in(app_client, "lea@example.com", password="pas le bon mot de passe")

    # when the right password is given at once
    refused = sign_in(app_client, "lea@example.com")

    # then it is refused with the same generic message (the sixth failure doubles the delay)
    assert refused.status_code == 400
    assert GENERIC in refused.text
    session.refresh(user)
    assert user.locked_until == clock.now() + timedelta(minutes=2)

    # and once the delay has passed, the right password opens a session and resets the count
    clock.advance(timedelta(minutes=2, seconds=1))
    accepted = sign_in(app_client, "lea@example.com")
    assert accepted.status_code == 303
    session.refresh(user)
    assert user.failed_logins == 0


def test_an_address_with_too_many_failures_is_held_back(
    app_client: TestClient, session: Session, clock: FrozenClock
) -> None:
    # given 20 failures from one address on different accounts
    add_user(session, email="lea@example.com")
    for number in range(IP_MAX_FAILURES):
        sign_in(app_client, f"guess{number}@example.com", password="pas le bon mot de passe")

    # when a right password comes from that address
    held = sign_in(app_client, "lea@example.com")

    # then it is refused with 429 and no session, until the window has passed
    assert held.status_code == 429
    assert SESSION_COOKIE not in held.cookies
    clock.advance(timedelta(minutes=15, seconds=1))
    assert sign_in(app_client, "lea@example.com").status_code == 303


def test_signing_in_gives_a_new_session_token(app_client: TestClient, session: Session) -> None:
    # given a browser that already holds a session (signed in before)
    add_user(session, email="lea@example.com")
    first = sign_in(app_client, "lea@example.com").cookies[SESSION_COOKIE]

    # when it signs in again
    second = sign_in(app_client, "lea@example.com").cookies[SESSION_COOKIE]

    # then the token changed and the old one opens nothing
    assert second != first
    app_client.cookies.set(SESSION_COOKIE, first)
    assert app_client.get("/admin", follow_redirects=False).status_code == 303


def test_a_token_planted_before_sign_in_is_not_kept(
    app_client: TestClient, session: Session
) -> None:
    add_user(session, email="lea@example.com")
    app_client.cookies.set(SESSION_COOKIE, "planted-by-an-attacker")

    answer = sign_in(app_client, "lea@example.com")

    assert answer.cookies[SESSION_COOKIE] != "planted-by-an-attacker"


def test_signing_out_ends_the_session(app_client: TestClient, session: Session) -> None:
    # given a signed-in browser
    add_user(session, email="lea@example.com")
    token = sign_in(app_client, "lea@example.com").cookies[SESSION_COOKIE]
    page = app_client.get("/admin")

    # when it signs out
    answer = app_client.post(
        "/admin/logout", data={"csrf_token": csrf_token_of(page.text)}, follow_redirects=False
    )

    # then the session is revoked: the old token opens nothing
    assert answer.headers["location"] == "/admin/login"
    assert session.scalars(select(StaffSession.revoked_at)).one() is not None
    app_client.cookies.set(SESSION_COOKIE, token)
    assert app_client.get("/admin", follow_redirects=False).status_code == 303


def test_a_session_idle_for_30_minutes_ends(
    app_client: TestClient, session: Session, clock: FrozenClock
) -> None:
    add_user(session, email="lea@example.com")
    sign_in(app_client, "lea@example.com")
    clock.advance(timedelta(minutes=29))
    assert app_client.get("/admin", follow_redirects=False).status_code == 200

    clock.advance(timedelta(minutes=30))

    assert app_client.get("/admin", follow_redirects=False).status_code == 303


def test_activity_keeps_a_session_until_its_absolute_end(
    app_client: TestClient, session: Session, clock: FrozenClock
) -> None:
    # given a session used every 20 minutes for almost 12 hours
    add_user(session, email="lea@example.com")
    sign_in(app_client, "lea@example.com")
    for _ in range(35):
        clock.advance(timedelta(minutes=20))
        assert app_client.get("/admin", follow_redirects=False).status_code == 200

    # when the twelfth hour is reached
    clock.advance(timedelta(minutes=20))

    # then it ends all the same
    assert app_client.get("/admin", follow_redirects=False).status_code == 303


def test_a_deactivated_user_loses_their_session(app_client: TestClient, session: Session) -> None:
    user = add_user(session, email="lea@example.com")
    sign_in(app_client, "lea@example.com")

    session.get(StaffUser, user.id).is_active = False  # type: ignore[union-attr]
    session.commit()

    assert app_client.get("/admin", follow_redirects=False).status_code == 303


def test_sign_in_without_the_csrf_token_is_refused(
    app_client: TestClient, session: Session
) -> None:
    add_user(session, email="lea@example.com")

    answer = app_client.post(
        "/admin/login",
        data={"email": "lea@example.com", "password": PASSWORD},
        follow_redirects=False,
    )

    assert answer.status_code == 403
    assert SESSION_COOKIE not in answer.cookies


def test_a_csrf_token_from_before_sign_in_is_refused_after_it(
    app_client: TestClient, session: Session
) -> None:
    # given the CSRF token a page carried before sign-in
    add_user(session, email="lea@example.com")
    before = csrf_token_of(app_client.get("/admin/login").text)
    sign_in(app_client, "lea@example.com")

    # when it is used to sign out after sign-in (the cookie still holds the old token)
    answer = app_client.post("/admin/logout", data={"csrf_token": before}, follow_redirects=False)

    # then it is refused: tokens are bound to the session, and the session stays open
    assert answer.status_code == 403
    assert session.scalars(select(StaffSession.revoked_at)).one() is None
