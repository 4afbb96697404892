"""Security events of staff accounts land in the audit trail, with no e-mail address, name,
password or code in them; every writing page and API route is audited."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import timedelta
from typing import Any

import pyotp
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.backoffice import shell
from comptoir.identity import mfa
from comptoir.identity.models import StaffSession
from comptoir.kit.clock import FrozenClock
from comptoir.privacy.capture import audit_page_write, audit_writes
from comptoir.privacy.models import PrivacyAuditEntry
from comptoir.privacy.service import verify_chain
from tests.identity.conftest import PASSWORD, add_user, enrol_totp, post_form, sign_in
from tests.support.staff import sign_in_client

EMAIL = "Romane.Leroy@example.com"
NAME = "Romane Leroy"


def _events(session: Session, object_id: object) -> list[PrivacyAuditEntry]:
    session.expire_all()
    stmt = select(PrivacyAuditEntry).where(
        PrivacyAuditEntry.object_type == "identity_staff_users",
        PrivacyAuditEntry.object_id == str(object_id),
    )
    return list(session.scalars(stmt.order_by(PrivacyAuditEntry.seq)))


def _actions(session: Session, object_id: object) -> list[str]:
    named = {
        "sign_in",
        "sign_in_failed",
        "locked_out",
        "sign_out",
        "mfa_enrolled",
        "mfa_removed",
        "recovery_code_used",
        "password_changed",
        "password_reset",
        "session_revoked",
        "roles_changed",
        "user_created",
        "user_deactivated",
        "user_reactivated",
    }
    return [e.action for e in _events(session, object_id) if e.action in named]


def _no_personal_data(session: Session, *secrets: str) -> None:
    for entry in session.scalars(select(PrivacyAuditEntry)):
        text = json.dumps(
            [entry.actor_name, entry.object_id, entry.changes, entry.user_agent], default=str
        ).casefold()
        for value in (EMAIL, NAME, PASSWORD, *secrets):
            assert value.casefold() not in text


def test_sign_in_failures_lockout_success_and_sign_out_are_recorded(
    app_client: TestClient, session: Session, clock: FrozenClock
) -> None:
    # given a user who mistypes her password five times (locked), waits, then signs in and out
    user = add_user(session, email=EMAIL, display_name=NAME)
    for _ in range(5):
        assert sign_in(app_client, EMAIL, "not the password at all").status_code == 400
    clock.advance(timedelta(minutes=2))
    sign_in(app_client, EMAIL)
    post_form(app_client, "/admin", "/admin/logout", {})

    # then the trail tells it, failures by someone not signed in, the rest by her
    events = _events(session, user.id)
    assert _actions(session, user.id) == [
        *["sign_in_failed"] * 5,
        "locked_out",
        "sign_in",
        "sign_out",
    ]
    assert {e.actor_kind for e in events if e.action == "sign_in_failed"} == {"anonymous"}
    assert {(e.actor_kind, e.actor_id) for e in events if e.action == "sign_out"} == {
        ("staff", user.id)
    }
    assert all(e.ip == "testclient" for e in events)
    _no_personal_data(session)
    assert verify_chain(session).is_intact


def test_a_failure_on_an_unknown_address_is_recorded_without_the_address(
    app_client: TestClient, session: Session
) -> None:
    sign_in(app_client, "nobody@example.com", "whatever it may be")

    assert _actions(session, "unknown") == ["sign_in_failed"]
    _no_personal_data(session, "nobody@example.com")


def test_enrolment_and_a_recovery_code_are_recorded(
    app_client: TestClient, session: Session, clock: FrozenClock
) -> None:
    # given a user with two-step verification and her recovery codes
    user = add_user(session, email=EMAIL, display_name=NAME)
    secret = mfa.start_enrolment(user)
    codes = mfa.confirm_enrolment(session, user, pyotp.TOTP(secret).at(clock.now()))
    assert codes is not None
    session.commit()

    # when she signs in with a recovery code instead of a TOTP code
    sign_in(app_client, EMAIL)
    answer = post_form(app_client, "/admin/login/mfa", "/admin/login/mfa", {"code": codes[0]})

    # then the code's use and the sign-in are recorded, the code itself is not
    assert answer.status_code == 303
    assert _actions(session, user.id) == ["recovery_code_used", "sign_in"]
    _no_personal_data(session, codes[0], secret)


def test_enrolling_through_the_page_is_recorded(
    app_client: TestClient, session: Session, clock: FrozenClock
) -> None:
    user = add_user(session, email=EMAIL, roles=("owner",))
    sign_in(app_client, EMAIL)
    page = app_client.get("/admin/mfa/setup")
    secret = page.text.split('id="totp-secret"', 1)[1].split(">", 1)[1].split("<", 1)[0]
    code = pyotp.TOTP(secret).at(clock.now())

    post_form(app_client, "/admin/mfa/setup", "/admin/mfa/setup", {"code": code})

    assert _actions(session, user.id) == ["mfa_enrolled", "sign_in"]


def test_password_change_and_session_revocation_are_recorded(
    app_client: TestClient, session: Session
) -> None:
    # given a user signed in on two browsers
    user = add_user(session, email=EMAIL)
    sign_in(app_client, EMAIL)
    other = app_client.cookies.get("comptoir_session")
    app_client.cookies.clear()
    sign_in(app_client, EMAIL)
    other_session = session.scalars(
        select(StaffSession).where(StaffSession.user_id == user.id).order_by(StaffSession.id)
    ).first()
    assert other is not None
    assert other_session is not None

    # when she ends the other session, then changes her password
    post_form(
        app_client, "/admin/account", f"/admin/account/sessions/{other_session.id}/revoke", {}
    )
    new = "une toute nouvelle phrase secrète"
    post_form(
        app_client,
        "/admin/account",
        "/admin/account/password",
        {"current_password": PASSWORD, "new_password": new, "confirm_password": new},
    )

    # then both are recorded, without the passwords
    assert _actions(session, user.id)[-2:] == ["session_revoked", "password_changed"]
    _no_personal_data(session, new)


def test_an_administrator_s_changes_to_a_user_are_recorded_as_hers(
    app_client: TestClient, session: Session, clock: FrozenClock
) -> None:
    # given an administrator signed in (with her second step) and a warehouse user
    admin = add_user(session, email="admin@example.com", roles=("administrator",))
    secret = enrol_totp(session, admin)
    clock.advance(timedelta(seconds=30))
    sign_in(app_client, "admin@example.com")
    post_form(
        app_client,
        "/admin/login/mfa",
        "/admin/login/mfa",
        {"code": pyotp.TOTP(secret).at(clock.now())},
    )
    user = add_user(session, email=EMAIL, display_name=NAME, roles=("warehouse",))
    page = f"/admin/users/{user.id}"

    # when she changes the user's roles, deactivates and reactivates her, and resets her MFA
    post_form(app_client, page, f"{page}/roles", {"roles": "read_only", "locations": ""})
    post_form(app_client, page, f"{page}/lock", {})
    post_form(app_client, page, f"{page}/unlock", {})
    post_form(app_client, page, f"{page}/reset-mfa", {})

    # then each is recorded as done by the administrator, the roles before and after
    events = [e for e in _events(session, user.id) if e.action != "update"]
    assert [e.action for e in events] == [
        "roles_changed",
        "user_deactivated",
        "user_reactivated",
        "mfa_removed",
    ]
    assert {(e.actor_kind, e.actor_id) for e in events} == {("staff", admin.id)}
    assert events[0].changes["previous_roles"]["new"] == ["warehouse"]
    assert events[0].changes["roles"]["new"] == ["read_only"]
    _no_personal_data(session)


def test_creating_a_user_from_the_page_is_recorded(
    app_client: TestClient, session: Session, staff_token: str
) -> None:
    # given a staff member holding every scope, signed in
    sign_in_client(app_client, staff_token)

    # when she adds a user
    answer = post_form(
        app_client,
        "/admin/users/new",
        "/admin/users/new",
        {"email": EMAIL, "display_name": NAME, "password": PASSWORD, "roles": "warehouse"},
    )

    # then the creation is recorded twice: the security event and the row written
    assert answer.status_code == 303
    entries = list(session.scalars(select(PrivacyAuditEntry)))
    created = [e for e in entries if e.action == "user_created"]
    assert len(created) == 1
    rows = [e for e in entries if e.object_id == created[0].object_id and e.action == "create"]
    assert rows
    assert rows[0].changes["email"] == {"old": "[redacted]", "new": "[redacted]"}
    _no_personal_data(session)


def _effective_routes(routes: Iterable[Any]) -> Iterator[Any]:
    # FastAPI keeps included routers as such and resolves their routes on demand.
    for route in routes:
        if hasattr(route, "effective_candidates"):
            yield from _effective_routes(route.effective_candidates())
        else:
            yield route


def test_every_writing_api_route_and_page_is_audited(app_client: TestClient) -> None:
    # given the application's route table
    routes = list(_effective_routes(app_client.app.routes))  # type: ignore[attr-defined]
    writing = [r for r in routes if (getattr(r, "methods", None) or set()) & shell.WRITING_METHODS]
    api = [r for r in writing if r.path.startswith("/api/v1/")]
    pages = [r for r in writing if r.path.startswith("/admin")]
    assert api
    assert pages

    # then every /api/v1 write carries the audit dependency, and every page write passes the
    # shell's guard, whose write hook is the audit trail's
    def calls(route: Any) -> set[object]:
        found: set[object] = set()
        stack = list(route.dependant.dependencies)
        while stack:
            dependant = stack.pop()
            found.add(dependant.call)
            stack.extend(dependant.dependencies)
        return found

    for route in api:
        assert audit_writes.dependency in calls(route), route.path
    guards = {shell._guard, shell._public_guard}
    for route in pages:
        assert calls(route) & guards, route.path
    assert audit_page_write in shell._pages.write_hooks
