"""Tax rates per class, country and date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from comptoir.catalog import service
from comptoir.catalog.errors import TaxRateNotFound
from comptoir.catalog.schemas import TaxRateCreate
from comptoir.kit.errors import InvalidInput
from tests.catalog.factories import make_tax_class, make_tax_rate


def test_the_rate_in_force_on_a_date_is_found(session: Session) -> None:
    standard = make_tax_class(session)
    make_tax_rate(
        session,
        tax_class=standard,
        rate=Decimal("19.6"),
        valid_from=date(2000, 4, 1),
        valid_to=date(2014, 1, 1),
    )
    make_tax_rate(session, tax_class=standard, rate=Decimal("20"), valid_from=date(2014, 1, 1))

    assert service.tax_rate_for(session, standard.id, "FR", date(2013, 12, 31)) == Decimal("19.6")
    assert service.tax_rate_for(session, standard.id, "fr", date(2014, 1, 1)) == Decimal("20")


def test_no_rate_for_another_country_is_an_error(session: Session) -> None:
    reduced = make_tax_class(session)
    make_tax_rate(session, tax_class=reduced, rate=Decimal("5.5"))

    with pytest.raises(TaxRateNotFound):
        service.tax_rate_for(session, reduced.id, "DE", date(2026, 1, 1))


def test_an_overlapping_period_is_refused(session: Session) -> None:
    standard = make_tax_class(session)
    make_tax_rate(session, tax_class=standard, rate=Decimal("20"), valid_from=date(2014, 1, 1))

    with pytest.raises(InvalidInput) as caught:
        service.add_tax_rate(
            session,
            standard.id,
            TaxRateCreate(country="FR", rate=Decimal("21"), valid_from=date(2027, 1, 1)),
        )

    assert caught.value.field == "valid_from"
    assert [r.rate for r in service.list_tax_rates(session, standard.id)] == [Decimal("20")]
