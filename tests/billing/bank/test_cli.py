"""``comptoir billing import-statement FILE --account IBAN`` against a migrated SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from comptoir.billing.bank.models import BankLine
from comptoir.cli import app as comptoir_command
from comptoir.kit.db.engine import Database, create_database
from comptoir.kit.db.migrate import upgrade
from comptoir.kit.settings import Settings, get_settings
from tests.billing.bank.factories import IBAN, make_account

FIXTURES = Path(__file__).parent / "fixtures"
runner = CliRunner()


@pytest.fixture
def books_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    url = f"sqlite:///{tmp_path / 'books.db'}"
    database = create_database(Settings(_env_file=None, database_url=url, data_dir=tmp_path))
    upgrade(database.engine)
    monkeypatch.setenv("COMPTOIR_DATABASE_URL", url)
    monkeypatch.setenv("COMPTOIR_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COMPTOIR_DEFAULT_LOCALE", "en")
    get_settings.cache_clear()
    try:
        with database.transaction() as session:
            make_account(session)
        yield database
    finally:
        get_settings.cache_clear()
        database.dispose()


def _lines(database: Database) -> int:
    with database.transaction(readonly=True) as session:
        return session.scalar(select(func.count()).select_from(BankLine)) or 0


def test_a_statement_is_imported_once_from_the_command_line(books_file: Database) -> None:
    path = str(FIXTURES / "camt053_001_02.xml")
    account = "fr76 3000 4000 0312 3456 7890 143"

    first = runner.invoke(
        comptoir_command, ["billing", "import-statement", path, "--account", account]
    )
    second = runner.invoke(
        comptoir_command, ["billing", "import-statement", path, "--account", account]
    )

    assert first.exit_code == 0, first.output
    assert "5 lines imported." in first.output
    assert "1 reconciled automatically" in first.output
    assert second.exit_code == 0
    assert "already imported" in second.output
    assert _lines(books_file) == 5


def test_a_refused_file_lists_its_problems_and_fails(books_file: Database, tmp_path: Path) -> None:
    bad = tmp_path / "releve.csv"
    bad.write_bytes((FIXTURES / "releve_fr.csv").read_bytes().replace(b"240,00", b"deux"))

    result = runner.invoke(
        comptoir_command, ["billing", "import-statement", str(bad), "--account", IBAN]
    )

    assert result.exit_code == 1
    assert "line 4 / Crédit" in result.output
    assert _lines(books_file) == 0
