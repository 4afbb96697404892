"""Signed-in staff for back-office tests: a real staff user, a real session in the database and
its token in the ``comptoir_session`` cookie of a test client or a browser, exactly as after
a sign-in. The back office has no way in without one."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import timedelta
from functools import lru_cache
from typing import Final

from fastapi.testclient import TestClient
from playwright.sync_api import Page
from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.identity import auth, service
from comptoir.identity.models import SESSION_STAGE_FULL, Role, StaffUser
from comptoir.identity.passwords import hash_password
from comptoir.identity.scopes import STAFF_SCOPES
from comptoir.identity.web import SESSION_COOKIE
from comptoir.kit.db.engine import Database
from comptoir.kit.settings import Settings

STAFF_PASSWORD: Final = "un cheval bleu mange des pommes"
EVERY_SCOPE_ROLE: Final = "custom-every-scope"
# httpx keeps the cookies a server sets for "testserver" under this domain.
TEST_CLIENT_DOMAIN: Final = "testserver.local"


@lru_cache(maxsize=1)
def _password_hash() -> str:
    # argon2 is slow on purpose: one hash per test process is enough.
    return hash_password(STAFF_PASSWORD)


def every_scope_role(session: Session, *, scopes: Iterable[str] | None = None) -> Role:
    """A custom role holding every staff scope of the catalogue (or ``scopes``). Custom roles never
    require two-step verification, unlike the built-in owner and administrator roles."""
    chosen = sorted(STAFF_SCOPES if scopes is None else set(scopes))
    key = EVERY_SCOPE_ROLE if scopes is None else f"custom-{uuid.uuid4().hex[:12]}"
    role = session.scalars(select(Role).where(Role.key == key)).first()
    if role is None:
        role = Role(key=key, name="Every scope", is_builtin=False, scopes=chosen)
        session.add(role)
        session.flush()
    return role


def add_staff_user(
    session: Session,
    *,
    role_keys: Iterable[str] = (),
    email: str | None = None,
    display_name: str = "Sacha Bernard",
) -> StaffUser:
    """An active staff user whose password is :data:`STAFF_PASSWORD` and whose roles are
    ``role_keys`` (built-in roles are created when missing)."""
    email = email or f"staff-{uuid.uuid4().hex[:10]}@example.com"
    user = StaffUser(
        email=email,
        display_name=display_name,
        password_hash=_password_hash(),
        locale="fr",
    )
    session.add(user)
    session.flush()
    service.set_roles(session, user.id, role_keys)
    return user


def open_full_session(session: Session, user: StaffUser, settings: Settings) -> str:
    """A fully signed-in session of ``user``; returns the token the cookie carries."""
    policy = auth.SessionPolicy(
        idle=timedelta(minutes=settings.session_idle_minutes),
        absolute=timedelta(hours=settings.session_absolute_hours),
    )
    opened = auth.open_session(session, user, stage=SESSION_STAGE_FULL, policy=policy)
    return opened.token


def staff_session_token(
    database: Database,
    settings: Settings,
    *,
    scopes: Iterable[str] | None = None,
    role_keys: Iterable[str] | None = None,
) -> str:
    """Commit a staff user holding every staff scope (or ``scopes``, or the built-in roles
    ``role_keys``) and a full session of theirs; returns the session's token."""
    with database.transaction() as session:
        if role_keys is None:
            role_keys = [every_scope_role(session, scopes=scopes).key]
        else:
            service.ensure_builtin_roles(session)
        user = add_staff_user(session, role_keys=role_keys)
        return open_full_session(session, user, settings)


def sign_in_client(client: TestClient, token: str) -> None:
    """Give ``client`` the session cookie, as the server hands it after a sign-in (so that a
    cookie the server sets later replaces it)."""
    client.cookies.set(SESSION_COOKIE, token, domain=TEST_CLIENT_DOMAIN, path="/admin")


def sign_in_page(page: Page, base_url: str, token: str) -> None:
    """Give the browser page's context the session cookie for ``base_url``."""
    host = base_url.split("://", 1)[1].split(":", 1)[0].split("/", 1)[0]
    page.context.add_cookies(
        [
            {
                "name": SESSION_COOKIE,
                "value": token,
                "domain": host,
                "path": "/admin",
                "httpOnly": True,
                "sameSite": "Lax",
            }
        ]
    )
