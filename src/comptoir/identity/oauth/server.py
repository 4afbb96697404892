"""Authlib's OAuth 2 / OpenID Connect server core behind a thin Starlette adapter.

One :class:`ComptoirAuthorizationServer` is built per request around the request's database
session. Grants: ``client_credentials`` (integrations), ``authorization_code`` with PKCE S256
(required for every client) and OpenID Connect, ``refresh_token`` rotated on each use with
reuse detection. No implicit grant, no password grant.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from authlib.oauth2 import AuthorizationServer, OAuth2Request
from authlib.oauth2.rfc6749 import ClientMixin, grants
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oidc.core import OpenIDCode, UserInfo
from fastapi import Request
from fastapi.responses import Response
from joserfc import jwt
from joserfc.errors import JoseError
from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.identity.models import StaffUser
from comptoir.identity.oauth import keys, service
from comptoir.identity.oauth.models import (
    AccessToken,
    AuthorizationCode,
    OAuthClient,
    RefreshToken,
)
from comptoir.kit import clock
from comptoir.kit.settings import Settings

SECRET_AUTH_METHODS: Final = ["client_secret_basic", "client_secret_post"]
ALL_AUTH_METHODS: Final = [*SECRET_AUTH_METHODS, "none"]

FormData = Mapping[str, Sequence[str]]
OnRollback = Callable[[Callable[[Session], None]], None]


class ClientModel(ClientMixin):  # type: ignore[misc]
    """The Authlib face of an :class:`OAuthClient` row."""

    def __init__(self, row: OAuthClient) -> None:
        self.row = row
        self.id = row.id

    def get_client_id(self) -> str:
        return self.row.client_id

    def get_default_redirect_uri(self) -> None:
        return None  # the redirect URI is always required, and compared exactly

    def get_allowed_scope(self, scope: str | None) -> str | None:
        allowed = set(self.row.scopes)
        if not scope:
            return " ".join(sorted(allowed))
        granted = [part for part in scope.split() if part in allowed]
        return " ".join(sorted(set(granted))) if granted else None

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.row.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return service.check_secret(self.row.secret_hash, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.row.is_confidential:
            return method in SECRET_AUTH_METHODS
        return method == "none"

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and "authorization_code" in self.row.grant_types

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.row.grant_types


class FormRequest(OAuth2Request):  # type: ignore[misc]
    """An OAuth 2 request whose parameters come from one place only: the form body for the
    token, revocation and introspection endpoints, the query for the authorization endpoint
    (or the consent form that repeats it)."""

    def __init__(self, request: Request, data: FormData) -> None:
        super().__init__(method=request.method, uri=str(request.url), headers=request.headers)
        flat = {key: values[0] for key, values in data.items() if values}
        self.payload = BasicOAuth2Payload(flat)
        self.payload._datalist = {key: list(values) for key, values in data.items()}
        self._flat = flat

    @property
    def args(self) -> dict[str, str]:
        return self._flat

    @property
    def form(self) -> dict[str, str]:
        return self._flat


class S256CodeChallenge(CodeChallenge):  # type: ignore[misc]
    """PKCE with S256 only, required from every client, confidential or public (RFC 9700
    2.1.1)."""

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD: Final = ["S256"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("Missing 'code_challenge'.", redirect_uri=redirect_uri)
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError(
                "'code_challenge_method' must be S256.", redirect_uri=redirect_uri
            )
        super().validate_code_challenge(grant, redirect_uri)

    def validate_code_verifier(self, grant: Any, result: Any) -> None:
        if not grant.request.form.get("code_verifier"):
            raise InvalidRequestError("Missing 'code_verifier'.")
        super().validate_code_verifier(grant, result)


class ComptoirOpenIDCode(OpenIDCode):  # type: ignore[misc]
    """ID tokens signed with the active key, with the nonce of the authorization request."""

    def __init__(self, server: ComptoirAuthorizationServer) -> None:
        super().__init__(require_nonce=False)
        self.server = server

    def exists_nonce(self, nonce: str, request: Any) -> bool:
        client = self.server.query_client(request.payload.client_id)
        if client is None:
            return False
        found = self.server.session.scalars(
            select(AuthorizationCode.id).where(
                AuthorizationCode.client_pk == client.id, AuthorizationCode.nonce == nonce
            )
        ).first()
        return found is not None

    def resolve_client_private_key(self, client: ClientModel) -> Any:
        return self.server.signing_key()[1]

    def get_client_algorithm(self, client: ClientModel) -> str:
        return keys.ALGORITHM

    def get_encode_header(self, client: ClientModel) -> dict[str, str]:
        return {"alg": keys.ALGORITHM, "kid": self.server.signing_key()[0], "typ": "JWT"}

    def get_client_claims(self, client: ClientModel) -> dict[str, Any]:
        now = int(clock.now().timestamp())
        return {
            "iss": service.issuer(self.server.settings),
            "aud": [client.get_client_id()],
            "iat": now,
            "exp": now + int(service.ID_TOKEN_LIFETIME.total_seconds()),
        }

    def generate_user_info(self, user: StaffUser, scope: str) -> UserInfo:
        scopes = scope.split()
        info = UserInfo(sub=str(user.id))
        if "profile" in scopes:
            info["name"] = user.display_name
            info["locale"] = user.locale
        if "email" in scopes:
            info["email"] = user.email
        return info


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS: Final = ALL_AUTH_METHODS
    server: ComptoirAuthorizationServer

    def save_authorization_code(self, code: str, request: Any) -> None:
        user: StaffUser = request.user
        scope = service.staff_scopes(self.server.session, user.id, (request.scope or "").split())
        now = clock.now()
        self.server.session.add(
            AuthorizationCode(
                code_hash=service.secret_hash(code),
                client_pk=request.client.id,
                user_id=user.id,
                redirect_uri=request.payload.redirect_uri,
                scope=" ".join(scope),
                nonce=request.payload.data.get("nonce"),
                code_challenge=request.payload.data["code_challenge"],
                code_challenge_method="S256",
                auth_time=getattr(request, "auth_time", None) or now,
                expires_at=now + service.CODE_LIFETIME,
            )
        )
        self.server.session.flush()

    def query_authorization_code(self, code: str, client: ClientModel) -> Any:
        found = self.server.session.scalars(
            select(AuthorizationCode).where(
                AuthorizationCode.code_hash == service.secret_hash(code),
                AuthorizationCode.client_pk == client.id,
            )
        ).first()
        if found is None:
            return None
        if found.used_at is not None:
            # RFC 6749 4.1.2: a code used twice revokes what was issued from it.
            family_id = found.id
            self.server.on_rollback(lambda session: service.revoke_family(session, family_id))
            return None
        if found.expires_at <= clock.now():
            return None
        return found

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        authorization_code.used_at = clock.now()
        self.server.session.flush()

    def authenticate_user(self, authorization_code: AuthorizationCode) -> StaffUser | None:
        user = self.server.session.get(StaffUser, authorization_code.user_id)
        return user if user is not None and user.is_active else None


class RefreshTokenGrant(grants.RefreshTokenGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS: Final = ALL_AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True
    server: ComptoirAuthorizationServer

    def authenticate_refresh_token(self, refresh_token: str) -> RefreshToken | None:
        digest = service.secret_hash(refresh_token)
        found = self.server.session.scalars(
            select(RefreshToken).where(RefreshToken.token_hash == digest)
        ).first()
        if found is None or found.revoked_at is not None:
            return None
        if found.used_at is not None:
            # Reuse of a rotated token: someone holds a stolen copy. Revoke the family.
            family_id = found.family_id
            self.server.on_rollback(lambda session: service.revoke_family(session, family_id))
            return None
        if found.is_expired():
            return None
        return found

    def authenticate_user(self, refresh_token: RefreshToken) -> StaffUser | None:
        if refresh_token.user_id is None:
            return None
        user = self.server.session.get(StaffUser, refresh_token.user_id)
        return user if user is not None and user.is_active else None

    def revoke_old_credential(self, refresh_token: RefreshToken) -> None:
        refresh_token.used_at = clock.now()
        self.server.session.flush()


class ClientCredentialsGrant(grants.ClientCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS: Final = SECRET_AUTH_METHODS


class _TokenLookup:
    server: ComptoirAuthorizationServer
    CLIENT_AUTH_METHODS = ALL_AUTH_METHODS

    def query_token(self, token_string: str, token_type_hint: str | None) -> Any:
        return self.server.find_token(token_string, token_type_hint)


class Revocation(_TokenLookup, RevocationEndpoint):  # type: ignore[misc]
    def revoke_token(self, token: RefreshToken | AccessToken, request: Any) -> None:
        now = clock.now()
        token.revoked_at = now
        if token.family_id is not None:
            # Revoking a refresh token ends the access tokens of the same grant (RFC 7009 2.1).
            service.revoke_family(self.server.session, token.family_id)
        self.server.session.flush()


class Introspection(_TokenLookup, IntrospectionEndpoint):  # type: ignore[misc]
    CLIENT_AUTH_METHODS = SECRET_AUTH_METHODS

    def check_permission(self, token: RefreshToken | AccessToken, client: Any, _: Any) -> bool:
        return bool(token.check_client(client))

    def introspect_token(self, token: RefreshToken | AccessToken) -> dict[str, Any]:
        client = self.server.session.get(OAuthClient, token.client_pk)
        if client is None or client.revoked_at is not None:
            return {"active": False}
        is_access = isinstance(token, AccessToken)
        return {
            "active": True,
            "client_id": client.client_id,
            "token_type": "Bearer" if is_access else "refresh_token",
            "scope": token.scope,
            "sub": str(token.user_id) if token.user_id else client.client_id,
            "aud": service.api_audience(self.server.settings) if is_access else client.client_id,
            "iss": service.issuer(self.server.settings),
            "exp": int(token.expires_at.timestamp()),
            "iat": int(token.created_at.timestamp()),
        }


class ComptoirAuthorizationServer(AuthorizationServer):  # type: ignore[misc]
    """The authorization server of one request."""

    def __init__(self, session: Session, settings: Settings, on_rollback: OnRollback) -> None:
        super().__init__(scopes_supported=None)
        self.session = session
        self.settings = settings
        self.on_rollback = on_rollback
        self._signing_key: tuple[str, Any] | None = None
        self._issued: dict[str, Any] = {}
        self.register_token_generator("default", self.generate_bearer_token)
        self.register_grant(ClientCredentialsGrant)
        self.register_grant(AuthorizationCodeGrant, [S256CodeChallenge(), ComptoirOpenIDCode(self)])
        self.register_grant(RefreshTokenGrant)
        self.register_endpoint(Revocation)
        self.register_endpoint(Introspection)

    def signing_key(self) -> tuple[str, Any]:
        if self._signing_key is None:
            self._signing_key = keys.active_signing_key(self.session)
        return self._signing_key

    # The framework adapter (the shape of Authlib's Flask and Django integrations).
    def create_oauth2_request(self, request: Any) -> FormRequest:
        if isinstance(request, FormRequest):
            return request
        raise TypeError("build a FormRequest with oauth_request()")

    def create_json_request(self, request: Any) -> Any:
        raise NotImplementedError("Comptoir's OAuth endpoints take forms only")

    def handle_response(self, status: int, body: Any, headers: Any) -> Response:
        payload = json.dumps(body) if isinstance(body, dict) else (body or "")
        response = Response(payload, status_code=status, headers=dict(headers))
        if isinstance(body, dict):
            response.headers["Content-Type"] = "application/json"
        response.headers["Cache-Control"] = "no-store"
        return response

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None

    def query_client(self, client_id: str) -> ClientModel | None:
        row = service.find_client(self.session, client_id or "")
        return ClientModel(row) if row is not None else None

    def validate_requested_scope(self, scope: str | None) -> None:
        return None  # each client's allowed scopes decide (ClientModel.get_allowed_scope)

    def generate_bearer_token(
        self,
        grant_type: str,
        client: ClientModel,
        user: StaffUser | None = None,
        scope: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        """A signed JWT access token (RFC 9068) and, for apps, a random refresh token."""
        granted = client.get_allowed_scope(scope)
        if granted is None:
            from authlib.oauth2.rfc6749.errors import InvalidScopeError

            raise InvalidScopeError()
        if user is not None:
            granted = " ".join(service.staff_scopes(self.session, user.id, granted.split()))
        now = clock.now()
        lifetime = int(service.ACCESS_TOKEN_LIFETIME.total_seconds())
        jti = secrets.token_urlsafe(24)
        kid, private = self.signing_key()
        claims = {
            "iss": service.issuer(self.settings),
            "sub": str(user.id) if user is not None else client.get_client_id(),
            "aud": service.api_audience(self.settings),
            "client_id": client.get_client_id(),
            "scope": granted,
            "iat": int(now.timestamp()),
            "nbf": int(now.timestamp()),
            "exp": int(now.timestamp()) + lifetime,
            "jti": jti,
        }
        header = {"alg": keys.ALGORITHM, "kid": kid, "typ": service.ACCESS_TOKEN_TYPE}
        token: dict[str, Any] = {
            "token_type": "Bearer",
            "access_token": jwt.encode(header, claims, private, [keys.ALGORITHM]),
            "expires_in": lifetime,
            "scope": granted,
        }
        if include_refresh_token and user is not None:
            token["refresh_token"] = secrets.token_urlsafe(32)
        self._issued = {"jti": jti, "expires_at": now + service.ACCESS_TOKEN_LIFETIME}
        return token

    def save_token(self, token: dict[str, Any], request: Any) -> None:
        """Keep the access token's ``jti`` and the refresh token's hash, in the token's family:
        the authorization code's id, or the family of the refresh token just rotated."""
        client: ClientModel = request.client
        user: StaffUser | None = request.user
        family_id: uuid.UUID | None = None
        expires_at = clock.now() + service.REFRESH_TOKEN_LIFETIME
        rotated_from: uuid.UUID | None = None
        if request.authorization_code is not None:
            family_id = request.authorization_code.id
        elif request.refresh_token is not None:
            family_id = request.refresh_token.family_id
            rotated_from = request.refresh_token.id
            expires_at = request.refresh_token.expires_at  # absolute lifetime of the family
        self.session.add(
            AccessToken(
                jti=self._issued["jti"],
                client_pk=client.id,
                user_id=user.id if user is not None else None,
                family_id=family_id,
                scope=token["scope"],
                expires_at=self._issued["expires_at"],
            )
        )
        if "refresh_token" in token and family_id is not None:
            self.session.add(
                RefreshToken(
                    token_hash=service.secret_hash(token["refresh_token"]),
                    client_pk=client.id,
                    user_id=user.id if user is not None else None,
                    family_id=family_id,
                    rotated_from=rotated_from,
                    scope=token["scope"],
                    expires_at=expires_at,
                )
            )
        self.session.flush()

    def find_token(self, token: str, hint: str | None) -> RefreshToken | AccessToken | None:
        """The refresh token, or the access token (a JWT this server signed), ``token`` is."""
        if hint != "access_token":
            found = self.session.scalars(
                select(RefreshToken).where(RefreshToken.token_hash == service.secret_hash(token))
            ).first()
            if found is not None:
                return found
        try:
            decoded = jwt.decode(token, keys.public_key_set(self.session), [keys.ALGORITHM])
        except (JoseError, ValueError, TypeError):
            return None
        jti = decoded.claims.get("jti")
        if not isinstance(jti, str):
            return None
        return self.session.scalars(select(AccessToken).where(AccessToken.jti == jti)).first()
