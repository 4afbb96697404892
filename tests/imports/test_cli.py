"""``comptoir import online-retail`` against a committed database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from comptoir.cli import app
from comptoir.kit.db.engine import Database
from comptoir.kit.settings import get_settings
from comptoir.orders.models import Order
from tests.imports.test_online_retail import DATA, expected_figures, needs_data

LIMIT = 3_000


@pytest.fixture
def cli_env(
    database_url: str, committed_db: Database, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Database]:
    monkeypatch.setenv("COMPTOIR_DATABASE_URL", database_url)
    monkeypatch.setenv("COMPTOIR_DEFAULT_LOCALE", "en")
    monkeypatch.setenv("COLUMNS", "250")
    get_settings.cache_clear()
    yield committed_db
    get_settings.cache_clear()


def _orders(database: Database) -> int:
    with database.transaction(readonly=True) as session:
        return session.scalar(select(func.count()).select_from(Order)) or 0


@needs_data
@pytest.mark.committed
def test_the_command_imports_reports_and_a_second_run_adds_nothing(
    cli_env: Database, tmp_path: Path
) -> None:
    # given
    expected = expected_figures(LIMIT)
    orders, returns = expected["orders"], expected["returns"]
    customers, revenue = expected["customers"], expected["revenue_minor"]
    refused = tmp_path / "refused.csv"
    command = ["import", "online-retail", str(DATA), "--limit", str(LIMIT)]

    # when
    dry = CliRunner().invoke(app, [*command, "--dry-run"])
    after_dry = _orders(cli_env)
    first = CliRunner().invoke(app, [*command, "--rejections", str(refused)])
    after_first = _orders(cli_env)
    second = CliRunner().invoke(app, command)

    # then
    assert dry.exit_code == 0, dry.output
    assert "Dry run: nothing was changed." in dry.output
    assert after_dry == 0
    assert first.exit_code == 0, first.output
    assert f"orders: {orders} (added {orders})" in first.output
    assert f"returns: {returns} (added {returns})" in first.output
    assert f"customers: {customers} (added {customers})" in first.output
    assert f"revenue: {revenue // 100}.{revenue % 100:02d} GBP" in first.output
    assert "cancellation_without_sale" in first.output
    assert "duplicate_line" in first.output
    assert after_first == orders
    assert second.exit_code == 0, second.output
    assert f"orders: {orders} (added 0)" in second.output
    assert f"customers: {customers} (added 0)" in second.output
    assert _orders(cli_env) == after_first
    lines = refused.read_text(encoding="utf-8").splitlines()
    refused_lines = len(lines) - 1
    assert f"lines: {LIMIT} (imported {LIMIT - refused_lines}, refused {refused_lines})" in (
        first.output
    )
    assert lines[1].startswith("142,C536379,D,discount_without_sale,")
