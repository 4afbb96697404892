"""The French VAT classes and rates every install gets from migration catalog_0002."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from comptoir.catalog import service
from comptoir.catalog.models import TaxClass, TaxRate
from comptoir.kit.db.migrate import downgrade, upgrade
from tests.catalog.factories import make_product, make_tax_rate
from tests.support.database import create_test_database, drop_test_database, migrated_engine

FRENCH_RATES_TODAY = {
    "fr-standard": Decimal("20"),
    "fr-intermediate": Decimal("10"),
    "fr-reduced": Decimal("5.5"),
    "fr-super-reduced": Decimal("2.1"),
}


@pytest.fixture
def fresh_engine(tmp_path: Path) -> Iterator[Engine]:
    """A database of its own, migrated from scratch (the shared test database has its rows
    emptied by the tests that commit)."""
    url = create_test_database(tmp_path, suffix="_vat")
    engine = migrated_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
        drop_test_database(url)


def _snapshot(engine: Engine) -> list[tuple[object, ...]]:
    with Session(engine) as session:
        rows = session.execute(
            select(TaxClass.id, TaxClass.code, TaxRate.id, TaxRate.rate, TaxRate.valid_from)
            .join(TaxRate, TaxRate.tax_class_id == TaxClass.id)
            .order_by(TaxClass.code, TaxRate.valid_from)
        )
        return [tuple(row) for row in rows]


def test_a_fresh_install_has_the_french_classes_with_their_dated_rates(
    fresh_engine: Engine,
) -> None:
    # given a database just migrated
    with Session(fresh_engine) as session:
        # when the classes are read
        classes = {tax_class.code: tax_class for tax_class in service.list_tax_classes(session)}
        today = {
            code: service.tax_rate_for(session, classes[code].id, "FR", date(2026, 12, 1))
            for code in FRENCH_RATES_TODAY
        }
        standard_2013 = service.tax_rate_for(
            session, classes["fr-standard"].id, "FR", date(2013, 6, 1)
        )

    # then the four French classes are there, with today's rates and the ones before 2014
    assert sorted(classes) == sorted(FRENCH_RATES_TODAY)
    assert classes["fr-standard"].name == "Taux normal"
    assert today == FRENCH_RATES_TODAY
    assert standard_2013 == Decimal("19.6")


def test_running_the_migration_again_changes_nothing(fresh_engine: Engine) -> None:
    # given the French classes, one of them used by a product
    before = _snapshot(fresh_engine)
    with Session(fresh_engine) as session:
        standard = service.tax_class_by_code(session, "fr-standard")
        assert standard is not None
        make_product(session, tax_class_id=standard.id)
        session.commit()

    # when the migration is undone and run again
    downgrade(fresh_engine, "catalog_0001")
    kept = _snapshot(fresh_engine)
    upgrade(fresh_engine)

    # then the used class stayed as it was, and the same rows, no more, are back
    assert {row[1] for row in kept} == {"fr-standard"}
    assert _snapshot(fresh_engine) == before


def test_undoing_it_keeps_a_class_that_has_rates_of_its_own(fresh_engine: Engine) -> None:
    # given a rate added to the reduced class for Belgium
    with Session(fresh_engine) as session:
        reduced = session.scalar(select(TaxClass).where(TaxClass.code == "fr-reduced"))
        assert reduced is not None
        make_tax_rate(session, tax_class=reduced, country="BE", rate=Decimal("6"))
        session.commit()

    # when the migration is undone
    downgrade(fresh_engine, "catalog_0001")

    # then only that class is left, with its French rate and the Belgian one
    assert sorted((row[1], row[3]) for row in _snapshot(fresh_engine)) == [
        ("fr-reduced", Decimal("5.5")),
        ("fr-reduced", Decimal("6")),
    ]
