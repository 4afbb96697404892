"""The gate of ``/store/v1``: every request carries a channel key (``X-Channel-Key``) and, for
a signed-in shopper, a bearer token (``Authorization: Bearer <token>``). The gate turns them
into the request's :class:`Principal`; the routes then check their scopes with ``requires``.

* no key, an unknown or a revoked key: 401 ``channel-key-refused``;
* a valid key of an inactive channel: 403 ``channel-inactive``;
* a bearer token that is unknown, expired, revoked, or issued on another channel: 401
  ``shopper-token-refused`` (a bad token is never silently ignored).

A store's till sends its channel key with a staff member's OAuth 2 access token instead of a
shopper token. The two never look alike: a shopper token is one random base64url string, an
access token a JWT (three dot-separated parts, ``typ`` ``at+jwt``) checked like on the admin
API. The principal is then that staff member (``kind`` ``staff``) with her location
restriction, holding the channel's scopes plus ``orders:till`` if her roles and the token
grant it:

* an access token that does not check out: 401 ``invalid-token``;
* an API client's token (no staff member behind it), or a staff token with the key of a
  channel that is not a store: 403 ``staff-token-not-accepted``.

The lookups run in a read-only transaction of their own; the last-use times are written, at
most once a minute, in a short writing one, so that a ``GET`` notes them too.
"""

from __future__ import annotations

from typing import Final

from fastapi import Request
from sqlalchemy.orm import Session

from comptoir.channels import service as channels
from comptoir.identity.oauth import service as oauth
from comptoir.identity.shoppers import service
from comptoir.identity.shoppers.errors import ShopperTokenRefused, StaffTokenNotAccepted
from comptoir.kit.db.engine import Database
from comptoir.kit.http.access import Principal
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.settings import Settings

CHANNEL_KEY_HEADER: Final = "X-Channel-Key"
CHANNEL_SCOPES: Final = frozenset({"store:read", "store:cart"})
SHOPPER_SCOPES: Final = CHANNEL_SCOPES | {"store:account"}
# What a staff member's token adds on the channel API (her other scopes are the admin API's).
TILL_SCOPES: Final = frozenset({"orders:till"})


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer`` header, ``None`` without the header; raises
    :class:`ShopperTokenRefused` for another scheme or an empty token."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ShopperTokenRefused()
    return token.strip()


def is_access_token(token: str) -> bool:
    """Whether ``token`` has the shape of a JWT (three dot-separated parts): an OAuth 2 access
    token. A shopper token is one base64url string, which never holds a dot."""
    return token.count(".") == 2


def staff_principal(
    session: Session, settings: Settings, token: str, caller: channels.ChannelCaller
) -> Principal:
    """The staff member behind an access token presented with ``caller``'s key, as the
    channel API sees her. Raises ``InvalidToken`` (401) and :class:`StaffTokenNotAccepted`
    (403: an API client's token, or a channel that is not a store)."""
    principal = oauth.principal_for_token(session, settings, token)
    if principal.kind != "staff":
        raise StaffTokenNotAccepted(
            _l("A till needs a staff member's own access token, not an API client's.")
        )
    if channels.get_channel(session, caller.channel_id).kind != "store":
        raise StaffTokenNotAccepted(
            _l("A staff access token is accepted only with the key of a store channel.")
        )
    return Principal(
        kind="staff",
        id=principal.id,
        scopes=CHANNEL_SCOPES | (principal.scopes & TILL_SCOPES),
        display_name=principal.display_name,
        location_ids=principal.location_ids,
        channel_id=caller.channel_id,
        extra={"channel_key_id": caller.key_id, "client_id": principal.extra.get("client_id")},
    )


def store_gate(request: Request) -> Principal:
    """Authenticate the storefront (and the shopper or the till's staff member, when a token
    is sent) and put the principal on ``request.state.principal``."""
    database: Database = request.app.state.database
    settings: Settings = request.app.state.settings
    token = bearer_token(request)
    staff: Principal | None = None
    shopper: service.ShopperCaller | None = None
    with database.transaction(readonly=True) as session:
        caller = channels.authenticate_key(session, request.headers.get(CHANNEL_KEY_HEADER))
        if token is not None and is_access_token(token):
            staff = staff_principal(session, settings, token, caller)
        elif token is not None:
            shopper = service.authenticate_token(session, token, caller.channel_id)
    if channels.needs_touch(caller.last_used_at) or (
        shopper is not None and service.needs_touch(shopper.last_used_at)
    ):
        with database.transaction() as session:
            _touch(session, caller, shopper)
    principal = staff or (
        Principal(
            kind="shopper",
            id=shopper.shopper_id,
            scopes=SHOPPER_SCOPES,
            channel_id=caller.channel_id,
            extra={"channel_key_id": caller.key_id, "token_id": shopper.token_id},
        )
        if shopper is not None
        else Principal(
            kind="channel",
            id=caller.key_id,
            scopes=CHANNEL_SCOPES,
            display_name=caller.channel_name,
            channel_id=caller.channel_id,
            extra={"channel_key_id": caller.key_id},
        )
    )
    request.state.principal = principal
    request.state.principal_id = principal.id
    return principal


def _touch(
    session: Session, caller: channels.ChannelCaller, shopper: service.ShopperCaller | None
) -> None:
    if channels.needs_touch(caller.last_used_at):
        channels.touch_key(session, caller.key_id)
    if shopper is not None and service.needs_touch(shopper.last_used_at):
        service.touch_token(session, shopper.token_id)
