"""Acceptance: personal values written through encrypted columns are nowhere in clear in the
database file (SQLite) or in a dump of the database (PostgreSQL), audit trail included, nor
are the keys."""

from __future__ import annotations

import base64
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.engine import make_url

from comptoir.kit.crypto.keyring import LocalKeyring, current_keyring
from comptoir.kit.crypto.models import CryptoDataKey
from comptoir.kit.crypto.service import data_key_for_reading
from comptoir.kit.db.engine import Database
from comptoir.privacy.capture import audit_session
from comptoir.privacy.schemas import AuditActor
from tests.kit.crypto.models import Address, Person, create_test_tables, drop_test_tables

CANARY = "canary-nickname-in-clear"
PEOPLE = [
    ("Ada Lovelace", "ada.lovelace@example.com", "+33 6 12 34 56 78", "12 rue des Lilas"),
    ("Grace Hopper", "grace.hopper@example.org", "+1 415 555 0100", "7 avenue Foch"),
    ("Élodie Durand", "elodie.durand@example.fr", "06 98 76 54 32", "3 impasse du Moulin"),
]


@pytest.fixture
def encrypted_tables(committed_db: Database) -> Iterator[Database]:
    with committed_db.engine.begin() as connection:
        create_test_tables(connection)
    try:
        yield committed_db
    finally:
        with committed_db.engine.begin() as connection:
            drop_test_tables(connection)


def _database_bytes(engine: Engine) -> bytes:
    """Everything the database holds, as an attacker with the files or a backup sees it."""
    url = make_url(str(engine.url.render_as_string(hide_password=False)))
    if url.get_backend_name() == "sqlite":
        path = Path(str(url.database))
        wal = path.with_name(path.name + "-wal")
        return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    libpq_url = url.set(drivername="postgresql").render_as_string(hide_password=False)
    dump = subprocess.run(
        ["pg_dump", "--no-owner", "--dbname", libpq_url],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return dump.stdout


def _forms(value: str) -> list[bytes]:
    """A value as it could appear: raw text, hex (bytea dumps), base64."""
    raw = value.encode()
    return [raw, raw.hex().encode(), base64.b64encode(raw)]


@pytest.mark.committed
def test_no_personal_value_or_key_is_stored_in_clear(encrypted_tables: Database) -> None:
    # given people with addresses written through the ORM and committed
    keyring = current_keyring()
    assert isinstance(keyring, LocalKeyring)
    with encrypted_tables.transaction() as session:
        audit_session(session, AuditActor.system("at-rest test"))
        for name, email, phone, street in PEOPLE:
            person = Person(name=name, email=email, phone=phone, nickname=CANARY)
            session.add(person)
            session.add(Address(person_id=person.id, street=street))
    with encrypted_tables.transaction() as session:
        subjects = session.scalars(select(CryptoDataKey.subject_id)).all()
        data_keys = [data_key_for_reading(session, "test_person", s, 1) for s in subjects]
    # when the database is read as a file or a dump
    stored = _database_bytes(encrypted_tables.engine)
    # then the clear column is seen (the check can see), and nothing personal nor any key
    assert CANARY.encode() in stored
    assert b"at-rest test" in stored  # the audit trail recorded the writes
    assert len(data_keys) == len(PEOPLE)
    secrets_in_clear = [
        value for person in PEOPLE for value in person for form in _forms(value) if form in stored
    ]
    keys_in_clear = [
        key
        for key in [*data_keys, *keyring.material.keks.values(), keyring.blind_index_key]
        if key is not None and (key in stored or key.hex().encode() in stored)
    ]
    assert secrets_in_clear == []
    assert keys_in_clear == []
