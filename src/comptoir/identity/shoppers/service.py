"""Shopper accounts: sign-up, sign-in with lockout and a per-address limit, bearer tokens
(random, hashed at rest, sliding expiry, bound to a channel), password change, sign-out.

The password rules and hashing are the staff's (:mod:`comptoir.identity.passwords`), and so
are the lockout delays (:func:`comptoir.identity.auth.lock_delay`). Failures are recorded by
:func:`record_failed_sign_in` in a transaction of its own, since the request that failed rolls
back. Nothing here commits.
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from comptoir.customers import service as customers
from comptoir.customers.schemas import ConsentChoice, Source
from comptoir.identity.auth import IP_MAX_FAILURES, IP_WINDOW, lock_delay, token_hash
from comptoir.identity.passwords import (
    DUMMY_HASH,
    check_policy,
    hash_password,
    needs_rehash,
    verify_password,
)
from comptoir.identity.shoppers.errors import (
    ShopperSignInFailed,
    ShopperTokenRefused,
    WrongCurrentPassword,
)
from comptoir.identity.shoppers.models import Shopper, ShopperFailedSignIn, ShopperToken
from comptoir.identity.shoppers.schemas import ShopperOut
from comptoir.kit import clock
from comptoir.kit.crypto import blind_index
from comptoir.kit.errors import InvalidInput, NotFound
from comptoir.kit.i18n import lazy_gettext as _l

TOKEN_IDLE: Final = timedelta(days=30)
TOKEN_ABSOLUTE: Final = timedelta(days=90)
TOUCH_EVERY: Final = timedelta(seconds=60)
MAX_TOKEN_LENGTH: Final = 200
_EMAIL: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _index(email: str) -> bytes:
    return blind_index(Shopper.email_index, email)


def find_shopper_by_email(session: Session, email: str) -> Shopper | None:
    """The account of ``email`` (any case, surrounding spaces ignored), found through its
    blind index, or ``None``."""
    return session.scalar(select(Shopper).where(Shopper.email_index == _index(email)))


def get_shopper(session: Session, shopper_id: uuid.UUID) -> Shopper:
    """The account; raises :class:`NotFound`."""
    shopper = session.get(Shopper, shopper_id)
    if shopper is None:
        raise NotFound()
    return shopper


def shopper_out(shopper: Shopper) -> ShopperOut:
    return ShopperOut(
        id=shopper.id,
        email=shopper.email or "",
        created_at=shopper.created_at,
        last_login_at=shopper.last_login_at,
        customer_id=shopper.customer_id,
        email_verified_at=shopper.email_verified_at,
    )


def sign_up(session: Session, email: str, password: str) -> Shopper | None:
    """A new shop account, or ``None`` when an account already uses the address (in any
    case, also when two sign-ups race: the blind index is unique). The caller answers both
    alike, so that a sign-up never tells whether an address has an account; the password is
    hashed in both cases, so neither answers sooner.

    Raises :class:`InvalidInput` (``email``) for an address that is not one and
    :class:`PasswordRejected` (``password``) for a password outside the policy, whether or
    not the address has an account.
    """
    email = email.strip()
    if not _EMAIL.match(email):
        raise InvalidInput(_l("Enter an e-mail address such as name@example.com."), field="email")
    check_policy(password)
    password_hash = hash_password(password)
    if find_shopper_by_email(session, email) is not None:
        return None
    shopper = Shopper(email=email, password_hash=password_hash, password_changed_at=clock.now())
    try:
        with session.begin_nested():
            session.add(shopper)
            session.flush()
    except IntegrityError:
        return None
    return shopper


def is_locked(shopper: Shopper) -> bool:
    """Whether the account is locked right now after too many failures."""
    return shopper.locked_until is not None and shopper.locked_until > clock.now()


def check_credentials(session: Session, email: str, password: str) -> Shopper:
    """The account if ``email`` and ``password`` match an open, unlocked one.

    Always verifies one argon2 hash, so the time taken does not tell whether the account
    exists; raises :class:`ShopperSignInFailed` (the same for every reason) otherwise. A hash
    made with older parameters is replaced on success.
    """
    shopper = find_shopper_by_email(session, email)
    matches = verify_password(shopper.password_hash if shopper else DUMMY_HASH, password)
    if shopper is None or not matches or not shopper.is_active or is_locked(shopper):
        raise ShopperSignInFailed()
    if needs_rehash(shopper.password_hash):
        shopper.password_hash = hash_password(password)
    return shopper


def is_rate_limited(session: Session, ip_address: str) -> bool:
    """Whether ``ip_address`` had 20 failed shopper sign-ins or more in the last 15 minutes."""
    since = clock.now() - IP_WINDOW
    count = session.scalar(
        select(func.count())
        .select_from(ShopperFailedSignIn)
        .where(ShopperFailedSignIn.ip_address == ip_address, ShopperFailedSignIn.created_at > since)
    )
    return int(count or 0) >= IP_MAX_FAILURES


def record_failed_sign_in(session: Session, *, email: str, ip_address: str) -> None:
    """Count a failure against the address and, when ``email`` names an account, against it
    (an atomic increment); lock the account for an increasing delay from the fifth failure
    on (one minute, doubling, at most an hour)."""
    now = clock.now()
    session.add(ShopperFailedSignIn(ip_address=ip_address[:45]))
    session.execute(
        delete(ShopperFailedSignIn).where(ShopperFailedSignIn.created_at < now - 2 * IP_WINDOW)
    )
    shopper_id = session.scalar(select(Shopper.id).where(Shopper.email_index == _index(email)))
    if shopper_id is None:
        session.flush()
        return
    session.execute(
        update(Shopper)
        .where(Shopper.id == shopper_id)
        .values(failed_logins=Shopper.failed_logins + 1, updated_at=now)
    )
    failures = session.scalar(select(Shopper.failed_logins).where(Shopper.id == shopper_id))
    delay = lock_delay(int(failures or 0))
    if delay is not None:
        session.execute(
            update(Shopper).where(Shopper.id == shopper_id).values(locked_until=now + delay)
        )
    session.flush()


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A token just issued: ``token`` is handed to the shopper once, never stored."""

    token: str
    row: ShopperToken


def issue_token(session: Session, shopper: Shopper, channel_id: uuid.UUID) -> IssuedToken:
    """A fresh random 256-bit token for ``shopper`` on ``channel_id``, valid 30 days from its
    last use and 90 days at most; resets the failure count and notes the sign-in."""
    now = clock.now()
    token = secrets.token_urlsafe(32)
    row = ShopperToken(
        token_hash=token_hash(token),
        shopper_id=shopper.id,
        channel_id=channel_id,
        last_used_at=now,
        expires_at=now + TOKEN_IDLE,
    )
    session.add(row)
    shopper.failed_logins = 0
    shopper.locked_until = None
    shopper.last_login_at = now
    session.flush()
    return IssuedToken(token, row)


@dataclass(frozen=True, slots=True)
class ShopperCaller:
    """Who a valid token speaks for."""

    shopper_id: uuid.UUID
    token_id: uuid.UUID
    last_used_at: datetime


def authenticate_token(session: Session, token: str, channel_id: uuid.UUID) -> ShopperCaller:
    """The shopper behind ``token`` on ``channel_id``.

    Raises :class:`ShopperTokenRefused` (the same for every reason) when the token is
    unknown, revoked, expired (30 days unused, or 90 days old), issued on another channel,
    or its account is closed.
    """
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise ShopperTokenRefused()
    row = session.execute(
        select(ShopperToken, Shopper.is_active)
        .join(Shopper, Shopper.id == ShopperToken.shopper_id)
        .where(ShopperToken.token_hash == token_hash(token))
    ).first()
    if row is None:
        raise ShopperTokenRefused()
    shopper_token, is_active = row
    now = clock.now()
    if (
        shopper_token.revoked_at is not None
        or shopper_token.expires_at <= now
        or shopper_token.created_at + TOKEN_ABSOLUTE <= now
        or shopper_token.channel_id != channel_id
        or not is_active
    ):
        raise ShopperTokenRefused()
    return ShopperCaller(shopper_token.shopper_id, shopper_token.id, shopper_token.last_used_at)


def needs_touch(last_used_at: datetime) -> bool:
    """Whether the token's use should be noted (at most once a minute)."""
    return clock.now() - last_used_at >= TOUCH_EVERY


def touch_token(session: Session, token_id: uuid.UUID) -> None:
    """Note the token's use and slide its expiry 30 days on (never past its 90 days)."""
    now = clock.now()
    row = session.get(ShopperToken, token_id)
    if row is None or row.revoked_at is not None:
        return
    row.last_used_at = now
    row.expires_at = min(now + TOKEN_IDLE, row.created_at + TOKEN_ABSOLUTE)
    session.flush()


def sign_out(session: Session, token_id: uuid.UUID) -> None:
    """End the token: it is refused from now on."""
    session.execute(
        update(ShopperToken)
        .where(ShopperToken.id == token_id, ShopperToken.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )


def change_password(
    session: Session,
    shopper_id: uuid.UUID,
    *,
    current_password: str,
    new_password: str,
    keep_token_id: uuid.UUID,
) -> Shopper:
    """Replace the password after checking the current one, and end every other token of the
    account (the one in use, ``keep_token_id``, stays signed in).

    Raises :class:`WrongCurrentPassword` (``current_password``) and
    :class:`PasswordRejected` (``new_password``).
    """
    shopper = get_shopper(session, shopper_id)
    if not verify_password(shopper.password_hash, current_password):
        raise WrongCurrentPassword(field="current_password")
    check_policy(new_password, field="new_password")
    shopper.password_hash = hash_password(new_password)
    shopper.password_changed_at = clock.now()
    session.execute(
        update(ShopperToken)
        .where(
            ShopperToken.shopper_id == shopper_id,
            ShopperToken.id != keep_token_id,
            ShopperToken.revoked_at.is_(None),
        )
        .values(revoked_at=clock.now())
    )
    session.flush()
    return shopper


def tie_new_account(
    session: Session, shopper: Shopper, *, source: Source, consents: Sequence[ConsentChoice]
) -> uuid.UUID | None:
    """Tie a new account to a customer made for it, and record the consent boxes ticked at
    sign-up on her; returns her id. When a customer already had the address, the account is
    tied to nobody (``None``) until the address is verified, and the ticked boxes wait on the
    account (the address is not yet proven to be the shopper's: she must not get a known
    customer's prices, coupons or orders, nor speak for her consents).

    Raises :class:`InvalidInput` (``consents.<i>``) when a channel and purpose come twice.
    """
    customers.check_consent_choices(consents)
    resolved = customers.resolve_customer(session, email=shopper.email, source=source)
    if not resolved.created:
        shopper.pending_consents = [c.model_dump() for c in consents if c.granted] or None
        session.flush()
        return None
    link_customer(session, shopper.id, resolved.customer.id)
    customers.record_consent_choices(
        session, resolved.customer.id, consents, source=source, actor=f"shopper:{shopper.id}"
    )
    return resolved.customer.id


def account_customer(session: Session, shopper: Shopper, *, source: Source) -> uuid.UUID | None:
    """The id of the customer the account buys as, tied to it now if need be: the customer
    already tied to it while active (the one it became when merged since), else, once the
    address is verified, the one customer of the account's e-mail across channels, found or
    created by ``resolve_customer`` (``source`` says where a new one came from). ``None``
    while the address is not verified and no customer is tied: the shopper buys as a guest."""
    if shopper.customer_id is not None:
        try:
            linked = customers.get_customer(session, shopper.customer_id)
        except customers.CustomerNotFound:
            linked = None
        target = customers.merge_target(session, linked) if linked is not None else None
        if target is not None:
            if target.id != shopper.customer_id:
                link_customer(session, shopper.id, target.id)
            return target.id
    if shopper.email_verified_at is None:
        return None
    resolved = customers.resolve_customer(session, email=shopper.email, source=source)
    link_customer(session, shopper.id, resolved.customer.id)
    return resolved.customer.id


def link_customer(session: Session, shopper_id: uuid.UUID, customer_id: uuid.UUID | None) -> None:
    """Tie the account to its customer record (:func:`account_customer` does when it finds or
    creates the customer), or untie it with ``None``. Raises :class:`NotFound`."""
    shopper = get_shopper(session, shopper_id)
    shopper.customer_id = customer_id
    session.flush()


def relink_accounts(
    session: Session,
    *,
    from_customer_id: uuid.UUID,
    to_customer_id: uuid.UUID,
    only: Sequence[uuid.UUID] | None = None,
) -> list[uuid.UUID]:
    """Tie the accounts tied to ``from_customer_id`` (with ``only``: just those of these ids
    still tied to it) to ``to_customer_id`` instead, as a customer merge (and its unmerge)
    does; returns the ids of the accounts moved. Idempotent: a second call moves nothing."""
    stmt = select(Shopper).where(Shopper.customer_id == from_customer_id)
    if only is not None:
        if not only:
            return []
        stmt = stmt.where(Shopper.id.in_(list(only)))
    accounts = list(session.scalars(stmt.order_by(Shopper.id)))
    for account in accounts:
        account.customer_id = to_customer_id
    session.flush()
    return [account.id for account in accounts]
