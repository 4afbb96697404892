"""Fixtures of the identity tests: staff users made by a factory, and the application with the
back office behind sign-in (nobody signed in yet)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyotp
import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.orm import Session

from comptoir.api import create_app
from comptoir.identity import mfa, service
from comptoir.identity.models import StaffUser
from comptoir.kit import clock
from comptoir.kit.crypto.keyring import ephemeral_keyring, use_keyring
from comptoir.kit.db.engine import Database
from comptoir.kit.settings import Settings
from tests.backoffice.conftest import csrf_token_of, make_settings
from tests.support.mail import inbox, smtp_port  # noqa: F401  (fixtures)
from tests.support.staff import staff_session_token

PASSWORD = "un cheval bleu mange des pommes"
SECRET_FIELD = re.compile(r'id="totp-secret"[^>]*>([A-Z2-7]+)<')


def add_user(
    session: Session,
    *,
    email: str | None = None,
    password: str = PASSWORD,
    roles: Iterable[str] = ("read_only",),
    location_ids: Iterable[uuid.UUID] = (),
    display_name: str = "Léa Martin",
) -> StaffUser:
    """A staff user, committed to the test's transaction."""
    user = service.create_user(
        session,
        email=email or f"staff-{uuid.uuid4().hex[:8]}@example.com",
        display_name=display_name,
        password=password,
        role_keys=roles,
        location_ids=location_ids,
    )
    session.commit()
    return user


def enrol_totp(session: Session, user: StaffUser) -> str:
    """Turn on two-step verification for ``user``; returns the TOTP secret. The step of the
    current time is used up, so that a test can use the next one."""
    secret = mfa.start_enrolment(user)
    codes = mfa.confirm_enrolment(session, user, pyotp.TOTP(secret).at(clock.now()))
    assert codes is not None
    session.commit()
    return secret


@pytest.fixture(autouse=True)
def _keyring() -> Iterator[None]:
    """Keys of the test's own (staff e-mail addresses, names and TOTP secrets are encrypted),
    never a key file of the working tree."""
    with use_keyring(ephemeral_keyring()):
        yield


@pytest.fixture
def gated_settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, tmp_path)


@pytest.fixture
def app_client(gated_settings: Settings, db: Database) -> Iterator[TestClient]:
    """The application with the back office behind sign-in, on the rolled-back database; the
    browser asks for English pages."""
    with TestClient(
        create_app(gated_settings, db), headers={"Accept-Language": "en"}
    ) as test_client:
        yield test_client


@pytest.fixture
def staff_token(app_client: TestClient, db: Database, gated_settings: Settings) -> str:
    """The session token of a staff user holding every staff scope (not signed in to
    ``app_client`` until the test gives it the cookie)."""
    return staff_session_token(db, gated_settings)


def sign_in(
    client: TestClient, email: str, password: str = PASSWORD, next_path: str = "/admin"
) -> Response:
    """Post the sign-in form as a browser would (CSRF token from the form); no redirects
    followed."""
    form = client.get("/admin/login")
    answer: Response = client.post(
        "/admin/login",
        data={
            "email": email,
            "password": password,
            "next": next_path,
            "csrf_token": csrf_token_of(form.text),
        },
        follow_redirects=False,
    )
    return answer


def post_form(client: TestClient, page: str, action: str, data: dict[str, str]) -> Response:
    """Open ``page`` for its CSRF token, then post ``data`` to ``action`` from it (with the
    page as ``Referer``, as a browser does)."""
    token = csrf_token_of(client.get(page).text)
    answer: Response = client.post(
        action,
        data={**data, "csrf_token": token},
        headers={"Referer": f"http://testserver{page}"},
        follow_redirects=False,
    )
    return answer
