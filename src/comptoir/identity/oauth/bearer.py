"""The bearer authentication of the admin API (``/api/v1``): an access token in the
``Authorization`` header becomes the request's principal.

Without a bearer token nothing is set, and routes answer 401 through
:func:`~comptoir.kit.http.access.current_principal`; a token that does not check out
(signature, type, issuer, audience, expiry, revocation) is refused with 401 ``invalid-token``.
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from comptoir.identity.oauth import service
from comptoir.kit.db.engine import Database
from comptoir.kit.settings import Settings

_bearer_scheme: Final = HTTPBearer(
    auto_error=False,
    scheme_name="OAuth2AccessToken",
    description="An access token from /oauth/token (a JWT, audience <issuer>/api/v1).",
)


def authenticate_bearer(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer_scheme)],
) -> None:
    """Put the principal of the bearer token on ``request.state.principal``. Raises
    :class:`~comptoir.identity.oauth.service.InvalidToken`."""
    if credentials is None:
        return
    database: Database = request.app.state.database
    settings: Settings = request.app.state.settings
    with database.transaction(readonly=True) as session:
        principal = service.principal_for_token(session, settings, credentials.credentials)
    request.state.principal = principal


bearer_authentication: Final = Depends(authenticate_bearer)
"""Router dependency installed on every ``/api/v1`` router by the application factory."""
