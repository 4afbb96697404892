"""Shopper accounts on the channel API, ``/store/v1/account``: sign up, sign in and verify the
address with the channel key alone; read the account, ask for a new verification e-mail,
change the password and sign out with the shopper's token as well."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status
from sqlalchemy.orm import Session

from comptoir.channels import service as channels
from comptoir.customers import service as customers
from comptoir.customers.schemas import Source
from comptoir.identity.shoppers import schemas, service, verification
from comptoir.identity.shoppers.errors import ShopperSignInFailed, ShopperSignInRateLimited
from comptoir.kit.db.engine import Database
from comptoir.kit.errors import problem_responses
from comptoir.kit.http.access import Principal, current_principal, requires
from comptoir.kit.http.transaction import DbSession, current_transaction
from comptoir.kit.i18n import current_locale

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


def _source(session: Session, principal: Principal) -> Source:
    """Where a customer made through the calling channel comes from."""
    return customers.source_of_channel(channels.get_channel(session, _channel_id(principal)).kind)


@router.post(
    "",
    dependencies=CHANNEL,
    status_code=status.HTTP_202_ACCEPTED,
    response_model=schemas.SignUpAccepted,
    responses=problem_responses(401, 403, 422),
)
def sign_up(session: DbSession, principal: Caller, body: schemas.SignUp) -> schemas.SignUpAccepted:
    """Open a shop account and e-mail a link to verify its address; then sign in
    (``/sign-in``) with the password chosen to get a token. A new customer is made for the
    account, on whom the consent boxes ticked in ``consents`` are recorded; when a customer
    already had the address, the account is tied to her (and the boxes recorded) only once
    the address is verified (``customer_id`` is ``null`` until then).

    An address that already has an account gets the same answer (so a sign-up never tells
    whether an address is registered), but no account is opened: the account's holder is
    e-mailed that somebody tried (at most once a day)."""
    shopper = service.sign_up(session, body.email, body.password)
    if shopper is None:
        customers.check_consent_choices(body.consents)  # the same 422 as a new sign-up's
        verification.notify_sign_up_attempt(session, body.email, locale=current_locale())
    else:
        service.tie_new_account(
            session, shopper, source=_source(session, principal), consents=body.consents
        )
        verification.request_verification(session, shopper.id, locale=current_locale())
    return schemas.SignUpAccepted(email=body.email.strip())


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
    "/verification-email",
    dependencies=ACCOUNT,
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(401, 403, 409, 429),
)
def send_verification_email(session: DbSession, principal: Caller) -> Response:
    """E-mail a new link to verify the account's address (in the language of the request);
    earlier links stay valid. One e-mail a minute and ten a day per account (429 beyond);
    409 when the address is already verified."""
    verification.request_verification(session, principal.id, locale=current_locale())
    return Response(status_code=status.HTTP_202_ACCEPTED)


@router.post(
    "/verify-email",
    dependencies=CHANNEL,
    response_model=schemas.ShopperOut,
    responses=problem_responses(401, 403, 422),
)
def verify_email(
    session: DbSession, principal: Caller, body: schemas.EmailVerification
) -> schemas.ShopperOut:
    """Verify the account's address with the token of the e-mailed link (valid 24 hours,
    once; the channel key is enough, so the link works in any browser). The account is then
    tied to the one customer of its address, found across channels or created, with her
    group prices. An unknown, used or expired token is a 422 on ``token``."""
    shopper = verification.verify_email(session, body.token, source=_source(session, principal))
    return service.shopper_out(shopper)


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
