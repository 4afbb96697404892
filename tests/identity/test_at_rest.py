"""Staff personal data at rest: the e-mail address, the name and the TOTP secret are stored as
ciphertexts (raw rows prove it), the migration that introduced this encrypts existing rows and
can be undone, and destroying a user's data key erases them for good."""

from __future__ import annotations

import uuid
from pathlib import Path

import pyotp
import sqlalchemy as sa
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import TableClause

import comptoir.kit.db.types as ct
from comptoir.identity import mfa, service
from comptoir.identity.models import STAFF_SUBJECT, StaffUser
from comptoir.kit import clock
from comptoir.kit.crypto import destroy_subject_key, is_erased
from comptoir.kit.db.engine import Database, create_engine_for
from comptoir.kit.db.migrate import downgrade, upgrade
from comptoir.kit.ids import uuid7
from tests.identity.conftest import add_user, enrol_totp
from tests.support.database import create_test_database, drop_test_database

RAW = text(
    "SELECT email, display_name, totp_secret, email_index FROM identity_staff_users WHERE id = :id"
)


def _raw(session: Session, user_id: uuid.UUID) -> tuple[bytes, bytes, bytes | None, bytes]:
    row = session.execute(RAW, {"id": _id_param(session, user_id)}).one()
    return bytes(row[0]), bytes(row[1]), None if row[2] is None else bytes(row[2]), bytes(row[3])


def _id_param(session: Session, user_id: uuid.UUID) -> object:
    return user_id if session.get_bind().dialect.name == "postgresql" else user_id.bytes


def test_email_name_and_totp_secret_are_stored_as_ciphertexts(session: Session) -> None:
    # given a user with two-step verification
    user = add_user(session, email="Noemie.Faure@example.com", display_name="Noémie Faure")
    secret = enrol_totp(session, user)

    # when the raw row is read, without the model
    email, name, totp, index = _raw(session, user.id)

    # then none of the values is there in clear, yet the model reads them back
    for value in ("Noemie.Faure@example.com", "noemie.faure", "Noémie Faure", secret):
        for stored in (email, name, totp or b""):
            assert value.encode() not in stored
            assert value.lower().encode() not in stored.lower()
    assert len(index) == 32
    session.expire_all()
    stored_user = session.get(StaffUser, user.id)
    assert stored_user is not None
    assert (stored_user.email, stored_user.display_name, stored_user.totp_secret) == (
        "Noemie.Faure@example.com",
        "Noémie Faure",
        secret,
    )


def test_the_address_is_found_in_any_case_through_its_blind_index(session: Session) -> None:
    user = add_user(session, email="Lea.Martin@Example.com")

    assert service.find_user_by_email(session, "  lea.martin@example.COM ") == user
    assert service.find_user_by_email(session, "lea.martin@example.org") is None


def test_a_destroyed_key_erases_the_user_for_good(session: Session) -> None:
    # given a user with two-step verification
    user = add_user(session, email="gone@example.com", display_name="Jules Vidal")
    enrol_totp(session, user)

    # when the user's data key is destroyed (crypto-shredding)
    destroy_subject_key(session, STAFF_SUBJECT, user.id)
    session.commit()
    session.expire_all()

    # then the address, the name and the secret read as erased, and cannot be found
    erased = session.get(StaffUser, user.id)
    assert erased is not None
    assert erased.email is None
    assert erased.display_name is None
    assert erased.totp_secret is None
    assert all(is_erased(erased, key) for key in ("email", "display_name", "totp_secret"))
    assert mfa.accept_totp(session, erased, pyotp.TOTP(pyotp.random_base32()).now()) is False


def _insert_plain_user(engine: Engine, user_id: uuid.UUID, secret: str) -> None:
    now = clock.now()
    users = _plain_table()
    with engine.begin() as connection:
        connection.execute(
            users.insert().values(
                id=user_id,
                email="Ines.Roux@example.com",
                email_key="ines.roux@example.com",
                display_name="Inès Roux",
                password_hash="not-a-hash",
                is_active=True,
                locale="fr",
                totp_secret=secret,
                failed_logins=0,
                created_at=now,
                updated_at=now,
            )
        )


def _plain_table() -> TableClause:
    return sa.table(
        "identity_staff_users",
        sa.column("id", ct.UUIDType(length=16)),
        sa.column("email", sa.String()),
        sa.column("email_key", sa.String()),
        sa.column("display_name", sa.String()),
        sa.column("password_hash", sa.String()),
        sa.column("is_active", sa.Boolean()),
        sa.column("locale", sa.String()),
        sa.column("totp_secret", sa.String()),
        sa.column("failed_logins", sa.Integer()),
        sa.column("created_at", ct.UTCDateTime(timezone=True)),
        sa.column("updated_at", ct.UTCDateTime(timezone=True)),
    )


def test_the_migration_encrypts_existing_users_and_can_be_undone(tmp_path: Path) -> None:
    # given a database at the first identity migration, with a user stored in clear
    url = create_test_database(tmp_path, suffix="_identity_0002")
    engine = create_engine_for(url)
    user_id, secret = uuid7(), pyotp.random_base32()
    try:
        upgrade(engine, "identity_0001")
        _insert_plain_user(engine, user_id, secret)

        # when the encryption migration runs
        upgrade(engine, "identity_0002")

        # then the raw row holds ciphertexts only, and the model reads the same values
        with Database(engine).transaction() as session:
            email, name, totp, _index = _raw(session, user_id)
            for stored in (email, name, totp or b""):
                for value in ("Ines.Roux", "ines.roux", "Roux", secret):
                    assert value.encode() not in stored
            user = service.find_user_by_email(session, "ines.roux@example.com")
            assert user is not None
            assert (user.id, user.email, user.display_name, user.totp_secret) == (
                user_id,
                "Ines.Roux@example.com",
                "Inès Roux",
                secret,
            )

        # and going back restores the clear columns
        downgrade(engine, "identity_0001")
        with engine.connect() as connection:
            plain = _plain_table()
            row = connection.execute(
                select(plain.c.email, plain.c.email_key, plain.c.display_name, plain.c.totp_secret)
            ).one()
        assert tuple(row) == ("Ines.Roux@example.com", "ines.roux@example.com", "Inès Roux", secret)
    finally:
        engine.dispose()
        drop_test_database(url)
