"""The audit chain: entries link to each other, and any edit, deletion or move shows."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from comptoir.privacy.models import PrivacyAuditEntry
from comptoir.privacy.schemas import REDACTED, AuditActor, FieldChange, RequestMeta
from comptoir.privacy.service import GENESIS_HASH, record, verify_chain

ACTOR = AuditActor(kind="staff", id=uuid.UUID(int=7), display_name="Camille Martin")


def _record_three(session: Session) -> list[uuid.UUID]:
    return [
        record(
            session,
            actor=ACTOR,
            action="update",
            object_type="catalog_products",
            object_id=uuid.UUID(int=n),
            changes={"price": FieldChange(old=n, new=n + 1)},
            request_meta=RequestMeta(ip="203.0.113.9", user_agent="Firefox"),
        )
        for n in range(1, 4)
    ]


def _entries(session: Session) -> list[PrivacyAuditEntry]:
    return list(session.scalars(select(PrivacyAuditEntry).order_by(PrivacyAuditEntry.seq)))


def test_entries_are_numbered_and_each_links_to_the_previous(session: Session) -> None:
    _record_three(session)
    entries = _entries(session)
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].previous_hash == GENESIS_HASH
    assert entries[1].previous_hash == entries[0].entry_hash
    assert entries[2].previous_hash == entries[1].entry_hash


def test_an_entry_says_who_what_and_from_where(session: Session) -> None:
    entry_id = _record_three(session)[0]
    entry = session.get(PrivacyAuditEntry, entry_id)
    assert entry is not None
    assert (entry.actor_kind, entry.actor_id, entry.actor_name) == (
        "staff",
        ACTOR.id,
        ACTOR.display_name,
    )
    assert (entry.action, entry.object_type, entry.object_id) == (
        "update",
        "catalog_products",
        str(uuid.UUID(int=1)),
    )
    assert (entry.ip, entry.user_agent) == ("203.0.113.9", "Firefox")
    assert entry.changes == {"price": {"old": 1, "new": 2}}


def test_a_personal_field_is_recorded_by_name_only(session: Session) -> None:
    entry_id = record(
        session,
        actor=ACTOR,
        action="update",
        object_type="customers",
        object_id="c1",
        changes={"email": FieldChange(old="a@example.com", new="b@example.com", personal=True)},
    )
    entry = session.get(PrivacyAuditEntry, entry_id)
    assert entry is not None
    assert entry.changes == {"email": {"old": REDACTED, "new": REDACTED}}


def test_an_intact_chain_verifies(session: Session) -> None:
    _record_three(session)
    report = verify_chain(session)
    assert (report.is_intact, report.checked, report.first_bad_seq) == (True, 3, None)


def test_an_empty_chain_verifies(session: Session) -> None:
    report = verify_chain(session)
    assert (report.is_intact, report.checked) == (True, 0)


def test_an_altered_entry_is_found(session: Session) -> None:
    _record_three(session)
    session.execute(
        update(PrivacyAuditEntry)
        .where(PrivacyAuditEntry.seq == 2)
        .values(actor_name="Someone else")
    )
    report = verify_chain(session)
    assert (report.is_intact, report.first_bad_seq, report.checked) == (False, 2, 1)
    assert report.problem == "entry 2 was altered or moved"


def test_altered_changes_are_found(session: Session) -> None:
    _record_three(session)
    session.execute(
        update(PrivacyAuditEntry)
        .where(PrivacyAuditEntry.seq == 3)
        .values(changes={"price": {"old": 3, "new": 400}})
    )
    assert verify_chain(session).first_bad_seq == 3


def test_a_deleted_entry_is_found(session: Session) -> None:
    _record_three(session)
    session.execute(delete(PrivacyAuditEntry).where(PrivacyAuditEntry.seq == 2))
    report = verify_chain(session)
    assert (report.is_intact, report.first_bad_seq) == (False, 2)
    assert report.problem == "entry 2 is missing"


def test_a_deleted_last_entry_is_found(session: Session) -> None:
    _record_three(session)
    session.execute(delete(PrivacyAuditEntry).where(PrivacyAuditEntry.seq == 3))
    report = verify_chain(session)
    assert (report.is_intact, report.first_bad_seq, report.checked) == (False, 3, 2)
    assert report.problem == "entries after 2 are missing"


def test_reordered_entries_are_found(session: Session) -> None:
    _record_three(session)
    seq = PrivacyAuditEntry.seq
    session.execute(update(PrivacyAuditEntry).where(seq == 2).values(seq=-2))
    session.execute(update(PrivacyAuditEntry).where(seq == 3).values(seq=2))
    session.execute(update(PrivacyAuditEntry).where(seq == -2).values(seq=3))
    report = verify_chain(session)
    assert (report.is_intact, report.first_bad_seq) == (False, 2)


def test_a_rewritten_tail_with_recomputed_hashes_is_still_found(session: Session) -> None:
    # given an attacker who rewrites entry 3 and recomputes its hash, but cannot move the head
    from comptoir.privacy.service import chain_hash

    _record_three(session)
    entry = _entries(session)[2]
    row = {c.key: getattr(entry, c.key) for c in PrivacyAuditEntry.__table__.columns}
    row["object_id"] = "forged"
    session.execute(
        update(PrivacyAuditEntry)
        .where(PrivacyAuditEntry.seq == 3)
        .values(object_id="forged", entry_hash=chain_hash(entry.previous_hash, row))
    )
    report = verify_chain(session)
    assert (report.is_intact, report.first_bad_seq) == (False, 3)
