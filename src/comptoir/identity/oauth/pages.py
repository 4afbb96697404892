"""The OAuth pages of the back office: the authorization endpoint (a signed-in staff user
approves an app) and the API clients page (list, register, revoke)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Final

from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc6749.errors import OAuth2Error
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from comptoir.backoffice.nav import SECTION_SYSTEM, NavItem, register
from comptoir.backoffice.shell import (
    Crumb,
    PrimaryAction,
    redirect_with_flash,
    register_flash,
    register_pages,
    render,
    request_locale,
    require_scope,
)
from comptoir.identity.models import StaffUser
from comptoir.identity.oauth import service
from comptoir.identity.oauth.models import CLIENT_KIND_APP, CLIENT_KIND_INTEGRATION
from comptoir.identity.oauth.router import build_server, read_form
from comptoir.identity.oauth.server import FormRequest
from comptoir.identity.scopes import SCOPES
from comptoir.identity.web import recent_authentication, staff_principal
from comptoir.kit.errors import DomainError
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.i18n import translate

TEMPLATES: Final = Path(__file__).parent / "templates"
CLIENTS_PATH: Final = "/admin/api-clients"
OAUTH_PARAMETERS: Final = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "prompt",
)
# The consent page must never be framed (clickjacking); the application's security headers
# (kit.http.security_headers) add the full Content-Security-Policy, frame-ancestors included.
NO_FRAMING: Final = {"X-Frame-Options": "DENY"}

router = APIRouter()
register_pages(router, templates=TEMPLATES)
register(NavItem(section=SECTION_SYSTEM, label=_l("API clients"), path=CLIENTS_PATH, order=32))
register_flash("oauth.client-revoked", _l("The API client is revoked: its tokens no longer work."))
ADMIN: Final = require_scope("identity:admin")
Errors = dict[str, str]


def _parameters(data: dict[str, list[str]]) -> dict[str, list[str]]:
    return {key: values for key, values in data.items() if key in OAUTH_PARAMETERS}


def _with_issuer(request: Request, response: Response) -> Response:
    """Add ``iss`` to the redirect back to the app (RFC 9207, mix-up defence)."""
    location = response.headers.get("location")
    if response.status_code == 302 and location:
        issuer = service.issuer(request.app.state.settings)
        response.headers["location"] = add_params_to_uri(location, [("iss", issuer)])
    return response


def _refusal(request: Request, error: OAuth2Error) -> Response:
    """An error the app must hear about goes back to its (verified) redirect URI; any other
    is shown here: never redirect to an address the client did not register."""
    if error.redirect_uri:
        server_response = Response(status_code=302)
        status, _body, headers = error()
        server_response.status_code = status
        for name, value in headers:
            server_response.headers[name] = value
        return _with_issuer(request, server_response)
    return render(
        request,
        "oauth/error.html",
        status_code=400,
        title=_l("This application's request cannot be accepted"),
        description=error.description or error.error,
    )


def _signed_in_user(request: Request, session: DbSession) -> StaffUser | None:
    user = session.get(StaffUser, staff_principal(request).id)
    return user if user is not None and user.is_active else None


@router.get("/oauth/authorize", response_class=HTMLResponse)
def authorize_form(request: Request, session: DbSession) -> Response:
    """The authorization endpoint: checks the app's request (client, exact redirect URI,
    PKCE S256) and asks the signed-in staff user to approve it."""
    query = {key: request.query_params.getlist(key) for key in request.query_params}
    user = _signed_in_user(request, session)
    if user is None:
        return _refusal(request, OAuth2Error("Sign in as a staff user.", error="access_denied"))
    server = build_server(request, session)
    oauth_request = FormRequest(request, query)
    try:
        grant = server.get_consent_grant(oauth_request, end_user=user)
        if "none" in (oauth_request.payload.data.get("prompt") or "").split():
            raise OAuth2Error(error="consent_required", redirect_uri=grant.redirect_uri)
    except OAuth2Error as error:
        error.state = oauth_request.payload.state
        return _refusal(request, error)
    granted = service.staff_scopes(session, user.id, (oauth_request.scope or "").split())
    response = render(
        request,
        "oauth/consent.html",
        title=translate(
            _l("Allow {app} to act for you?"), request_locale(request), app=grant.client.row.name
        ),
        client=grant.client.row,
        scopes=[(scope, str(SCOPES.get(scope, scope))) for scope in granted],
        parameters=[(key, value) for key, values in _parameters(query).items() for value in values],
    )
    response.headers.update(NO_FRAMING)
    return response


@router.post("/oauth/authorize")
def authorize(
    request: Request,
    session: DbSession,
    form: Annotated[dict[str, list[str]], Depends(read_form)],
) -> Response:
    """The staff user's decision: a code for the app (or ``access_denied``) at its redirect
    URI. The form repeats the app's request, which is checked again."""
    user = _signed_in_user(request, session)
    if user is None:
        return _refusal(request, OAuth2Error("Sign in as a staff user.", error="access_denied"))
    server = build_server(request, session)
    oauth_request = FormRequest(request, _parameters(form))
    oauth_request.auth_time = staff_principal(request).extra.get("authenticated_at")
    try:
        grant = server.get_consent_grant(oauth_request, end_user=user)
    except OAuth2Error as error:
        error.state = oauth_request.payload.state
        return _refusal(request, error)
    approved = form.get("decision", [""])[0] == "allow"
    response: Response = server.create_authorization_response(
        oauth_request, grant_user=user if approved else None, grant=grant
    )
    return _with_issuer(request, response)


@router.get("/api-clients", response_class=HTMLResponse, dependencies=[ADMIN])
def clients(request: Request, session: DbSession) -> HTMLResponse:
    """Every API client with its kind, scopes and status."""
    return render(
        request,
        "oauth/clients.html",
        title=_l("API clients"),
        breadcrumb=[Crumb(_l("Back office"), "/admin"), Crumb(_l("API clients"))],
        primary_action=PrimaryAction(_l("Register an API client"), f"{CLIENTS_PATH}/new"),
        rows=service.list_clients(session),
    )


def _client_form(
    request: Request, *, errors: Errors, values: dict[str, object], status: int
) -> HTMLResponse:
    scopes = [
        (scope, str(label))
        for scope, label in sorted(SCOPES.items())
        if scope in service.ADMIN_API_SCOPES
    ]
    oidc = [(scope, scope) for scope in sorted(service.OIDC_SCOPES)]
    return render(
        request,
        "oauth/client_new.html",
        status_code=status,
        title=_l("Register an API client"),
        breadcrumb=[
            Crumb(_l("Back office"), "/admin"),
            Crumb(_l("API clients"), CLIENTS_PATH),
            Crumb(_l("Register an API client")),
        ],
        errors=errors,
        values=values,
        scopes=scopes + oidc,
    )


@router.get("/api-clients/new", response_class=HTMLResponse, dependencies=[ADMIN])
def new_client_form(request: Request) -> HTMLResponse:
    """The form to register an integration or an app."""
    values: dict[str, object] = {
        "name": "",
        "kind": CLIENT_KIND_INTEGRATION,
        "public": False,
        "redirect_uris": "",
        "scopes": [],
    }
    return _client_form(request, errors={}, values=values, status=200)


@router.post("/api-clients/new", response_class=HTMLResponse, dependencies=[ADMIN])
def create_client(
    request: Request,
    session: DbSession,
    name: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = CLIENT_KIND_INTEGRATION,
    public: Annotated[str, Form()] = "",
    redirect_uris: Annotated[str, Form()] = "",
    scopes: Annotated[list[str] | None, Form()] = None,
    _recent: object = recent_authentication,
) -> Response:
    """Register the client and show its secret, once."""
    values: dict[str, object] = {
        "name": name,
        "kind": kind,
        "public": bool(public),
        "redirect_uris": redirect_uris,
        "scopes": scopes or [],
    }
    try:
        registered = service.register_client(
            session,
            name=name,
            kind=kind,
            scopes=scopes or [],
            redirect_uris=redirect_uris.splitlines(),
            is_confidential=not (public and kind == CLIENT_KIND_APP),
            created_by=staff_principal(request).id,
        )
    except DomainError as error:
        errors = {error.field or "form": error.detail(request_locale(request))}
        return _client_form(request, errors=errors, values=values, status=400)
    return render(
        request,
        "oauth/client_created.html",
        title=_l("API client registered"),
        breadcrumb=[Crumb(_l("Back office"), "/admin"), Crumb(_l("API clients"), CLIENTS_PATH)],
        client=registered.client,
        secret=registered.secret,
    )


@router.post("/api-clients/{client_id}/revoke", dependencies=[ADMIN])
def revoke_client(
    request: Request,
    session: DbSession,
    client_id: str,
    _recent: object = recent_authentication,
) -> Response:
    """Revoke the client: its tokens stop working at once."""
    service.revoke_client(session, client_id)
    return redirect_with_flash(request, CLIENTS_PATH, "oauth.client-revoked")
