"""Signing in with an external OpenID Connect provider: the button's target sends the browser
to the provider; the callback checks the answer and opens a session like a password sign-in
(with the code step still due where the user's roles ask for one).

Between the two, the browser carries the attempt (provider, ``state``, ``nonce``, PKCE
verifier, the page to go back to) in a short-lived cookie encrypted and authenticated with
AES-256-GCM under a key derived from the shop's secret key: it cannot be read or forged, and
it ties the provider's answer to the browser that asked for it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import uuid
from typing import Annotated, Final
from urllib.parse import quote

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from comptoir.backoffice.shell import backoffice, register_pages, render
from comptoir.identity import auth
from comptoir.identity import security_log as log
from comptoir.identity.external import client
from comptoir.identity.external import service as external
from comptoir.identity.models import SESSION_STAGE_ENROL, SESSION_STAGE_FULL, SESSION_STAGE_MFA
from comptoir.identity.pages import safe_next
from comptoir.identity.web import (
    ENROL_PATH,
    MFA_PATH,
    client_ip,
    session_policy,
    set_session_cookie,
)
from comptoir.kit import clock
from comptoir.kit.db.engine import Database
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.settings import OidcProviderSettings, Settings

PENDING_COOKIE: Final = "comptoir_external_sign_in"
PENDING_PATH: Final = "/admin/login/external"
PENDING_LIFETIME_SECONDS: Final = 600
METHOD: Final = "external"

public_router = APIRouter()
register_pages(public_router, public=True)


def _cookie_key(settings: Settings) -> bytes:
    return hashlib.sha256(f"comptoir-external-sign-in|{settings.secret_key}".encode()).digest()


def seal_pending(settings: Settings, pending: client.PendingSignIn) -> str:
    """The cookie value carrying ``pending`` (AES-256-GCM, random nonce)."""
    plain = json.dumps(
        {
            "p": pending.provider,
            "s": pending.state,
            "n": pending.nonce,
            "v": pending.code_verifier,
            "next": pending.next_path,
            "exp": pending.expires_at,
        }
    ).encode()
    nonce = os.urandom(12)
    sealed = nonce + AESGCM(_cookie_key(settings)).encrypt(nonce, plain, PENDING_COOKIE.encode())
    return base64.urlsafe_b64encode(sealed).decode().rstrip("=")


def open_pending(settings: Settings, value: str) -> client.PendingSignIn | None:
    """The attempt a cookie carries, or ``None`` when it is missing, forged or expired."""
    if not value or len(value) > 4096:
        return None
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        plain = AESGCM(_cookie_key(settings)).decrypt(raw[:12], raw[12:], PENDING_COOKIE.encode())
        data = json.loads(plain)
        pending = client.PendingSignIn(
            provider=str(data["p"]),
            state=str(data["s"]),
            nonce=str(data["n"]),
            code_verifier=str(data["v"]),
            next_path=str(data["next"]),
            expires_at=float(data["exp"]),
        )
    except (InvalidTag, ValueError, KeyError, TypeError):
        return None
    return pending if pending.expires_at > clock.now().timestamp() else None


def _forget_pending(request: Request, response: Response) -> None:
    response.delete_cookie(
        PENDING_COOKIE,
        path=PENDING_PATH,
        httponly=True,
        samesite="lax",
        secure=backoffice(request).secure_cookies,
    )


def _provider(request: Request, key: str) -> OidcProviderSettings:
    provider = external.find_provider(request.app.state.settings, key)
    if provider is None:
        raise HTTPException(status_code=404, detail="Not Found")
    return provider


def _refused(
    request: Request,
    provider: OidcProviderSettings,
    refusal: external.ExternalSignInRefused,
    *,
    next_path: str = "/admin",
    user_id: uuid.UUID | None = None,
) -> HTMLResponse:
    """The sign-in page with the reason, no session; the failure goes to the audit trail."""
    database: Database = request.app.state.database
    with database.transaction() as session:
        log.log_event(
            session,
            log.SIGN_IN_FAILED,
            user_id=user_id,
            request=request,
            details={"method": METHOD, "provider": provider.key, "reason": refusal.reason},
        )
    response = render(
        request,
        "identity/login.html",
        status_code=400,
        title=_l("Sign in to the back office"),
        errors={"external-sign-in": str(refusal.message)},
        email="",
        next_path=next_path,
        external_providers=request.app.state.settings.oidc_providers,
    )
    _forget_pending(request, response)
    return response


@public_router.post("/login/external/{key}")
def start(
    request: Request,
    key: str,
    next_path: Annotated[str, Form(alias="next")] = "/admin",
) -> Response:
    """Send the browser to the provider, remembering the attempt in the pending cookie."""
    provider = _provider(request, key)
    settings: Settings = request.app.state.settings
    pending = client.PendingSignIn.start(
        provider.key, safe_next(next_path), PENDING_LIFETIME_SECONDS
    )
    try:
        url = client.authorization_url(provider, pending, external.redirect_uri(settings, provider))
    except client.ProviderUnavailable:
        refusal = external.ExternalSignInRefused(external.REASON_PROVIDER_ERROR)
        return _refused(request, provider, refusal, next_path=pending.next_path)
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        PENDING_COOKIE,
        seal_pending(settings, pending),
        max_age=PENDING_LIFETIME_SECONDS,
        path=PENDING_PATH,
        httponly=True,
        samesite="lax",  # the provider's redirect back is a top-level navigation
        secure=backoffice(request).secure_cookies,
    )
    return response


def _verified_identity(
    request: Request, provider: OidcProviderSettings
) -> tuple[client.PendingSignIn, client.VerifiedIdentity]:
    """Check the provider's answer against the pending attempt and exchange the code.
    Raises :class:`~comptoir.identity.external.service.ExternalSignInRefused`."""
    settings: Settings = request.app.state.settings
    params = request.query_params
    pending = open_pending(settings, request.cookies.get(PENDING_COOKIE, ""))
    state = params.get("state", "")
    if (
        pending is None
        or pending.provider != provider.key
        or not hmac.compare_digest(state.encode(), pending.state.encode())
    ):
        raise external.ExternalSignInRefused(external.REASON_STATE_MISMATCH)
    code = params.get("code", "")
    if params.get("error") or not code:
        raise external.ExternalSignInRefused(external.REASON_PROVIDER_ERROR)
    try:
        # RFC 9207: an answer naming another issuer is a mix-up attack.
        if "iss" in params and params["iss"] != provider.issuer:
            raise external.ExternalSignInRefused(external.REASON_PROVIDER_ERROR)
        identity = client.exchange_code(
            provider, pending, code, external.redirect_uri(settings, provider)
        )
    except client.ProviderUnavailable as exc:
        raise external.ExternalSignInRefused(external.REASON_PROVIDER_ERROR) from exc
    except client.InvalidIdToken as exc:
        raise external.ExternalSignInRefused(external.REASON_INVALID_ID_TOKEN) from exc
    return pending, identity


@public_router.get("/login/external/{key}/callback", response_class=HTMLResponse)
def callback(request: Request, key: str) -> Response:
    """The provider's answer: on success a new session at the step still due (the code
    step, or set-up, as after a password); on any failure the sign-in page with the reason,
    and no session. The provider is called before the transaction opens; the transaction is
    the callback's own, since a GET's request session does not write."""
    provider = _provider(request, key)
    try:
        pending, identity = _verified_identity(request, provider)
    except external.ExternalSignInRefused as refusal:
        return _refused(request, provider, refusal)
    database: Database = request.app.state.database
    try:
        with database.transaction() as session:
            location, token = _open_session(request, session, provider, pending, identity)
    except external.ExternalSignInRefused as refusal:
        return _refused(request, provider, refusal, next_path=pending.next_path)
    response = RedirectResponse(location, status_code=303)
    set_session_cookie(request, response, token)
    _forget_pending(request, response)
    return response


def _open_session(
    request: Request,
    session: Session,
    provider: OidcProviderSettings,
    pending: client.PendingSignIn,
    identity: client.VerifiedIdentity,
) -> tuple[str, str]:
    """Match the user and open their session; returns where to go and the session token."""
    settings: Settings = request.app.state.settings
    matched = external.match_staff_user(session, provider, identity)
    user = matched.user
    details = {"method": METHOD, "provider": provider.key}
    if matched.is_new_user:
        log.log_event(session, log.USER_CREATED, user_id=user.id, request=request, details=details)
    previous = getattr(request.state, "staff_session_id", None)
    if previous is not None:
        auth.revoke_session(session, previous, user_id=request.state.staff_user_id)
    stage = external.sign_in_stage(
        session, user, provider, identity, mfa_for_everyone=settings.mfa_required_for_everyone
    )
    if stage == SESSION_STAGE_FULL:
        auth.record_successful_login(session, user)
        mfa_by_provider = external.provider_asserted_mfa(provider, identity)
        log.log_event(
            session,
            log.SIGN_IN,
            user_id=user.id,
            request=request,
            details={**details, "mfa_by_provider": mfa_by_provider},
        )
    opened = auth.open_session(
        session,
        user,
        stage=stage,
        policy=session_policy(settings),
        ip_address=client_ip(request),
        user_agent=request.headers.get("user-agent", ""),
    )
    target = {SESSION_STAGE_MFA: MFA_PATH, SESSION_STAGE_ENROL: ENROL_PATH}.get(stage)
    next_path = pending.next_path
    location = f"{target}?next={quote(next_path, safe='/')}" if target else next_path
    return location, opened.token
