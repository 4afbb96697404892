"""Data keys: one per data subject, created on first use, stored only wrapped by a KEK,
unwrapped keys cached in memory, destroyed to make a subject's data unreadable for good."""

from __future__ import annotations

import secrets
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Final

from sqlalchemy import Table, event, func, select, update
from sqlalchemy.orm import Session

from comptoir.kit import clock
from comptoir.kit.crypto.keyring import KEY_BYTES, KeyEncryptionKeyProvider, current_keyring
from comptoir.kit.crypto.models import CryptoDataKey
from comptoir.kit.db.dialect import insert_ignoring_conflicts
from comptoir.kit.errors import Conflict
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.ids import uuid7

CURRENT_VERSION: Final = 1
CACHE_SIZE: Final = 4096
_SESSION_KEY: Final = "comptoir.crypto.data_keys"
_table: Table = CryptoDataKey.__table__  # type: ignore[assignment]


class SubjectKeyDestroyed(Conflict):
    """Personal data cannot be written for a subject whose key was destroyed (erased)."""

    slug = "subject-erased"
    title = _l("This person's data was erased and cannot be written again.")


@dataclass(frozen=True, slots=True)
class DataKey:
    """An unwrapped data key and its version."""

    version: int
    key: bytes


@dataclass(frozen=True, slots=True)
class _StoredKey:
    version: int
    wrapped: bytes | None
    kek_version: int | None


class _UnwrappedCache:
    """A bounded LRU of unwrapped keys, keyed by the wrapped bytes they came from.

    Callers always read the data-key row first: a destroyed key (row without wrapped bytes)
    can never be served from here, whichever process destroyed it.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[tuple[int, bytes], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, kek_version: int, wrapped: bytes) -> bytes | None:
        with self._lock:
            key = self._items.get((kek_version, wrapped))
            if key is not None:
                self._items.move_to_end((kek_version, wrapped))
            return key

    def put(self, kek_version: int, wrapped: bytes, key: bytes) -> None:
        with self._lock:
            self._items[(kek_version, wrapped)] = key
            self._items.move_to_end((kek_version, wrapped))
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def discard(self, kek_version: int, wrapped: bytes) -> None:
        with self._lock:
            self._items.pop((kek_version, wrapped), None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


unwrapped_keys = _UnwrappedCache(CACHE_SIZE)


def _session_keys(session: Session) -> dict[tuple[str, uuid.UUID], list[_StoredKey]]:
    cache: dict[tuple[str, uuid.UUID], list[_StoredKey]] = session.info.setdefault(_SESSION_KEY, {})
    return cache


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, _previous: object) -> None:
    # A key created in a rolled-back transaction no longer exists.
    session.info.pop(_SESSION_KEY, None)


@event.listens_for(Session, "after_commit")
def _forget_after_commit(session: Session) -> None:
    # The next transaction reads the keys again: another process may have destroyed one.
    session.info.pop(_SESSION_KEY, None)


def _stored_keys(session: Session, subject_type: str, subject_id: uuid.UUID) -> list[_StoredKey]:
    cache = _session_keys(session)
    found = cache.get((subject_type, subject_id))
    if found is None:
        rows = session.connection().execute(
            select(_table.c.version, _table.c.wrapped_key, _table.c.kek_version)
            .where(_table.c.subject_type == subject_type, _table.c.subject_id == subject_id)
            .order_by(_table.c.version.desc())
        )
        found = [_StoredKey(row.version, row.wrapped_key, row.kek_version) for row in rows]
        cache[(subject_type, subject_id)] = found
    return found


def _unwrap(stored: _StoredKey, keyring: KeyEncryptionKeyProvider) -> bytes | None:
    if stored.wrapped is None or stored.kek_version is None:
        return None
    key = unwrapped_keys.get(stored.kek_version, stored.wrapped)
    if key is None:
        key = keyring.unwrap(stored.wrapped, stored.kek_version)
        unwrapped_keys.put(stored.kek_version, stored.wrapped, key)
    return key


def data_key_for_reading(
    session: Session, subject_type: str, subject_id: uuid.UUID, version: int
) -> bytes | None:
    """The subject's data key of ``version``, or ``None`` if it was destroyed or never
    existed. Raises ``KeyringError`` if the KEK it is wrapped with is unavailable."""
    for stored in _stored_keys(session, subject_type, subject_id):
        if stored.version == version:
            return _unwrap(stored, current_keyring())
    return None


def data_key_for_writing(session: Session, subject_type: str, subject_id: uuid.UUID) -> DataKey:
    """The subject's current data key, created (and stored wrapped) on first use.

    Concurrent first uses agree on one key (the insert ignores a conflict, then reads).
    Raises :class:`SubjectKeyDestroyed` if the subject's key was destroyed.
    """
    keyring = current_keyring()
    stored = _stored_keys(session, subject_type, subject_id)
    if not stored:
        wrapped, kek_version = keyring.wrap(secrets.token_bytes(KEY_BYTES))
        now = clock.now()
        row = {
            "id": uuid7(),
            "subject_type": subject_type,
            "subject_id": subject_id,
            "version": CURRENT_VERSION,
            "wrapped_key": wrapped,
            "kek_version": kek_version,
            "created_at": now,
            "updated_at": now,
        }
        insert_ignoring_conflicts(session, _table, [row], ["subject_type", "subject_id", "version"])
        _session_keys(session).pop((subject_type, subject_id), None)
        stored = _stored_keys(session, subject_type, subject_id)
    latest = stored[0]
    key = _unwrap(latest, keyring)
    if key is None:
        raise SubjectKeyDestroyed(
            _l("The data of this person was erased."), subject_type=subject_type
        )
    return DataKey(version=latest.version, key=key)


def destroy_subject_key(session: Session, subject_type: str, subject_id: uuid.UUID) -> bool:
    """Crypto-shredding: destroy every data key of the subject, in the caller's transaction.

    Once committed, every encrypted field of that subject is unreadable everywhere, backups
    included, since only the wrapped key was ever stored; the subject's fields then read as
    ``None``. A tombstone row remains so that nothing is encrypted for the subject again.
    Returns ``True`` if a key was destroyed, ``False`` if there was none (a tombstone is
    written all the same) or it was already destroyed.
    """
    now = clock.now()
    for stored in _stored_keys(session, subject_type, subject_id):
        if stored.wrapped is not None and stored.kek_version is not None:
            unwrapped_keys.discard(stored.kek_version, stored.wrapped)
    result = session.execute(
        update(_table)
        .where(
            _table.c.subject_type == subject_type,
            _table.c.subject_id == subject_id,
            _table.c.destroyed_at.is_(None),
        )
        .values(wrapped_key=None, kek_version=None, destroyed_at=now, updated_at=now)
    )
    destroyed = int(getattr(result, "rowcount", 0) or 0) > 0
    if not destroyed:
        tombstone = {
            "id": uuid7(),
            "subject_type": subject_type,
            "subject_id": subject_id,
            "version": CURRENT_VERSION,
            "wrapped_key": None,
            "kek_version": None,
            "created_at": now,
            "updated_at": now,
            "destroyed_at": now,
        }
        insert_ignoring_conflicts(
            session, _table, [tombstone], ["subject_type", "subject_id", "version"]
        )
    _session_keys(session).pop((subject_type, subject_id), None)
    return destroyed


def rewrap_batch(session: Session, keyring: KeyEncryptionKeyProvider, *, limit: int) -> int:
    """Re-wrap up to ``limit`` live data keys not yet under the active KEK version.

    Each key is updated only if it is still as read (guarded UPDATE), so a key destroyed or
    re-wrapped meanwhile is left alone. Returns how many keys were re-wrapped; the caller
    commits and calls again until it returns 0.
    """
    target = keyring.active_version
    rows = session.execute(
        select(_table.c.id, _table.c.wrapped_key, _table.c.kek_version)
        .where(_table.c.kek_version != target, _table.c.wrapped_key.is_not(None))
        .order_by(_table.c.id)
        .limit(limit)
    ).all()
    done = 0
    for row in rows:
        key = keyring.unwrap(row.wrapped_key, row.kek_version)
        wrapped, kek_version = keyring.wrap(key)
        result = session.execute(
            update(_table)
            .where(
                _table.c.id == row.id,
                _table.c.kek_version == row.kek_version,
                _table.c.wrapped_key.is_not(None),
            )
            .values(wrapped_key=wrapped, kek_version=kek_version, updated_at=clock.now())
        )
        done += int(getattr(result, "rowcount", 0) or 0)
    session.info.pop(_SESSION_KEY, None)
    return done


@dataclass(frozen=True, slots=True)
class KeyStatus:
    """How many data keys each KEK version wraps, and how many were destroyed."""

    by_kek_version: dict[int, int]
    destroyed: int


def key_status(session: Session) -> KeyStatus:
    """Counts of data keys per KEK version, and of destroyed keys."""
    rows = session.execute(
        select(_table.c.kek_version, func.count()).group_by(_table.c.kek_version)
    ).all()
    by_version = {int(v): int(n) for v, n in rows if v is not None}
    destroyed = sum(int(n) for v, n in rows if v is None)
    return KeyStatus(by_kek_version=by_version, destroyed=destroyed)
