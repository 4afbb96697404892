"""``comptoir audit verify``: exit 0 on an intact chain, 1 naming the first broken entry."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, update
from typer.testing import CliRunner

from comptoir.cli import app
from comptoir.kit.db.engine import Database
from comptoir.kit.settings import get_settings
from comptoir.privacy.models import PrivacyAuditEntry
from comptoir.privacy.schemas import AuditActor
from comptoir.privacy.service import record

runner = CliRunner()


@pytest.fixture
def environment(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    monkeypatch.setenv("COMPTOIR_DATABASE_URL", database_url)
    monkeypatch.setenv("COMPTOIR_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _record(database: Database, count: int) -> None:
    with database.transaction() as session:
        for n in range(count):
            record(
                session,
                actor=AuditActor.system(),
                action="update",
                object_type="things",
                object_id=str(uuid.UUID(int=n)),
            )


@pytest.mark.committed
@pytest.mark.usefixtures("environment")
def test_verify_passes_on_an_intact_chain(committed_db: Database) -> None:
    _record(committed_db, 3)
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "Audit trail intact: 3 entries." in result.output


@pytest.mark.committed
@pytest.mark.usefixtures("environment")
def test_verify_fails_naming_the_altered_entry(committed_db: Database) -> None:
    _record(committed_db, 3)
    with committed_db.transaction() as session:
        session.execute(
            update(PrivacyAuditEntry).where(PrivacyAuditEntry.seq == 2).values(action="read")
        )
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1
    assert "Audit trail broken at entry 2" in result.output


@pytest.mark.committed
@pytest.mark.usefixtures("environment")
def test_verify_fails_naming_the_deleted_entry(committed_db: Database) -> None:
    _record(committed_db, 3)
    with committed_db.transaction() as session:
        session.execute(delete(PrivacyAuditEntry).where(PrivacyAuditEntry.seq == 2))
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1
    assert "Audit trail broken at entry 2: entry 2 is missing" in result.output
