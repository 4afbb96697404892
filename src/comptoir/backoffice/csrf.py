"""Protection of the back office against cross-site request forgery.

A signed double-submit cookie: the browser holds a random token signed with an HMAC of the
shop's secret key in the ``comptoir_csrf`` cookie, and every state-changing request repeats the
token, in the ``csrf_token`` form field or in the ``X-CSRF-Token`` header that htmx sends on
every request (``hx-headers`` on ``<body>``). Another site can make a browser send the cookie,
but cannot read it to repeat it; and a cookie planted by a sibling domain fails the signature.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Final

from fastapi import HTTPException, Request, Response

COOKIE_NAME: Final = "comptoir_csrf"
HEADER_NAME: Final = "X-CSRF-Token"
FORM_FIELD: Final = "csrf_token"
SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_STATE_KEY: Final = "comptoir_csrf_token"
_ISSUED_KEY: Final = "comptoir_csrf_issued"


def _signature(secret_key: str, nonce: str) -> str:
    return hmac.new(secret_key.encode(), nonce.encode(), hashlib.sha256).hexdigest()


def new_token(secret_key: str) -> str:
    """A fresh token: a random nonce and its HMAC-SHA256 under ``secret_key``."""
    nonce = secrets.token_urlsafe(32)
    return f"{nonce}.{_signature(secret_key, nonce)}"


def is_signed(token: str, secret_key: str) -> bool:
    """Whether ``token`` was issued with ``secret_key`` (constant-time comparison)."""
    nonce, dot, signature = token.partition(".")
    if not dot or not nonce or not signature:
        return False
    return hmac.compare_digest(signature.encode(), _signature(secret_key, nonce).encode())


def token_for(request: Request, secret_key: str) -> str:
    """The token that the page being rendered embeds: the browser's own if it is valid,
    otherwise a new one, which :func:`set_cookie` then hands to the browser."""
    cached = getattr(request.state, _STATE_KEY, None)
    if isinstance(cached, str):
        return cached
    token = request.cookies.get(COOKIE_NAME, "")
    if not is_signed(token, secret_key):
        token = new_token(secret_key)
        setattr(request.state, _ISSUED_KEY, True)
    setattr(request.state, _STATE_KEY, token)
    return token


def set_cookie(request: Request, response: Response, *, secure: bool) -> None:
    """Send the token chosen by :func:`token_for` to the browser if it did not have it."""
    if not getattr(request.state, _ISSUED_KEY, False):
        return
    # HttpOnly: scripts never need the cookie, the page carries the token. SameSite=Strict
    # adds a second barrier in browsers that honour it.
    response.set_cookie(
        COOKIE_NAME,
        getattr(request.state, _STATE_KEY),
        path="/admin",
        httponly=True,
        samesite="strict",
        secure=secure,
    )


async def submitted_token(request: Request) -> str:
    """The token the request repeats: the header, or else the form field (empty if none)."""
    header = request.headers.get(HEADER_NAME)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(FORM_FIELD)
        if isinstance(value, str):
            return value
    return ""


async def verify(request: Request, secret_key: str) -> None:
    """Let safe requests through; refuse any other whose cookie is not signed with
    ``secret_key`` or whose repeated token differs from the cookie.

    Raises ``HTTPException(403)`` before the endpoint runs, so nothing changes.
    """
    if request.method in SAFE_METHODS:
        return
    cookie = request.cookies.get(COOKIE_NAME, "")
    submitted = await submitted_token(request)
    matches = hmac.compare_digest(cookie.encode(), submitted.encode())
    if not (is_signed(cookie, secret_key) and matches):
        raise HTTPException(status_code=403, detail="CSRF token missing or invalid")
