"""Acceptance: the personal data of staff users and shoppers never reaches the database in clear.
The SQLite file's bytes (write-ahead log checkpointed) and, on PostgreSQL, a ``pg_dump`` of the
test database hold none of the names, addresses or TOTP secrets seeded; once a person's data
key is destroyed their fields read as erased, end to end."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import uuid
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from comptoir.identity import mfa, service
from comptoir.identity import security_log as log
from comptoir.identity.models import STAFF_SUBJECT, StaffUser
from comptoir.identity.scopes import OWNER
from comptoir.identity.shoppers import service as shoppers
from comptoir.identity.shoppers.models import SHOPPER_SUBJECT, Shopper
from comptoir.kit.crypto import destroy_subject_key, is_erased
from comptoir.kit.db.engine import Database
from tests.identity.conftest import PASSWORD

pytestmark = pytest.mark.committed

STAFF = (
    ("Hortense.Quintal@example.com", "Hortense Quintal"),
    ("Barnabe.Sauvageot@example.com", "Barnabé Sauvageot"),
)
SHOPPER_EMAIL = "Leontine.Vasseur@example.com"


def _seed(database: Database) -> list[str]:
    """Staff users (one with two-step verification, a security event each) and a shopper;
    returns every personal value seeded."""
    values: list[str] = []
    with database.transaction() as session:
        service.ensure_builtin_roles(session)
        for email, name in STAFF:
            user = service.create_user(
                session, email=email, display_name=name, password=PASSWORD, role_keys=[OWNER]
            )
            secret, _codes = mfa.enrol_without_confirmation(session, user)
            log.log_event(session, log.SIGN_IN, user_id=user.id)
            values += [email, email.lower(), name, secret]
        shoppers.sign_up(session, SHOPPER_EMAIL, PASSWORD)
        values += [SHOPPER_EMAIL, SHOPPER_EMAIL.lower()]
    return values


def _sqlite_bytes(database: Database, database_url: str) -> bytes:
    path = Path(make_url(database_url).database or "")
    database.engine.dispose()  # the pool's idle connections no longer hold the log
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = path.read_bytes()
    wal = path.with_name(path.name + "-wal")
    return data + (wal.read_bytes() if wal.exists() else b"")


def _pg_dump_bytes(database_url: str) -> bytes:
    binary = shutil.which("pg_dump") or next(
        (str(p) for p in sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_dump"))), None
    )
    if binary is None:
        pytest.skip("pg_dump is not installed")
    url = make_url(database_url)
    environment = {**os.environ, "PGPASSWORD": url.password or ""}
    command = [
        binary,
        "--host",
        url.host or "127.0.0.1",
        "--port",
        str(url.port or 5432),
        "--username",
        url.username or "postgres",
        "--data-only",
        url.database or "",
    ]
    return subprocess.run(command, check=True, capture_output=True, env=environment).stdout


def _assert_absent(dump: bytes, values: list[str]) -> None:
    for value in values:
        for form in {value, value.lower(), value.upper()}:
            assert form.encode() not in dump, f"{value!r} is stored in clear"


def test_the_sqlite_file_holds_no_personal_data_in_clear(
    committed_db: Database, database_url: str
) -> None:
    if committed_db.engine.dialect.name != "sqlite":
        pytest.skip("the SQLite file exists on SQLite only")
    values = _seed(committed_db)

    dump = _sqlite_bytes(committed_db, database_url)

    assert b"identity_staff_users" in dump  # the right file
    _assert_absent(dump, values)


@pytest.mark.postgresql_only
def test_a_pg_dump_holds_no_personal_data_in_clear(
    committed_db: Database, database_url: str
) -> None:
    values = _seed(committed_db)

    dump = _pg_dump_bytes(database_url)

    assert b"identity_staff_users" in dump  # the right database
    _assert_absent(dump, values)


def test_destroying_a_data_key_erases_a_staff_user_and_a_shopper(committed_db: Database) -> None:
    # given seeded staff and a shopper
    _seed(committed_db)
    with committed_db.transaction() as session:
        staff = service.find_user_by_email(session, STAFF[0][0])
        shopper = shoppers.find_shopper_by_email(session, SHOPPER_EMAIL)
        assert staff is not None
        assert shopper is not None
        staff_id, shopper_id = staff.id, shopper.id

        # when their data keys are destroyed
        destroy_subject_key(session, STAFF_SUBJECT, staff_id)
        destroy_subject_key(session, SHOPPER_SUBJECT, shopper_id)

    # then, read again by a new session, their fields are erased and they cannot be found
    with committed_db.transaction(readonly=True) as session:
        erased_staff = session.get(StaffUser, staff_id)
        erased_shopper = session.get(Shopper, shopper_id)
        assert erased_staff is not None
        assert erased_shopper is not None
        erased_values: list[object] = [
            erased_staff.email,
            erased_staff.display_name,
            erased_staff.totp_secret,
        ]
        assert erased_values == [None, None, None]
        assert is_erased(erased_staff, "email")
        assert is_erased(erased_staff, "display_name")
        assert erased_shopper.email is None
        assert is_erased(erased_shopper, "email")
        # the other staff member is untouched
        other = service.find_user_by_email(session, STAFF[1][0])
        assert other is not None
        assert other.display_name == STAFF[1][1]
        assert isinstance(other.id, uuid.UUID)
