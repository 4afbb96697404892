"""KEK rotation re-wraps every data key in batches; everything stays readable throughout."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.kit.crypto import destroy_subject_key, key_status, rewrap_batch
from comptoir.kit.crypto.keyring import (
    LocalKeyring,
    add_key_version,
    init_key_file,
    read_key_file,
    retire_key_version,
    use_keyring,
)
from comptoir.kit.crypto.models import CryptoDataKey
from comptoir.kit.crypto.service import unwrapped_keys
from comptoir.kit.db.engine import Database
from tests.kit.crypto.models import Person


@pytest.fixture
def file_keyring(tmp_path: Path) -> Iterator[LocalKeyring]:
    path = tmp_path / "kek.json"
    init_key_file(path)
    keyring = LocalKeyring(read_key_file(path), path=path)
    with use_keyring(keyring):
        yield keyring


def _people(session: Session, count: int) -> list[uuid.UUID]:
    people = [Person(name=f"Person {n}", email=f"p{n}@example.com") for n in range(count)]
    session.add_all(people)
    session.flush()
    return [p.id for p in people]


def _names(db: Database) -> list[str]:
    unwrapped_keys.clear()  # prove the keys unwrap from the database, not from memory
    with db.session() as fresh:
        return sorted(str(p.name) for p in fresh.scalars(select(Person)).all())


def test_rotation_rewraps_every_key_and_keeps_values_readable(
    file_keyring: LocalKeyring, people: Session, tables: Database
) -> None:
    # given three people whose keys are wrapped under version 1
    _people(people, 3)
    people.commit()
    assert key_status(people).by_kek_version == {1: 3}
    # when a version is added and every key re-wrapped, then version 1 retired
    assert file_keyring.path is not None
    add_key_version(file_keyring.path)
    while rewrap_batch(people, file_keyring, limit=100):
        people.commit()
    retire_key_version(file_keyring.path, 1)
    # then all keys are under version 2 and every value reads without version 1
    assert key_status(people).by_kek_version == {2: 3}
    assert file_keyring.versions == (2,)
    assert _names(tables) == ["Person 0", "Person 1", "Person 2"]


def test_values_stay_readable_half_way_through_a_rotation(
    file_keyring: LocalKeyring, people: Session, tables: Database
) -> None:
    _people(people, 3)
    people.commit()
    assert file_keyring.path is not None
    add_key_version(file_keyring.path)
    assert rewrap_batch(people, file_keyring, limit=2) == 2
    people.commit()
    assert key_status(people).by_kek_version == {1: 1, 2: 2}
    assert _names(tables) == ["Person 0", "Person 1", "Person 2"]


def test_rotation_works_in_batches_of_the_given_size(
    file_keyring: LocalKeyring, people: Session
) -> None:
    _people(people, 3)
    assert file_keyring.path is not None
    add_key_version(file_keyring.path)
    counts = [rewrap_batch(people, file_keyring, limit=2) for _ in range(3)]
    assert counts == [2, 1, 0]


def test_new_keys_are_wrapped_under_the_new_version_at_once(
    file_keyring: LocalKeyring, people: Session
) -> None:
    assert file_keyring.path is not None
    add_key_version(file_keyring.path)
    _people(people, 1)
    assert key_status(people).by_kek_version == {2: 1}


def test_rotation_leaves_destroyed_keys_destroyed(
    file_keyring: LocalKeyring, people: Session
) -> None:
    ada, _grace = _people(people, 2)
    destroy_subject_key(people, "test_person", ada)
    assert file_keyring.path is not None
    add_key_version(file_keyring.path)
    assert rewrap_batch(people, file_keyring, limit=100) == 1
    wrapped = people.execute(
        select(CryptoDataKey.wrapped_key).where(CryptoDataKey.subject_id == ada)
    ).scalar_one()
    assert wrapped is None
    assert key_status(people).destroyed == 1
