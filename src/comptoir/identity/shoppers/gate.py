"""The gate of ``/store/v1``: every request carries a channel key (``X-Channel-Key``) and, for
a signed-in shopper, a bearer token (``Authorization: Bearer <token>``). The gate turns them
into the request's :class:`Principal`; the routes then check their scopes with ``requires``.

* no key, an unknown or a revoked key: 401 ``channel-key-refused``;
* a valid key of an inactive channel: 403 ``channel-inactive``;
* a bearer token that is unknown, expired, revoked, or issued on another channel: 401
  ``shopper-token-refused`` (a bad token is never silently ignored).

The lookups run in a read-only transaction of their own; the last-use times are written, at
most once a minute, in a short writing one, so that a ``GET`` notes them too.
"""

from __future__ import annotations

from typing import Final

from fastapi import Request
from sqlalchemy.orm import Session

from comptoir.channels import service as channels
from comptoir.identity.shoppers import service
from comptoir.identity.shoppers.errors import ShopperTokenRefused
from comptoir.kit.db.engine import Database
from comptoir.kit.http.access import Principal

CHANNEL_KEY_HEADER: Final = "X-Channel-Key"
CHANNEL_SCOPES: Final = frozenset({"store:read", "store:cart"})
SHOPPER_SCOPES: Final = CHANNEL_SCOPES | {"store:account"}


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


def store_gate(request: Request) -> Principal:
    """Authenticate the storefront (and the shopper, when a token is sent) and put the
    principal on ``request.state.principal``."""
    database: Database = request.app.state.database
    token = bearer_token(request)
    with database.transaction(readonly=True) as session:
        caller = channels.authenticate_key(session, request.headers.get(CHANNEL_KEY_HEADER))
        shopper = (
            service.authenticate_token(session, token, caller.channel_id)
            if token is not None
            else None
        )
    if channels.needs_touch(caller.last_used_at) or (
        shopper is not None and service.needs_touch(shopper.last_used_at)
    ):
        with database.transaction() as session:
            _touch(session, caller, shopper)
    principal = (
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
