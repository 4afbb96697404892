"""Idempotency keys with Stripe's semantics, kept in the ``idempotency_keys`` table.

A creating POST sent with an ``Idempotency-Key`` first claims the key in a short transaction of
its own (status ``in_flight``). Its answer is written in the request's own transaction, so the
work and its recorded answer commit together or not at all. Then, for the same caller and key:

- the same request again replays the recorded answer;
- a different request is refused (422, ``idempotency-key-reused``);
- a request while the first is still running is refused (409,
  ``idempotency-request-in-flight``), unless the first one's lock is older than
  ``idempotency_lock_seconds``: its process died, and the new request takes the key over;
- an answer with status >= 400 is not recorded: the key is released so the client can retry.

Keys expire ``idempotency_ttl_hours`` after they were first claimed.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, cast

from sqlalchemy import CursorResult, Result, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from comptoir.kit import clock
from comptoir.kit.db.engine import Database
from comptoir.kit.errors import BadRequest, Conflict, DomainError
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.idempotency.models import KEY_COMPLETED, KEY_IN_FLIGHT, IdempotencyKey

HEADER: Final = "Idempotency-Key"
REPLAYED_HEADER: Final = "Idempotent-Replayed"
MAX_KEY_LENGTH: Final = 255
_PATH_COLUMN_LENGTH: Final = 500


class IdempotencyKeyInvalid(BadRequest):
    slug = "idempotency-key-invalid"
    title = _l("The Idempotency-Key header is not valid.")


class IdempotencyKeyReused(DomainError):
    slug = "idempotency-key-reused"
    status = 422
    title = _l("This Idempotency-Key was already used for a different request.")


class IdempotencyRequestInFlight(Conflict):
    slug = "idempotency-request-in-flight"
    title = _l("A request with this Idempotency-Key is still being processed.")


@dataclass(frozen=True)
class IdempotentRequest:
    """What identifies a request: the caller's scope, its key, and a digest of the request."""

    scope: str
    key: str
    method: str
    path: str
    request_hash: str


@dataclass(frozen=True)
class Claimed:
    """The key is ours: run the request, then record its answer under ``key_id``."""

    key_id: uuid.UUID
    locked_at: datetime


@dataclass(frozen=True)
class Replay:
    """The request already completed: send this answer again."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


def validate_key(key: str) -> str:
    """``key`` if it is 1 to 255 visible ASCII characters; raises
    :class:`IdempotencyKeyInvalid` (field ``Idempotency-Key``) otherwise."""
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not all("!" <= char <= "~" for char in key):
        raise IdempotencyKeyInvalid(
            _l("Use 1 to 255 visible ASCII characters, such as a UUID."), field=HEADER
        )
    return key


def request_digest(method: str, path: str, body: bytes) -> str:
    """SHA-256 of the method, the path (with its query string) and the body."""
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def claim_key(
    database: Database, request: IdempotentRequest, *, ttl: timedelta, lock: timedelta
) -> Claimed | Replay:
    """Claim ``request.key`` for ``request.scope`` in a committed transaction of its own.

    Returns :class:`Claimed` (the request may run) or :class:`Replay` (it already ran).
    Raises :class:`IdempotencyKeyReused` when the key was used for another request and
    :class:`IdempotencyRequestInFlight` while the first request still holds the key.
    """
    try:
        with database.transaction() as session:
            return _claim(session, request, ttl=ttl, lock=lock)
    except IntegrityError:
        # Another request inserted the same key between our read and our insert: read again.
        with database.transaction() as session:
            return _claim(session, request, ttl=ttl, lock=lock)


def _claim(
    session: Session, request: IdempotentRequest, *, ttl: timedelta, lock: timedelta
) -> Claimed | Replay:
    now = clock.now()
    of_request = (IdempotencyKey.scope == request.scope) & (IdempotencyKey.key == request.key)
    # An expired key is as good as absent; a guarded delete stays correct under concurrency.
    session.execute(delete(IdempotencyKey).where(of_request, IdempotencyKey.expires_at <= now))
    record = session.scalars(select(IdempotencyKey).where(of_request)).one_or_none()
    if record is None:
        record = IdempotencyKey(
            scope=request.scope,
            key=request.key,
            request_hash=request.request_hash,
            method=request.method,
            path=request.path[:_PATH_COLUMN_LENGTH],
            status=KEY_IN_FLIGHT,
            locked_at=now,
            created_at=now,
            expires_at=now + ttl,
        )
        session.add(record)
        session.flush()
        return Claimed(record.id, now)
    if record.request_hash != request.request_hash:
        raise IdempotencyKeyReused()
    if record.status == KEY_COMPLETED:
        return Replay(record.response_status or 200, record.headers(), record.response_body or b"")
    if record.locked_at > now - lock:
        raise IdempotencyRequestInFlight()
    return _take_over(session, record, now=now, lock=lock)


def _take_over(
    session: Session, record: IdempotencyKey, *, now: datetime, lock: timedelta
) -> Claimed:
    """Take a key whose holder died. The guard on ``locked_at`` lets one taker win."""
    taken = session.execute(
        update(IdempotencyKey)
        .where(
            IdempotencyKey.id == record.id,
            IdempotencyKey.status == KEY_IN_FLIGHT,
            IdempotencyKey.locked_at <= now - lock,
        )
        .values(locked_at=now)
        .execution_options(synchronize_session=False)
    )
    if _row_count(taken) != 1:
        raise IdempotencyRequestInFlight()
    return Claimed(record.id, now)


def record_answer(
    session: Session, claimed: Claimed, status: int, headers: list[tuple[str, str]], body: bytes
) -> None:
    """Record the answer in the request's own transaction (``session``).

    Raises :class:`IdempotencyRequestInFlight` if the key was taken over meanwhile (this
    request was thought dead): its work must then roll back rather than run twice.
    """
    recorded = session.execute(
        update(IdempotencyKey)
        .where(
            IdempotencyKey.id == claimed.key_id,
            IdempotencyKey.status == KEY_IN_FLIGHT,
            IdempotencyKey.locked_at == claimed.locked_at,
        )
        .values(
            status=KEY_COMPLETED,
            response_status=status,
            response_headers=[[name, value] for name, value in headers],
            response_body=body,
        )
        .execution_options(synchronize_session=False)
    )
    if _row_count(recorded) != 1:
        raise IdempotencyRequestInFlight()


def release_key(database: Database, claimed: Claimed) -> None:
    """Forget a claimed key whose request failed, so that the client may try again."""
    with database.transaction() as session:
        session.execute(
            delete(IdempotencyKey).where(
                IdempotencyKey.id == claimed.key_id,
                IdempotencyKey.status == KEY_IN_FLIGHT,
                IdempotencyKey.locked_at == claimed.locked_at,
            )
        )


def purge_expired_keys(session: Session, now: datetime) -> int:
    """Delete the keys that expired at or before ``now``; returns how many. Does not commit."""
    result = session.execute(delete(IdempotencyKey).where(IdempotencyKey.expires_at <= now))
    return _row_count(result)


def _row_count(result: Result[Any]) -> int:
    # UPDATE and DELETE statements return a cursor result, which knows how many rows matched.
    return int(cast(CursorResult[Any], result).rowcount)
