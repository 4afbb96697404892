"""Signing in: credentials, lockout per account, rate limit per address, and back-office
sessions (creation, lookup with idle and absolute timeouts, rotation, revocation).

Failures are recorded by :func:`record_failed_login` in a transaction of their own, since the
request that failed rolls back.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from comptoir.identity.models import (
    SESSION_STAGE_ENROL,
    SESSION_STAGE_FULL,
    SESSION_STAGE_MFA,
    FailedLogin,
    StaffSession,
    StaffUser,
)
from comptoir.identity.passwords import (
    DUMMY_HASH,
    hash_password,
    needs_rehash,
    verify_password,
)
from comptoir.identity.service import find_user_by_email, requires_mfa
from comptoir.kit import clock

LOCK_AFTER_FAILURES: Final = 5
FIRST_LOCK: Final = timedelta(minutes=1)
LONGEST_LOCK: Final = timedelta(hours=1)
IP_WINDOW: Final = timedelta(minutes=15)
IP_MAX_FAILURES: Final = 20
TOUCH_EVERY: Final = timedelta(seconds=60)


def token_hash(token: str) -> str:
    """The SHA-256 (hex) under which a random token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def is_locked(user: StaffUser) -> bool:
    """Whether the account is locked right now after too many failures."""
    return user.locked_until is not None and user.locked_until > clock.now()


def lock_delay(failures: int) -> timedelta | None:
    """How long the account stays locked after ``failures`` consecutive failures: none below
    five, then one minute, doubling with each further failure, at most an hour."""
    if failures < LOCK_AFTER_FAILURES:
        return None
    doubled: timedelta = FIRST_LOCK * (2 ** min(failures - LOCK_AFTER_FAILURES, 10))
    return doubled if doubled < LONGEST_LOCK else LONGEST_LOCK


def is_rate_limited(session: Session, ip_address: str) -> bool:
    """Whether ``ip_address`` had 20 failed sign-ins or more in the last 15 minutes."""
    since = clock.now() - IP_WINDOW
    count = session.scalar(
        select(func.count())
        .select_from(FailedLogin)
        .where(FailedLogin.ip_address == ip_address, FailedLogin.created_at > since)
    )
    return int(count or 0) >= IP_MAX_FAILURES


def check_credentials(session: Session, email: str, password: str) -> StaffUser | None:
    """The user if ``email`` and ``password`` match an active, unlocked account, else
    ``None``. Always verifies one argon2 hash, so the time taken does not tell whether the
    account exists. On success, a hash made with older parameters is replaced."""
    user = find_user_by_email(session, email)
    matches = verify_password(user.password_hash if user else DUMMY_HASH, password)
    if user is None or not matches or not user.is_active or is_locked(user):
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def record_failed_login(session: Session, *, user_id: uuid.UUID | None, ip_address: str) -> None:
    """Count a failure against the address and, when known, the account (an atomic
    increment); lock the account for an increasing delay from the fifth failure on."""
    now = clock.now()
    session.add(FailedLogin(ip_address=ip_address))
    session.execute(delete(FailedLogin).where(FailedLogin.created_at < now - 2 * IP_WINDOW))
    if user_id is None:
        return
    session.execute(
        update(StaffUser)
        .where(StaffUser.id == user_id)
        .values(failed_logins=StaffUser.failed_logins + 1, updated_at=now)
    )
    failures = session.scalar(select(StaffUser.failed_logins).where(StaffUser.id == user_id))
    delay = lock_delay(int(failures or 0))
    if delay is not None:
        session.execute(
            update(StaffUser).where(StaffUser.id == user_id).values(locked_until=now + delay)
        )
    session.flush()


def record_successful_login(session: Session, user: StaffUser) -> None:
    """Reset the failure count and note the time of the sign-in."""
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = clock.now()


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)


@dataclass(frozen=True, slots=True)
class OpenedSession:
    """A session just created or rotated: ``token`` goes in the cookie, only once."""

    token: str
    session: StaffSession


def first_stage(session: Session, user: StaffUser, *, mfa_for_everyone: bool) -> str:
    """Where a user stands after the password: a second step to give, two-step verification
    to set up first, or fully signed in."""
    if user.totp_enabled_at is not None:
        return SESSION_STAGE_MFA
    if requires_mfa(session, user.id, for_everyone=mfa_for_everyone):
        return SESSION_STAGE_ENROL
    return SESSION_STAGE_FULL


def open_session(
    session: Session,
    user: StaffUser,
    *,
    stage: str,
    policy: SessionPolicy,
    ip_address: str = "",
    user_agent: str = "",
) -> OpenedSession:
    """A new session for ``user`` with a fresh random 256-bit token."""
    now = clock.now()
    token = secrets.token_urlsafe(32)
    staff_session = StaffSession(
        token_hash=token_hash(token),
        user_id=user.id,
        stage=stage,
        last_seen_at=now,
        expires_at=now + policy.absolute,
        authenticated_at=now,
        ip_address=ip_address[:45],
        user_agent=user_agent[:400],
    )
    session.add(staff_session)
    session.flush()
    return OpenedSession(token, staff_session)


def rotate_session(session: Session, staff_session: StaffSession, *, stage: str) -> OpenedSession:
    """Give ``staff_session`` a new token (the old one stops working) and move it to
    ``stage``, noting that the user has just proved who they are. The absolute timeout still
    counts from the sign-in."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    staff_session.token_hash = token_hash(token)
    staff_session.stage = stage
    staff_session.authenticated_at = now
    staff_session.last_seen_at = now
    session.flush()
    return OpenedSession(token, staff_session)


def find_session(
    session: Session, token: str, policy: SessionPolicy
) -> tuple[StaffSession, StaffUser] | None:
    """The live session of ``token`` and its user, or ``None`` when the token is unknown, the
    session was revoked, has been idle too long, has passed its absolute lifetime, or its
    user was deactivated."""
    if not token:
        return None
    row = session.execute(
        select(StaffSession, StaffUser)
        .join(StaffUser, StaffUser.id == StaffSession.user_id)
        .where(StaffSession.token_hash == token_hash(token))
    ).first()
    if row is None:
        return None
    staff_session, user = row
    now = clock.now()
    if (
        staff_session.revoked_at is not None
        or staff_session.expires_at <= now
        or staff_session.last_seen_at + policy.idle <= now
        or not user.is_active
    ):
        return None
    return staff_session, user


def touch_session(session: Session, session_id: uuid.UUID, last_seen_at: datetime) -> None:
    """Note activity on the session, at most once a minute (it keeps the idle timeout away)."""
    now = clock.now()
    if now - last_seen_at < TOUCH_EVERY:
        return
    session.execute(
        update(StaffSession)
        .where(StaffSession.id == session_id, StaffSession.revoked_at.is_(None))
        .values(last_seen_at=now, updated_at=now)
    )


def revoke_session(session: Session, session_id: uuid.UUID, *, user_id: uuid.UUID) -> bool:
    """End the session (only one of ``user_id``'s); returns whether one was open."""
    result = session.execute(
        update(StaffSession)
        .where(
            StaffSession.id == session_id,
            StaffSession.user_id == user_id,
            StaffSession.revoked_at.is_(None),
        )
        .values(revoked_at=clock.now())
    )
    return int(getattr(result, "rowcount", 0)) == 1


def list_open_sessions(
    session: Session, user_id: uuid.UUID, policy: SessionPolicy
) -> list[StaffSession]:
    """The user's sessions that are still usable, most recent first."""
    now = clock.now()
    stmt = (
        select(StaffSession)
        .where(
            StaffSession.user_id == user_id,
            StaffSession.revoked_at.is_(None),
            StaffSession.expires_at > now,
            StaffSession.last_seen_at > now - policy.idle,
        )
        .order_by(StaffSession.last_seen_at.desc())
    )
    return list(session.scalars(stmt))


def is_fully_signed_in(staff_session: StaffSession) -> bool:
    return staff_session.stage == SESSION_STAGE_FULL
