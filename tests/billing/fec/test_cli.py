"""``comptoir billing export-fec`` and ``comptoir billing validate-fec`` against a migrated
SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from comptoir.cli import app as comptoir_command
from comptoir.kit.clock import FrozenClock
from comptoir.kit.db.engine import Database, create_database
from comptoir.kit.db.migrate import upgrade
from comptoir.kit.settings import Settings, get_settings
from tests.billing.fec.books import SIREN, make_seller, post_ahead_of_time, post_year

runner = CliRunner()


@pytest.fixture
def books_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FrozenClock
) -> Iterator[Database]:
    """A migrated SQLite file holding a year of books, which the command line uses."""
    url = f"sqlite:///{tmp_path / 'books.db'}"
    database = create_database(Settings(_env_file=None, database_url=url, data_dir=tmp_path))
    upgrade(database.engine)
    monkeypatch.setenv("COMPTOIR_DATABASE_URL", url)
    monkeypatch.setenv("COMPTOIR_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COMPTOIR_DEFAULT_LOCALE", "en")
    get_settings.cache_clear()
    try:
        yield database
    finally:
        get_settings.cache_clear()
        database.dispose()


def _post_books(database: Database) -> None:
    with database.transaction() as session:
        make_seller(session)
        post_year(session, 2025)


def test_export_fec_writes_checks_and_reports_the_file(
    books_file: Database, tmp_path: Path
) -> None:
    _post_books(books_file)
    output = tmp_path / "exports"

    result = runner.invoke(
        comptoir_command, ["billing", "export-fec", "--year", "2025", "--output", str(output)]
    )

    assert result.exit_code == 0, result.output
    path = output / f"{SIREN}FEC20251231.txt"
    assert path.is_file()
    assert str(path) in result.output.replace("\n", "")
    assert "lines: 21" in result.output
    assert "entries: 8" in result.output
    assert "debit: 12107.00" in result.output
    assert "credit: 12107.00" in result.output
    assert "The FEC file follows every rule checked." in result.output


def test_export_fec_fails_loudly_when_the_file_breaks_a_rule(
    books_file: Database, tmp_path: Path
) -> None:
    # given a sale posted on 23 November 2026 (the frozen clock) but dated 1 December
    with books_file.transaction() as session:
        make_seller(session)
        post_ahead_of_time(session, date(2026, 12, 1))

    result = runner.invoke(
        comptoir_command, ["billing", "export-fec", "--year", "2026", "--output", str(tmp_path)]
    )

    assert result.exit_code == 1
    assert "validation-date" in result.output
    assert "The FEC file breaks the rules in 2 places." in result.output


def test_export_fec_of_a_year_without_books_fails(books_file: Database, tmp_path: Path) -> None:
    _post_books(books_file)

    result = runner.invoke(
        comptoir_command, ["billing", "export-fec", "--year", "2019", "--output", str(tmp_path)]
    )

    assert result.exit_code == 1
    assert "No fiscal year of the ledger closes in 2019" in result.output
    assert not list(tmp_path.glob("*FEC*.txt"))


def test_validate_fec_passes_a_good_file_and_fails_a_broken_one(
    books_file: Database, tmp_path: Path
) -> None:
    # given the FEC the command line wrote, and a copy whose first sale lost 10,00 of credit
    _post_books(books_file)
    output = tmp_path / "exports"
    exported = runner.invoke(
        comptoir_command, ["billing", "export-fec", "--year", "2025", "--output", str(output)]
    )
    assert exported.exit_code == 0, exported.output
    good = output / f"{SIREN}FEC20251231.txt"
    broken = tmp_path / "broken" / good.name
    broken.parent.mkdir()
    broken.write_text(
        good.read_text(encoding="utf-8").replace("\t0,00\t100,00\t", "\t0,00\t90,00\t", 1),
        encoding="utf-8",
    )

    # when each is checked
    passed = runner.invoke(comptoir_command, ["billing", "validate-fec", str(good)])
    failed = runner.invoke(
        comptoir_command, ["billing", "validate-fec", str(broken), "--siren", SIREN]
    )

    # then the good one passes and the broken one names its problems
    assert passed.exit_code == 0, passed.output
    assert "encoding: UTF-8" in passed.output
    assert "separator: tab" in passed.output
    assert failed.exit_code == 1
    assert "unbalanced-entry" in failed.output
    assert "unbalanced-file" in failed.output
    assert "The FEC file breaks the rules in 2 places." in failed.output
