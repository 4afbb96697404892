"""Encrypted columns: services see plain strings, the database only ciphertext."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from comptoir.kit.crypto import (
    Ciphertext,
    CiphertextError,
    CleartextRefused,
    SubjectKeyDestroyed,
    blind_index,
    destroy_subject_key,
    is_erased,
)
from comptoir.kit.crypto.models import CryptoDataKey
from comptoir.kit.db.engine import Database
from tests.kit.crypto.models import Address, Person


def _add_person(session: Session, **values: str | None) -> Person:
    person = Person(
        name=values.get("name", "Ada Lovelace"),
        email=values.get("email", "ada@example.com"),
        phone=values.get("phone", "+33 6 12 34 56 78"),
        nickname=values.get("nickname"),
    )
    session.add(person)
    session.flush()
    return person


def _reload(db: Database, person_id: uuid.UUID) -> Person:
    with db.session() as fresh:
        person = fresh.get(Person, person_id)
        assert person is not None
        fresh.expunge(person)
        return person


def test_a_written_value_reads_back_in_another_session(people: Session, tables: Database) -> None:
    person = _add_person(people)
    people.commit()
    loaded = _reload(tables, person.id)
    assert (loaded.name, loaded.email, loaded.phone) == (
        "Ada Lovelace",
        "ada@example.com",
        "+33 6 12 34 56 78",
    )


def test_the_column_holds_ciphertext_bound_to_the_first_key_version(people: Session) -> None:
    person = _add_person(people)
    stored = people.execute(select(Person.name).where(Person.id == person.id)).scalar_one()
    assert isinstance(stored, Ciphertext)
    assert b"Ada" not in stored
    assert stored[:5] == b"\x01\x00\x00\x00\x01"


def test_the_writing_session_keeps_the_plain_value(people: Session) -> None:
    person = _add_person(people)
    assert person.email == "ada@example.com"
    assert isinstance(person.email, str)


def test_a_subject_gets_one_data_key_for_all_its_fields_and_rows(people: Session) -> None:
    person = _add_person(people)
    people.add(Address(person_id=person.id, street="12 rue des Lilas"))
    people.flush()
    count = people.execute(
        select(func.count()).where(CryptoDataKey.subject_id == person.id)
    ).scalar_one()
    assert count == 1


def test_a_plain_value_never_reaches_an_encrypted_column(people: Session) -> None:
    person = _add_person(people)
    with pytest.raises(StatementError) as refused:
        people.execute(update(Person).where(Person.id == person.id).values(name="Grace"))
    assert isinstance(refused.value.orig, CleartextRefused)


def test_an_update_is_encrypted_and_reindexed(people: Session, tables: Database) -> None:
    person = _add_person(people)
    person.email = "grace@example.com"
    people.commit()
    assert _reload(tables, person.id).email == "grace@example.com"
    found = people.scalars(
        select(Person.id).where(
            Person.email_index == blind_index(Person.email_index, "Grace@Example.com")
        )
    ).all()
    assert found == [person.id]


def test_an_email_is_found_by_its_blind_index_whatever_its_case(people: Session) -> None:
    person = _add_person(people)
    _add_person(people, email="someone@example.com")
    found = people.scalars(
        select(Person.id).where(
            Person.email_index == blind_index(Person.email_index, " ADA@example.COM")
        )
    ).all()
    assert found == [person.id]


def test_a_phone_is_found_however_it_is_written(people: Session) -> None:
    person = _add_person(people, phone="06 12 34 56 78")
    found = people.scalars(
        select(Person.id).where(
            Person.phone_index == blind_index(Person.phone_index, "+33612345678")
        )
    ).all()
    assert found == [person.id]


def test_setting_none_clears_the_value_and_its_index(people: Session, tables: Database) -> None:
    person = _add_person(people)
    person.email = None
    people.commit()
    loaded = _reload(tables, person.id)
    assert (loaded.email, loaded.email_index) == (None, None)
    assert not is_erased(loaded, "email")


def test_a_ciphertext_copied_to_another_row_does_not_read(
    people: Session, tables: Database
) -> None:
    ada = _add_person(people, name="Ada")
    grace = _add_person(people, name="Grace")
    stolen = people.execute(select(Person.name).where(Person.id == ada.id)).scalar_one()
    assert isinstance(stolen, Ciphertext)
    people.execute(
        update(Person).where(Person.id == grace.id).values(name=stolen),
        execution_options={"synchronize_session": False},
    )
    people.commit()
    with pytest.raises(CiphertextError, match="does not authenticate"):
        _reload(tables, grace.id)


def test_a_ciphertext_copied_to_another_column_does_not_read(
    people: Session, tables: Database
) -> None:
    ada = _add_person(people, name="Ada")
    stolen = people.execute(select(Person.name).where(Person.id == ada.id)).scalar_one()
    assert isinstance(stolen, Ciphertext)
    people.execute(
        update(Person).where(Person.id == ada.id).values(phone=stolen),
        execution_options={"synchronize_session": False},
    )
    people.commit()
    with pytest.raises(CiphertextError, match=r"sample_people\.phone"):
        _reload(tables, ada.id)


def test_shredding_makes_every_field_of_the_subject_read_none(
    people: Session, tables: Database
) -> None:
    # given a person with an address, and another person
    ada = _add_person(people)
    address = Address(person_id=ada.id, street="12 rue des Lilas")
    people.add(address)
    grace = _add_person(people, name="Grace", email="grace@example.com")
    people.commit()
    # when ada's key is destroyed
    assert destroy_subject_key(people, "test_person", ada.id) is True
    people.commit()
    # then her fields read None, marked erased, and grace's are intact
    with tables.session() as fresh:
        rows = {p.id: p for p in fresh.scalars(select(Person)).all()}
        street = fresh.get(Address, address.id)
        assert street is not None
        assert (rows[ada.id].name, rows[ada.id].email, rows[ada.id].phone) == (None, None, None)
        assert is_erased(rows[ada.id], "email")
        assert street.street is None
        assert (rows[grace.id].name, rows[grace.id].email) == ("Grace", "grace@example.com")
        assert not is_erased(rows[grace.id], "email")


def test_the_destroyed_key_row_keeps_no_key_material(people: Session) -> None:
    ada = _add_person(people)
    destroy_subject_key(people, "test_person", ada.id)
    row = people.execute(
        select(CryptoDataKey.wrapped_key, CryptoDataKey.kek_version).where(
            CryptoDataKey.subject_id == ada.id
        )
    ).one()
    assert tuple(row) == (None, None)


def test_nothing_can_be_written_again_for_a_shredded_subject(people: Session) -> None:
    ada = _add_person(people)
    people.commit()
    destroy_subject_key(people, "test_person", ada.id)
    people.commit()
    ada.name = "Ada again"
    with pytest.raises(SubjectKeyDestroyed):
        people.flush()


def test_shredding_a_subject_without_data_still_blocks_later_writes(people: Session) -> None:
    someone = uuid.uuid4()
    assert destroy_subject_key(people, "test_person", someone) is False
    people.add(Address(person_id=someone, street="1 rue Neuve"))
    with pytest.raises(SubjectKeyDestroyed):
        people.flush()


def test_an_address_follows_a_change_of_its_subject(people: Session, tables: Database) -> None:
    ada = _add_person(people)
    grace = _add_person(people, name="Grace")
    address = Address(person_id=ada.id, street="12 rue des Lilas")
    people.add(address)
    people.commit()
    address.person_id = grace.id
    people.commit()
    destroy_subject_key(people, "test_person", ada.id)
    people.commit()
    with tables.session() as fresh:
        loaded = fresh.get(Address, address.id)
        assert loaded is not None
        assert loaded.street == "12 rue des Lilas"


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(max_size=200))
def test_any_text_round_trips_through_the_database(
    name: str, people: Session, tables: Database
) -> None:
    person = _add_person(people, name=name)
    people.commit()
    assert _reload(tables, person.id).name == name
