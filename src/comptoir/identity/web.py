"""The back office's side of identity: the session cookie, the gatekeeper that turns it into
a staff :class:`~comptoir.kit.http.access.Principal`, and the step-up dependency that other
modules put on dangerous actions."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any, Final
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request, Response
from sqlalchemy.orm import Session

from comptoir.backoffice.shell import PageRedirect, backoffice, login_redirect
from comptoir.identity import auth, service
from comptoir.identity.models import SESSION_STAGE_ENROL, SESSION_STAGE_FULL, SESSION_STAGE_MFA
from comptoir.identity.scopes import MFA_ROLES
from comptoir.kit import clock
from comptoir.kit.db.engine import Database
from comptoir.kit.http.access import Principal
from comptoir.kit.settings import Settings

SESSION_COOKIE: Final = "comptoir_session"
LOGIN_PATH: Final = "/admin/login"
MFA_PATH: Final = "/admin/login/mfa"
ENROL_PATH: Final = "/admin/mfa/setup"
CONFIRM_PATH: Final = "/admin/account/confirm"
STEP_UP_WINDOW: Final = timedelta(minutes=5)


def session_policy(settings: Settings) -> auth.SessionPolicy:
    return auth.SessionPolicy(
        idle=timedelta(minutes=settings.session_idle_minutes),
        absolute=timedelta(hours=settings.session_absolute_hours),
    )


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    """Hand the browser its session token: HttpOnly, SameSite=Lax, Secure on https."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        path="/admin",
        httponly=True,
        samesite="lax",
        secure=backoffice(request).secure_cookies,
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE,
        path="/admin",
        httponly=True,
        samesite="lax",
        secure=backoffice(request).secure_cookies,
    )


class SessionGatekeeper:
    """Reads the ``comptoir_session`` cookie. Sets on ``request.state``: ``staff_session_id``,
    ``staff_user_id`` and ``staff_stage`` for any live session (even half-way through
    sign-in), ``csrf_binding``, and returns the principal only for a complete sign-in."""

    def authenticate(self, request: Request) -> Principal | None:
        token = request.cookies.get(SESSION_COOKIE, "")
        if not token:
            return None
        database: Database = request.app.state.database
        settings: Settings = request.app.state.settings
        policy = session_policy(settings)
        with database.transaction(readonly=True) as session:
            found = auth.find_session(session, token, policy)
            if found is None:
                return None
            staff_session, user = found
            stage = staff_session.stage
            # A role that needs two-step verification may have been given after sign-in.
            if (
                stage == SESSION_STAGE_FULL
                and user.totp_enabled_at is None
                and _must_enrol(session, user.id, settings)
            ):
                stage = SESSION_STAGE_ENROL
            request.state.staff_session_id = staff_session.id
            request.state.staff_user_id = user.id
            request.state.staff_stage = stage
            request.state.csrf_binding = staff_session.token_hash
            principal = (
                service.principal_for(session, user, staff_session)
                if stage == SESSION_STAGE_FULL
                else None
            )
            session_id, last_seen = staff_session.id, staff_session.last_seen_at
        if clock.now() - last_seen >= auth.TOUCH_EVERY:
            with database.transaction() as session:
                auth.touch_session(session, session_id, last_seen)
        return principal

    def sign_in_path(self, request: Request) -> str:
        stage = getattr(request.state, "staff_stage", None)
        if stage == SESSION_STAGE_MFA:
            return MFA_PATH
        if stage == SESSION_STAGE_ENROL:
            return ENROL_PATH
        return LOGIN_PATH


def _must_enrol(session: Session, user_id: uuid.UUID, settings: Settings) -> bool:
    if settings.mfa_required_for_everyone:
        return True
    return bool(MFA_ROLES.intersection(service.role_keys_of(session, user_id)))


def staff_principal(request: Request) -> Principal:
    """The signed-in principal of a back-office page (the gate has put it there)."""
    principal = getattr(request.state, "principal", None)
    assert isinstance(principal, Principal)
    return principal


def _recent_authentication(request: Request) -> Principal:
    principal = staff_principal(request)
    authenticated_at: Any = principal.extra.get("authenticated_at")
    if authenticated_at is None or clock.now() - authenticated_at > STEP_UP_WINDOW:
        if request.method == "GET":
            raise PageRedirect(login_redirect(request, CONFIRM_PATH))
        # After a form post, come back to the page the form was on.
        referer = urlsplit(request.headers.get("referer", ""))
        back = referer.path + (f"?{referer.query}" if referer.query else "")
        if referer.netloc == request.url.netloc and back.startswith("/admin/"):
            raise PageRedirect(f"{CONFIRM_PATH}?next={quote(back, safe='/')}")
        raise PageRedirect(CONFIRM_PATH)
    return principal


recent_authentication: Final = Depends(_recent_authentication)
"""Page dependency for dangerous actions (role changes, key rotation, data export): the user
must have given their password (and code) within the last five minutes, else they are sent to
confirm it and then back to the page (for a GET; a POST sends them back to the page's GET)."""
