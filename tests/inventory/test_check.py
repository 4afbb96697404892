"""The ledger check: ``check_levels`` and ``comptoir inventory check``."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from comptoir.cli import app
from comptoir.inventory import service
from comptoir.inventory.models import StockLevel
from comptoir.kit.db.engine import Database
from comptoir.kit.settings import get_settings
from tests.catalog.factories import make_variant
from tests.inventory.factories import make_location, ref, stock


def _tamper(session: Session, variant_id: uuid.UUID, location_id: uuid.UUID) -> None:
    """Change a level behind the ledger's back (what the check exists to catch)."""
    session.execute(
        update(StockLevel)
        .where(StockLevel.variant_id == variant_id, StockLevel.location_id == location_id)
        .values(on_hand=StockLevel.on_hand + 1)
    )


def test_consistent_levels_report_no_difference(
    session: Session, variant_id: uuid.UUID, location_id: uuid.UUID
) -> None:
    stock(session, variant_id=variant_id, location_id=location_id, quantity=3)
    service.reserve(
        session, variant_id=variant_id, location_id=location_id, quantity=1, reference=ref()
    )
    assert service.check_levels(session) == []


def test_a_level_changed_outside_the_ledger_is_reported(
    session: Session, variant_id: uuid.UUID, location_id: uuid.UUID
) -> None:
    # given 3 received, then the level bumped to 4 by hand
    stock(session, variant_id=variant_id, location_id=location_id, quantity=3)
    _tamper(session, variant_id, location_id)
    # when / then
    [difference] = service.check_levels(session)
    assert (difference.variant_id, difference.location_id) == (variant_id, location_id)
    assert (difference.on_hand, difference.ledger_on_hand) == (4, 3)
    assert (difference.reserved, difference.ledger_reserved) == (0, 0)


@pytest.fixture
def cli_env(
    database_url: str, committed_db: Database, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Database]:
    monkeypatch.setenv("COMPTOIR_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield committed_db
    get_settings.cache_clear()


@pytest.mark.committed
def test_the_command_exits_0_when_every_level_matches(cli_env: Database) -> None:
    with cli_env.transaction() as session:
        stock(
            session,
            variant_id=make_variant(session).id,
            location_id=make_location(session).id,
            quantity=2,
        )
    result = CliRunner().invoke(app, ["inventory", "check"])
    assert result.exit_code == 0, result.output
    assert "matches its ledger" in result.output


@pytest.mark.committed
def test_the_command_lists_differences_and_exits_1(
    cli_env: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    with cli_env.transaction() as session:
        variant_id, location_id = make_variant(session).id, make_location(session).id
        stock(session, variant_id=variant_id, location_id=location_id, quantity=2)
        _tamper(session, variant_id, location_id)
    monkeypatch.setenv("COLUMNS", "250")
    result = CliRunner().invoke(app, ["inventory", "check"])
    assert result.exit_code == 1
    assert "1 stock level(s) differ from their ledger" in result.output
    assert str(variant_id) in result.output
