"""Shopper accounts on the channel API, ``/store/v1/account``: sign up and sign in with the
channel key alone; read the account, change the password and sign out with the shopper's
token as well."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from comptoir.identity.shoppers import schemas, service
from comptoir.identity.shoppers.errors import ShopperSignInFailed, ShopperSignInRateLimited
from comptoir.kit.db.engine import Database
from comptoir.kit.errors import problem_responses
from comptoir.kit.http.access import Principal, current_principal, requires
from comptoir.kit.http.transaction import DbSession, current_transaction

router = APIRouter(prefix="/account", tags=["store"])

CHANNEL = [requires("store:read")]
ACCOUNT = [requires("store:account")]
Caller = Annotated[Principal, Depends(current_principal)]


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def _token_id(principal: Principal) -> uuid.UUID:
    token_id = principal.extra.get("token_id")
    assert isinstance(token_id, uuid.UUID)
    return token_id


def _channel_id(principal: Principal) -> uuid.UUID:
    assert principal.channel_id is not None
    return principal.channel_id


@router.post(
    "",
    dependencies=CHANNEL,
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.ShopperTokenOut,
    responses=problem_responses(401, 403, 409, 422),
)
def sign_up(session: DbSession, principal: Caller, body: schemas.SignUp) -> schemas.ShopperTokenOut:
    """Open a shop account and sign in to it on the calling channel."""
    shopper = service.sign_up(session, body.email, body.password)
    issued = service.issue_token(session, shopper, _channel_id(principal))
    return schemas.ShopperTokenOut(
        access_token=issued.token,
        expires_at=issued.row.expires_at,
        shopper=service.shopper_out(shopper),
    )


@router.post(
    "/sign-in",
    dependencies=CHANNEL,
    response_model=schemas.ShopperTokenOut,
    responses=problem_responses(401, 403, 422, 429),
)
def sign_in(
    request: Request, session: DbSession, principal: Caller, body: schemas.SignIn
) -> schemas.ShopperTokenOut:
    """Exchange an e-mail address and a password for a shopper token on the calling channel.
    Every failure gives the same answer; the account locks for a while after five in a row,
    and an address is held back after twenty in fifteen minutes."""
    ip_address = _client_ip(request)
    if service.is_rate_limited(session, ip_address):
        raise ShopperSignInRateLimited()
    try:
        shopper = service.check_credentials(session, body.email, body.password)
    except ShopperSignInFailed:
        _record_failure_after_rollback(request, body.email, ip_address)
        raise
    issued = service.issue_token(session, shopper, _channel_id(principal))
    return schemas.ShopperTokenOut(
        access_token=issued.token,
        expires_at=issued.row.expires_at,
        shopper=service.shopper_out(shopper),
    )


def _record_failure_after_rollback(request: Request, email: str, ip_address: str) -> None:
    """The request rolls back (its answer is an error); count the failure in a transaction of
    its own once it has."""
    database: Database = request.app.state.database

    def record() -> None:
        with database.transaction() as session:
            service.record_failed_sign_in(session, email=email, ip_address=ip_address)

    current_transaction(request.scope).after_rollback(record)


@router.get(
    "",
    dependencies=ACCOUNT,
    response_model=schemas.ShopperOut,
    responses=problem_responses(401, 403),
)
def me(session: DbSession, principal: Caller) -> schemas.ShopperOut:
    """The signed-in shopper's account."""
    return service.shopper_out(service.get_shopper(session, principal.id))


@router.post(
    "/password",
    dependencies=ACCOUNT,
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 422),
)
def change_password(
    session: DbSession, principal: Caller, body: schemas.PasswordChange
) -> Response:
    """Change the password; every other token of the account is ended."""
    service.change_password(
        session,
        principal.id,
        current_password=body.current_password,
        new_password=body.new_password,
        keep_token_id=_token_id(principal),
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/sign-out",
    dependencies=ACCOUNT,
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403),
)
def sign_out(session: DbSession, principal: Caller) -> Response:
    """End the token of this request."""
    service.sign_out(session, _token_id(principal))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
