"""``comptoir catalog import|export`` against a committed database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from comptoir.catalog import service as catalog
from comptoir.cli import app
from comptoir.kit.db.engine import Database
from comptoir.kit.settings import get_settings
from tests.catalog.factories import make_price_list
from tests.inventory.factories import make_location
from tests.spreadsheets.conftest import row_counts


@pytest.fixture
def cli_env(
    database_url: str, committed_db: Database, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Database]:
    monkeypatch.setenv("COMPTOIR_DATABASE_URL", database_url)
    monkeypatch.setenv("COMPTOIR_DEFAULT_LOCALE", "en")
    monkeypatch.setenv("COLUMNS", "250")
    get_settings.cache_clear()
    with committed_db.transaction() as session:
        make_location(session, code="MAIN")
        make_price_list(session, code="public", currency="EUR")
    yield committed_db
    get_settings.cache_clear()


@pytest.mark.committed
def test_dry_run_lists_refused_rows_exits_1_and_changes_nothing(
    cli_env: Database, tmp_path: Path
) -> None:
    # given
    file = tmp_path / "catalog.csv"
    file.write_bytes(b"sku;title;price;price_list\nA-1;Good;1;public\nB-1;Bad;x;public\n")
    with cli_env.transaction(readonly=True) as session:
        before = row_counts(session)

    # when
    result = CliRunner().invoke(app, ["catalog", "import", str(file), "--dry-run"])

    # then
    assert result.exit_code == 1, result.output
    assert "dry run, nothing changed" in result.output
    assert "Must be a decimal number." in result.output
    with cli_env.transaction(readonly=True) as session:
        assert row_counts(session) == before


@pytest.mark.committed
def test_export_then_import_round_trips(cli_env: Database, tmp_path: Path) -> None:
    # given
    source = tmp_path / "in.csv"
    source.write_text("sku,title,price,quantity\nA-1,Good,1.50,4\n", encoding="utf-8")
    first = CliRunner().invoke(
        app, ["catalog", "import", str(source), "--location", "MAIN", "--price-list", "public"]
    )
    assert first.exit_code == 0, first.output
    exported = tmp_path / "out.xlsx"

    # when
    export = CliRunner().invoke(
        app,
        ["catalog", "export", "--format", "xlsx", "--output", str(exported),
         "--location", "MAIN", "--price-list", "public"],
    )  # fmt: skip
    again = CliRunner().invoke(app, ["catalog", "import", str(exported)])

    # then
    assert export.exit_code == 0, export.output
    assert again.exit_code == 0, again.output
    assert "unchanged: 1" in again.output
    with cli_env.transaction(readonly=True) as session:
        assert catalog.find_variant_by_sku(session, "A-1") is not None
