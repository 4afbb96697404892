"""Fixtures of the shopper tests: the application on the rolled-back database, a channel
with a publishable key to call ``/store/v1`` with, and a real SMTP server for the
verification e-mails."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.orm import Session

from comptoir.api import create_app
from comptoir.channels.models import Channel
from comptoir.kit.db.engine import Database
from comptoir.kit.settings import Settings, get_settings
from tests.channels.factories import make_channel_key
from tests.support.mail import Inbox, find_token, inbox, run_jobs, smtp_port  # noqa: F401  (fixtures)

PASSWORD = "un cheval bleu mange des pommes"
ACCOUNT = "/store/v1/account"
# The storefront page the verification e-mails link to (COMPTOIR_SHOPPER_VERIFICATION_URL).
STOREFRONT_PAGE: Final = "https://boutique.example/compte/verifier"
VERIFY_LINK: Final = re.compile(r"https://boutique\.example/compte/verifier\?token=([\w-]+)")


@pytest.fixture
def storefront_page(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Inbox:
    """The SMTP server's inbox, with the verification links pointing at the storefront."""
    received = request.getfixturevalue("inbox")
    assert isinstance(received, Inbox)
    monkeypatch.setenv("COMPTOIR_SHOPPER_VERIFICATION_URL", STOREFRONT_PAGE)
    get_settings.cache_clear()
    return received


def verification_token(db: Database, received: Inbox, email: str) -> str:
    """Send the queued e-mails and return the token of the last link sent to ``email``."""
    run_jobs(db)
    messages = received.to(email)
    assert messages, f"no e-mail to {email}"
    return find_token(messages[-1], VERIFY_LINK)


@pytest.fixture
def api(settings: Settings, db: Database) -> Iterator[TestClient]:
    with TestClient(create_app(settings, db)) as client:
        yield client


@dataclass(frozen=True, slots=True)
class Storefront:
    """A channel and its key, with helpers to call the account endpoints as it."""

    api: TestClient
    channel: Channel
    key: str

    def headers(self, token: str | None = None) -> dict[str, str]:
        headers = {"X-Channel-Key": self.key}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return headers

    def sign_up(self, email: str, password: str = PASSWORD) -> Response:
        response: Response = self.api.post(
            ACCOUNT, json={"email": email, "password": password}, headers=self.headers()
        )
        return response

    def sign_in(self, email: str, password: str = PASSWORD) -> Response:
        response: Response = self.api.post(
            f"{ACCOUNT}/sign-in",
            json={"email": email, "password": password},
            headers=self.headers(),
        )
        return response

    def me(self, token: str) -> Response:
        response: Response = self.api.get(ACCOUNT, headers=self.headers(token))
        return response

    def verify_email(self, token: str) -> Response:
        response: Response = self.api.post(
            f"{ACCOUNT}/verify-email", json={"token": token}, headers=self.headers()
        )
        return response

    def ask_for_verification(self, token: str) -> Response:
        response: Response = self.api.post(
            f"{ACCOUNT}/verification-email", headers=self.headers(token)
        )
        return response

    def signed_up(self, email: str, password: str = PASSWORD) -> dict[str, Any]:
        """Sign up, then sign in with the same password: the sign-in's answer (the token and
        the account)."""
        response = self.sign_up(email, password)
        assert response.status_code == 202, response.text
        signed = self.sign_in(email, password)
        assert signed.status_code == 200, signed.text
        body: dict[str, Any] = signed.json()
        return body

    def token_of(self, email: str, password: str = PASSWORD) -> str:
        token = self.signed_up(email, password)["access_token"]
        assert isinstance(token, str)
        return token


def make_storefront(api: TestClient, session: Session) -> Storefront:
    channel, key = make_channel_key(session)
    session.commit()
    return Storefront(api, channel, key)


@pytest.fixture
def shop(api: TestClient, session: Session) -> Storefront:
    return make_storefront(api, session)
