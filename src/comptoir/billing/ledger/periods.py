"""Report periods: a span of days inside one fiscal year."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.billing.ledger.errors import LedgerError
from comptoir.billing.ledger.models import FiscalYear
from comptoir.kit.i18n import lazy_gettext as _l


@dataclass(frozen=True, slots=True)
class Period:
    """From ``start`` to ``end`` (both included), inside the fiscal year starting on
    ``year_start``."""

    start: date
    end: date
    year_start: date


def period(session: Session, start: date, end: date) -> Period:
    """The period, checked: ``start`` on or before ``end`` and both in one fiscal year.
    Raises :class:`LedgerError` (field "date_to")."""
    if end < start:
        raise LedgerError(_l("The end of the period comes before its start."), field="date_to")
    year = session.scalar(
        select(FiscalYear).where(FiscalYear.start_date <= start, FiscalYear.end_date >= start)
    )
    if year is None:
        return Period(start, end, start)
    if end > year.end_date:
        raise LedgerError(_l("A period lies within one fiscal year."), field="date_to")
    return Period(start, end, year.start_date)


def year_period(session: Session, year: int) -> Period:
    """The fiscal year that ends in calendar ``year`` (the calendar year when none does)."""
    found = session.scalar(
        select(FiscalYear).where(
            FiscalYear.end_date >= date(year, 1, 1), FiscalYear.end_date <= date(year, 12, 31)
        )
    )
    if found is None:
        return Period(date(year, 1, 1), date(year, 12, 31), date(year, 1, 1))
    return Period(found.start_date, found.end_date, found.start_date)
