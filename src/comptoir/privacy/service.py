"""The audit trail: append entries to a hash chain in the caller's transaction, check the
chain, and list entries.

Each entry stores ``entry_hash = SHA-256(previous_hash || canonical JSON of the entry)`` and
a gap-free ``seq``. Appending locks the chain's head row (``SELECT ... FOR UPDATE`` on
PostgreSQL; SQLite has one writer at a time), so concurrent transactions append one after the
other and the chain stays linear. Altering, deleting or reordering an entry, or cutting the
end of the chain, breaks the chain at that entry, and :func:`verify_chain` says where.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Final

from sqlalchemy import Table, or_, select, update
from sqlalchemy.orm import Session

from comptoir.kit import clock
from comptoir.kit.db.dialect import insert_ignoring_conflicts, lock_for_update
from comptoir.kit.ids import uuid7
from comptoir.kit.pagination import Page, paginate
from comptoir.privacy.models import PrivacyAuditEntry, PrivacyAuditHead
from comptoir.privacy.schemas import (
    REDACTED,
    AuditActor,
    AuditDraft,
    AuditEntry,
    ChainReport,
    FieldChange,
    RequestMeta,
)

GENESIS_HASH: Final = "0" * 64
HEAD_ID: Final = uuid.UUID("00000000-0000-7000-8000-000000000001")
VERIFY_BATCH: Final = 1000
_entries: Table = PrivacyAuditEntry.__table__  # type: ignore[assignment]
_head: Table = PrivacyAuditHead.__table__  # type: ignore[assignment]


class ChainConflict(RuntimeError):
    """The chain head moved while it was locked: the database did not hold the lock."""


def jsonable(value: Any) -> Any:
    """A value as JSON keeps it exactly: numbers that are not integers become text."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Enum):
        return jsonable(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal | float):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return REDACTED
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return str(value)


def redact(changes: Mapping[str, FieldChange]) -> dict[str, dict[str, Any]]:
    """``{field: {"old": ..., "new": ...}}`` with personal fields' values replaced by
    ``"[redacted]"``."""
    out: dict[str, dict[str, Any]] = {}
    for name, change in sorted(changes.items()):
        if change.personal:
            out[name] = {"old": REDACTED, "new": REDACTED}
        else:
            out[name] = {"old": jsonable(change.old), "new": jsonable(change.new)}
    return out


def canonical_json(row: Mapping[str, Any]) -> bytes:
    """The entry's canonical JSON: what its hash covers (everything but its id and hashes)."""
    document = {
        "seq": row["seq"],
        "occurred_at": row["occurred_at"].isoformat(),
        "actor": {
            "kind": row["actor_kind"],
            "id": jsonable(row["actor_id"]),
            "name": row["actor_name"],
        },
        "action": row["action"],
        "object": {"type": row["object_type"], "id": row["object_id"]},
        "from": {"ip": row["ip"], "user_agent": row["user_agent"]},
        "changes": row["changes"],
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def chain_hash(previous_hash: str, row: Mapping[str, Any]) -> str:
    return hashlib.sha256(previous_hash.encode("ascii") + canonical_json(row)).hexdigest()


def _lock_head(session: Session) -> tuple[int, str]:
    now = clock.now()
    insert_ignoring_conflicts(
        session,
        _head,
        [
            {
                "id": HEAD_ID,
                "seq": 0,
                "last_hash": GENESIS_HASH,
                "created_at": now,
                "updated_at": now,
            }
        ],
        ["id"],
    )
    head = session.execute(
        lock_for_update(
            session, select(_head.c.seq, _head.c.last_hash).where(_head.c.id == HEAD_ID)
        )
    ).one()
    return int(head.seq), str(head.last_hash)


def append_entries(session: Session, drafts: Sequence[AuditDraft]) -> list[uuid.UUID]:
    """Chain ``drafts`` after the current head, in the caller's transaction.

    Holds the head row's lock until the transaction ends. Raises :class:`ChainConflict` if
    the head moved under the lock (never, with the lock held). Returns the new entries' ids.
    """
    if not drafts:
        return []
    seq, last_hash = _lock_head(session)
    start_seq, rows = seq, []
    for draft in drafts:
        seq += 1
        now = clock.now()
        row: dict[str, Any] = {
            "id": uuid7(),
            "seq": seq,
            "occurred_at": now,
            "actor_kind": draft.actor.kind,
            "actor_id": draft.actor.id,
            "actor_name": draft.actor.display_name[:200],
            "action": draft.action,
            "object_type": draft.object_type,
            "object_id": draft.object_id,
            "ip": draft.meta.ip,
            "user_agent": (draft.meta.user_agent or None) and draft.meta.user_agent[:512],
            "changes": json.loads(json.dumps(draft.changes)),
            "created_at": now,
            "updated_at": now,
        }
        row["previous_hash"] = last_hash
        row["entry_hash"] = last_hash = chain_hash(last_hash, row)
        rows.append(row)
    session.execute(_entries.insert(), rows)
    moved = session.execute(
        update(_head)
        .where(_head.c.id == HEAD_ID, _head.c.seq == start_seq)
        .values(seq=seq, last_hash=last_hash, updated_at=clock.now())
    )
    if int(getattr(moved, "rowcount", 0) or 0) != 1:
        raise ChainConflict("the audit chain head moved while locked")
    return [row["id"] for row in rows]


def record(
    session: Session,
    *,
    actor: AuditActor,
    action: str,
    object_type: str,
    object_id: str | uuid.UUID,
    changes: Mapping[str, FieldChange] | None = None,
    request_meta: RequestMeta | None = None,
) -> uuid.UUID:
    """Record one action in the audit trail, in the caller's transaction (it commits or
    rolls back with the change it describes). Personal fields (``FieldChange(personal=True)``)
    are recorded by name only. Returns the entry's id."""
    draft = AuditDraft(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        changes=redact(changes or {}),
        meta=request_meta or RequestMeta(),
    )
    return append_entries(session, [draft])[0]


def verify_chain(session: Session) -> ChainReport:
    """Recompute the chain from the first entry and report the first one that was altered,
    deleted (a gap in ``seq``) or moved; also checks the head, so that cutting the end of
    the chain shows."""
    expected_seq, previous, checked = 1, GENESIS_HASH, 0
    while True:
        rows = (
            session.execute(
                select(_entries)
                .where(_entries.c.seq >= expected_seq)
                .order_by(_entries.c.seq)
                .limit(VERIFY_BATCH)
            )
            .mappings()
            .all()
        )
        for row in rows:
            if row["seq"] != expected_seq:
                return _broken(checked, expected_seq, f"entry {expected_seq} is missing")
            if (
                row["previous_hash"] != previous
                or chain_hash(previous, dict(row)) != row["entry_hash"]
            ):
                return _broken(checked, expected_seq, f"entry {expected_seq} was altered or moved")
            previous, expected_seq, checked = row["entry_hash"], expected_seq + 1, checked + 1
        if len(rows) < VERIFY_BATCH:
            break
    head = session.execute(
        select(_head.c.seq, _head.c.last_hash).where(_head.c.id == HEAD_ID)
    ).first()
    head_seq, head_hash = (head.seq, head.last_hash) if head else (0, GENESIS_HASH)
    if head_seq > checked:
        return _broken(checked, checked + 1, f"entries after {checked} are missing")
    if head_seq < checked:
        return _broken(head_seq, head_seq + 1, f"entries after {head_seq} were added outside")
    if head_hash != previous:
        return _broken(checked - 1, checked, f"entry {checked} was altered or moved")
    return ChainReport(is_intact=True, checked=checked)


def _broken(checked: int, seq: int, problem: str) -> ChainReport:
    return ChainReport(is_intact=False, checked=checked, first_bad_seq=seq, problem=problem)


def list_entries(
    session: Session,
    *,
    actor: str | None = None,
    actor_ids: Collection[uuid.UUID] = (),
    object_type: str | None = None,
    object_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[AuditEntry]:
    """Entries, newest first, filtered by actor (an id, or a name in the trail or among
    ``actor_ids``, the staff whose name matched), object and time range (``since``
    included, ``until`` excluded). Raises ``InvalidCursor`` for a bad cursor."""
    stmt = select(PrivacyAuditEntry)
    if actor:
        try:
            stmt = stmt.where(PrivacyAuditEntry.actor_id == uuid.UUID(actor))
        except ValueError:
            by_name = PrivacyAuditEntry.actor_name.icontains(actor, autoescape=True)
            stmt = stmt.where(
                or_(by_name, PrivacyAuditEntry.actor_id.in_(list(actor_ids)))
                if actor_ids
                else by_name
            )
    if object_type:
        stmt = stmt.where(PrivacyAuditEntry.object_type == object_type)
    if object_id:
        stmt = stmt.where(PrivacyAuditEntry.object_id == object_id)
    if since is not None:
        stmt = stmt.where(PrivacyAuditEntry.occurred_at >= since)
    if until is not None:
        stmt = stmt.where(PrivacyAuditEntry.occurred_at < until)
    page = paginate(
        session,
        stmt,
        order_by=[(PrivacyAuditEntry.seq, "desc")],
        id_column=PrivacyAuditEntry.id,
        limit=limit,
        cursor=cursor,
    )
    return page.map(AuditEntry.model_validate)


def object_types(session: Session) -> list[str]:
    """The kinds of objects the trail mentions (for filters)."""
    rows = session.execute(
        select(PrivacyAuditEntry.object_type).distinct().order_by(PrivacyAuditEntry.object_type)
    )
    return [str(value) for value in rows.scalars()]
