"""The OAuth 2 / OpenID Connect endpoints: discovery, JWKS, token, revocation, introspection.

Errors of these endpoints follow RFC 6749 5.2 (``{"error": ..., "error_description": ...}``),
as OAuth clients expect, not RFC 9457. The authorization endpoint is a back-office page
(:mod:`comptoir.identity.oauth.pages`): it needs the staff user's session.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from comptoir.identity.oauth import keys, service
from comptoir.identity.oauth.server import (
    ALL_AUTH_METHODS,
    SECRET_AUTH_METHODS,
    ComptoirAuthorizationServer,
    FormRequest,
)
from comptoir.identity.scopes import SCOPES
from comptoir.kit.db.engine import Database
from comptoir.kit.http.transaction import DbSession, current_transaction
from comptoir.kit.settings import Settings

AUTHORIZE_PATH: Final = "/admin/oauth/authorize"
TOKEN_PATH: Final = "/oauth/token"
REVOKE_PATH: Final = "/oauth/revoke"
INTROSPECT_PATH: Final = "/oauth/introspect"
JWKS_PATH: Final = "/oauth/jwks"
USERINFO_PATH: Final = "/oauth/userinfo"
DISCOVERY_PATH: Final = "/.well-known/openid-configuration"

CLAIMS_SUPPORTED: Final = [
    "sub",
    "iss",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "name",
    "locale",
    "email",
]

router = APIRouter(tags=["oauth"])

FormData = dict[str, list[str]]


async def read_form(request: Request) -> FormData:
    """The ``application/x-www-form-urlencoded`` body as lists of values (nothing for any
    other content type: the endpoint then answers ``invalid_request``)."""
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return {}
    form = await request.form()
    return {key: [value for value in form.getlist(key) if isinstance(value, str)] for key in form}


Form = Annotated[FormData, Depends(read_form)]


def build_server(request: Request, session: Session) -> ComptoirAuthorizationServer:
    """The authorization server of this request. Work that must outlive the request's
    rollback (revoking a token family on reuse) runs in a transaction of its own after it."""
    database: Database = request.app.state.database
    settings: Settings = request.app.state.settings
    transaction = current_transaction(request.scope)

    def on_rollback(work: Any) -> None:
        def run() -> None:
            with database.transaction() as own:
                work(own)

        transaction.after_rollback(run)

    return ComptoirAuthorizationServer(session, settings, on_rollback)


def _form_body(*fields: str) -> dict[str, Any]:
    properties = {name: {"type": "string"} for name in fields}
    schema = {"type": "object", "properties": properties}
    return {
        "requestBody": {
            "required": True,
            "content": {"application/x-www-form-urlencoded": {"schema": schema}},
        }
    }


_OAUTH_ERRORS: Final[dict[int | str, dict[str, Any]]] = {
    400: {"description": "OAuth 2 error (RFC 6749 5.2)"},
    401: {"description": "Client authentication failed"},
}


@router.post(
    TOKEN_PATH,
    summary="Token endpoint (RFC 6749)",
    responses=_OAUTH_ERRORS,
    openapi_extra=_form_body(
        "grant_type",
        "code",
        "redirect_uri",
        "code_verifier",
        "refresh_token",
        "scope",
        "client_id",
        "client_secret",
    ),
)
def token(request: Request, session: DbSession, form: Form) -> Response:
    """Exchange a grant (``client_credentials``, ``authorization_code`` with PKCE,
    ``refresh_token``) for an access token."""
    server = build_server(request, session)
    response: Response = server.create_token_response(FormRequest(request, form))
    return response


@router.post(
    REVOKE_PATH,
    summary="Token revocation (RFC 7009)",
    responses=_OAUTH_ERRORS,
    openapi_extra=_form_body("token", "token_type_hint", "client_id", "client_secret"),
)
def revoke(request: Request, session: DbSession, form: Form) -> Response:
    """Revoke an access or refresh token (a refresh token takes its whole family with it).
    An unknown token is answered 200, as RFC 7009 asks."""
    server = build_server(request, session)
    response: Response = server.create_endpoint_response("revocation", FormRequest(request, form))
    return response


@router.post(
    INTROSPECT_PATH,
    summary="Token introspection (RFC 7662)",
    responses=_OAUTH_ERRORS,
    openapi_extra=_form_body("token", "token_type_hint", "client_id", "client_secret"),
)
def introspect(request: Request, session: DbSession, form: Form) -> Response:
    """Whether a token the calling client holds is active, and what it grants."""
    server = build_server(request, session)
    response: Response = server.create_endpoint_response(
        "introspection", FormRequest(request, form)
    )
    return response


_USERINFO_ERRORS: Final[dict[int | str, dict[str, Any]]] = {
    401: {"description": "No access token, or one that is not valid (RFC 6750 3.1)"},
    403: {"description": "The access token lacks the openid scope (RFC 6750 3.1)"},
}


def _bearer_token(request: Request, form: FormData) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    values = form.get("access_token") or []
    return values[0] if len(values) == 1 else None


def _userinfo(request: Request, session: Session, form: FormData) -> JSONResponse:
    settings: Settings = request.app.state.settings
    realm = 'Bearer realm="comptoir"'
    token = _bearer_token(request, form)
    if token is None:
        return JSONResponse({}, status_code=401, headers={"WWW-Authenticate": realm})
    try:
        claims = service.userinfo_for_token(session, settings, token)
    except service.InvalidToken:
        challenge = f'{realm}, error="invalid_token"'
        return JSONResponse(
            {"error": "invalid_token"}, status_code=401, headers={"WWW-Authenticate": challenge}
        )
    except service.InsufficientScope:
        challenge = f'{realm}, error="insufficient_scope", scope="openid"'
        return JSONResponse(
            {"error": "insufficient_scope"},
            status_code=403,
            headers={"WWW-Authenticate": challenge},
        )
    return JSONResponse(claims, headers={"Cache-Control": "no-store"})


@router.get(USERINFO_PATH, summary="OpenID Connect userinfo", responses=_USERINFO_ERRORS)
def userinfo(request: Request, session: DbSession) -> JSONResponse:
    """The signed-in staff user's claims for an access token holding ``openid``
    (``profile``: name and locale; ``email``: e-mail address)."""
    return _userinfo(request, session, {})


@router.post(
    USERINFO_PATH,
    summary="OpenID Connect userinfo (POST)",
    responses=_USERINFO_ERRORS,
    openapi_extra=_form_body("access_token"),
)
def userinfo_post(request: Request, session: DbSession, form: Form) -> JSONResponse:
    """The same claims, the token in the header or in the form body."""
    return _userinfo(request, session, form)


@router.get(JWKS_PATH, summary="JSON Web Key Set")
def jwks(session: DbSession) -> JSONResponse:
    """The public keys that verify access and ID tokens (the active one and recently
    retired ones)."""
    return JSONResponse(keys.jwks(session), headers={"Cache-Control": "public, max-age=300"})


@router.get(DISCOVERY_PATH, summary="OpenID Connect discovery")
def discovery(request: Request) -> JSONResponse:
    """The server's metadata (OpenID Connect Discovery 1.0, RFC 8414)."""
    settings: Settings = request.app.state.settings
    issuer = service.issuer(settings)
    return JSONResponse(
        {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}{AUTHORIZE_PATH}",
            "token_endpoint": f"{issuer}{TOKEN_PATH}",
            "jwks_uri": f"{issuer}{JWKS_PATH}",
            "revocation_endpoint": f"{issuer}{REVOKE_PATH}",
            "introspection_endpoint": f"{issuer}{INTROSPECT_PATH}",
            "userinfo_endpoint": f"{issuer}{USERINFO_PATH}",
            "scopes_supported": sorted(set(SCOPES) | service.OIDC_SCOPES),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "client_credentials", "refresh_token"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ALL_AUTH_METHODS,
            "revocation_endpoint_auth_methods_supported": ALL_AUTH_METHODS,
            "introspection_endpoint_auth_methods_supported": SECRET_AUTH_METHODS,
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [keys.ALGORITHM],
            "claims_supported": CLAIMS_SUPPORTED,
            "authorization_response_iss_parameter_supported": True,
        }
    )
