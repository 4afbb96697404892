"""Every write of an audited session becomes an entry, personal values never among them."""

from __future__ import annotations

import json
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.kit.db.engine import Database
from comptoir.privacy.capture import audit_session
from comptoir.privacy.models import PrivacyAuditEntry
from comptoir.privacy.schemas import REDACTED, AuditActor, RequestMeta
from comptoir.privacy.service import verify_chain
from tests.kit.crypto.models import Person

ACTOR = AuditActor(kind="staff", id=uuid.UUID(int=42), display_name="Camille Martin")
META = RequestMeta(ip="198.51.100.4", user_agent="Chromium")
PERSONAL = ("Ada Lovelace", "ada@example.com", "+33612345678")


def _entries(session: Session) -> list[PrivacyAuditEntry]:
    return list(session.scalars(select(PrivacyAuditEntry).order_by(PrivacyAuditEntry.seq)))


def _audited(db: Database) -> Session:
    session = db.session()
    audit_session(session, ACTOR, META)
    return session


def test_a_created_object_is_recorded_with_personal_fields_redacted(tables: Database) -> None:
    with _audited(tables) as session:
        person = Person(name=PERSONAL[0], email=PERSONAL[1], phone=PERSONAL[2], nickname="Ada")
        session.add(person)
        session.commit()
        [entry] = _entries(session)
    assert (entry.action, entry.object_type, entry.object_id) == (
        "create",
        "sample_people",
        str(person.id),
    )
    assert (entry.actor_id, entry.actor_name, entry.ip, entry.user_agent) == (
        ACTOR.id,
        "Camille Martin",
        "198.51.100.4",
        "Chromium",
    )
    assert entry.changes["nickname"] == {"old": None, "new": "Ada"}
    assert entry.changes["name"] == {"old": REDACTED, "new": REDACTED}
    assert entry.changes["email"] == {"old": REDACTED, "new": REDACTED}
    assert entry.changes["id"] == {"old": None, "new": str(person.id)}


def test_personal_values_never_appear_in_entries(tables: Database) -> None:
    with _audited(tables) as session:
        person = Person(name=PERSONAL[0], email=PERSONAL[1], phone=PERSONAL[2])
        session.add(person)
        session.commit()
        person.email = "ada.new@example.com"
        session.commit()
        text = json.dumps([e.changes for e in _entries(session)])
    assert [value for value in (*PERSONAL, "ada.new@example.com") if value in text] == []


def test_an_update_records_the_changed_fields_only(tables: Database) -> None:
    with _audited(tables) as session:
        person = Person(name="Ada", nickname="Ada")
        session.add(person)
        session.commit()
        person.nickname = "Countess"
        session.commit()
        entries = _entries(session)
    assert [e.action for e in entries] == ["create", "update"]
    assert entries[1].changes == {"nickname": {"old": "Ada", "new": "Countess"}}


def test_a_deletion_is_recorded(tables: Database) -> None:
    with _audited(tables) as session:
        person = Person(nickname="Ada")
        session.add(person)
        session.commit()
        session.delete(person)
        session.commit()
        entries = _entries(session)
    assert [(e.action, e.object_id, e.changes) for e in entries[1:]] == [
        ("delete", str(person.id), {})
    ]


def test_a_rolled_back_write_records_nothing(tables: Database) -> None:
    with _audited(tables) as session:
        session.add(Person(nickname="Ada"))
        session.flush()
        session.rollback()
        session.add(Person(nickname="Grace"))
        session.commit()
        entries = _entries(session)
    assert [e.changes["nickname"]["new"] for e in entries] == ["Grace"]


def test_a_session_without_an_actor_records_nothing(tables: Database) -> None:
    with tables.session() as session:
        session.add(Person(nickname="Ada"))
        session.commit()
        assert _entries(session) == []


def test_recorded_writes_keep_the_chain_intact(tables: Database) -> None:
    with _audited(tables) as session:
        for n in range(3):
            session.add(Person(nickname=f"P{n}"))
            session.commit()
        report = verify_chain(session)
    assert (report.is_intact, report.checked) == (True, 3)
