"""``comptoir keys``: init, status, rotate and retire from the command line."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from comptoir.cli import app
from comptoir.kit.crypto.keyring import (
    add_key_version,
    load_keyring,
    read_key_file,
    use_keyring,
)
from comptoir.kit.db.engine import Database
from comptoir.kit.settings import Settings, get_settings
from tests.kit.crypto.models import Person, create_test_tables, drop_test_tables

runner = CliRunner()


@pytest.fixture
def environment(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    monkeypatch.setenv("COMPTOIR_DATABASE_URL", database_url)
    monkeypatch.setenv("COMPTOIR_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COMPTOIR_ENVIRONMENT", "production")
    monkeypatch.delenv("COMPTOIR_KEK", raising=False)
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def test_init_creates_the_keyring_file(environment: Settings, tmp_path: Path) -> None:
    result = runner.invoke(app, ["keys", "init"])
    path = tmp_path / "keys" / "kek.json"
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_init_refuses_to_replace_a_keyring(environment: Settings, tmp_path: Path) -> None:
    assert runner.invoke(app, ["keys", "init"]).exit_code == 0
    before = (tmp_path / "keys" / "kek.json").read_bytes()
    result = runner.invoke(app, ["keys", "init"])
    assert result.exit_code == 1
    assert (tmp_path / "keys" / "kek.json").read_bytes() == before


@pytest.mark.committed
def test_rotate_rewraps_everything_and_status_shows_it(
    environment: Settings, committed_db: Database, tmp_path: Path
) -> None:
    # given a keyring file and people encrypted under its version 1
    assert runner.invoke(app, ["keys", "init"]).exit_code == 0
    with committed_db.engine.begin() as connection:
        create_test_tables(connection)
    try:
        with use_keyring(load_keyring(environment)):
            with committed_db.transaction() as session:
                session.add_all([Person(name="Ada"), Person(name="Grace")])
            # when the keys are rotated
            result = runner.invoke(app, ["keys", "rotate", "--batch-size", "1"])
            status = runner.invoke(app, ["keys", "status"])
            retire = runner.invoke(app, ["keys", "retire", "1"])
            # then every key is under version 2 and both names still read
            with committed_db.transaction(readonly=True) as session:
                names = sorted(str(p.name) for p in session.scalars(select(Person)).all())
    finally:
        with committed_db.engine.begin() as connection:
            drop_test_tables(connection)
    assert result.exit_code == 0, result.output
    assert "Re-wrapped 2 data keys under version 2." in result.output
    assert "v1: 0 data keys" in status.output
    assert "v2: 2 data keys" in status.output
    assert retire.exit_code == 0, retire.output
    assert set(read_key_file(tmp_path / "keys" / "kek.json").keks) == {2}
    assert names == ["Ada", "Grace"]


@pytest.mark.committed
def test_a_version_still_in_use_cannot_be_retired(
    environment: Settings, committed_db: Database, tmp_path: Path
) -> None:
    assert runner.invoke(app, ["keys", "init"]).exit_code == 0
    with committed_db.engine.begin() as connection:
        create_test_tables(connection)
    try:
        with use_keyring(load_keyring(environment)), committed_db.transaction() as session:
            session.add(Person(name="Ada"))
        path = tmp_path / "keys" / "kek.json"
        add_key_version(path)  # version 2 is active, Ada's key is still under version 1
        result = runner.invoke(app, ["keys", "retire", "1"])
    finally:
        with committed_db.engine.begin() as connection:
            drop_test_tables(connection)
    assert result.exit_code == 1
    assert set(read_key_file(path).keks) == {1, 2}
