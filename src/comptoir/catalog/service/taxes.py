"""Tax classes and their rates per country over time."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from comptoir.catalog.errors import DuplicateValue, TaxClassNotFound, TaxRateNotFound
from comptoir.catalog.models import TaxClass, TaxRate
from comptoir.catalog.schemas import TaxClassCreate, TaxClassOut, TaxRateCreate, TaxRateOut
from comptoir.kit.errors import InvalidInput
from comptoir.kit.i18n import lazy_gettext as _l


def create_tax_class(session: Session, data: TaxClassCreate) -> TaxClassOut:
    """Add a tax class. Raises :class:`DuplicateValue` (``code``)."""
    if session.scalar(select(TaxClass.id).where(TaxClass.code == data.code)):
        raise DuplicateValue(_l("{value} is already used."), field="code", value=data.code)
    tax_class = TaxClass(code=data.code, name=data.name)
    session.add(tax_class)
    session.flush()
    return TaxClassOut.model_validate(tax_class)


def list_tax_classes(session: Session) -> list[TaxClassOut]:
    """Every tax class, by code."""
    rows = session.scalars(select(TaxClass).order_by(TaxClass.code))
    return [TaxClassOut.model_validate(row) for row in rows]


def tax_class_by_code(session: Session, code: str) -> TaxClassOut | None:
    """The tax class with this code, or None."""
    row = session.scalar(select(TaxClass).where(TaxClass.code == code))
    return TaxClassOut.model_validate(row) if row else None


def add_tax_rate(session: Session, tax_class_id: uuid.UUID, data: TaxRateCreate) -> TaxRateOut:
    """Add a rate to a tax class for a country from ``valid_from`` to ``valid_to`` (excluded).

    Guarantees: the periods of one class in one country never overlap. Raises
    :class:`TaxClassNotFound`, :class:`InvalidInput` (``valid_to``) for an empty period or
    (``valid_from``) for a period overlapping another.
    """
    if session.get(TaxClass, tax_class_id) is None:
        raise TaxClassNotFound()
    if data.valid_to is not None and data.valid_to <= data.valid_from:
        raise InvalidInput(_l("The end date must come after the start date."), field="valid_to")
    overlap = select(TaxRate.id).where(
        TaxRate.tax_class_id == tax_class_id,
        TaxRate.country == data.country,
        or_(TaxRate.valid_to.is_(None), TaxRate.valid_to > data.valid_from),
    )
    if data.valid_to is not None:
        overlap = overlap.where(TaxRate.valid_from < data.valid_to)
    if session.scalar(overlap.limit(1)):
        raise InvalidInput(
            _l("Another rate of this tax class already applies in this period."),
            field="valid_from",
        )
    rate = TaxRate(tax_class_id=tax_class_id, **data.model_dump())
    session.add(rate)
    session.flush()
    return TaxRateOut.model_validate(rate)


def list_tax_rates(session: Session, tax_class_id: uuid.UUID) -> list[TaxRateOut]:
    """The rates of a tax class, by country then start date."""
    rows = session.scalars(
        select(TaxRate)
        .where(TaxRate.tax_class_id == tax_class_id)
        .order_by(TaxRate.country, TaxRate.valid_from)
    )
    return [TaxRateOut.model_validate(row) for row in rows]


def tax_rate_for(session: Session, tax_class_id: uuid.UUID, country: str, on_date: date) -> Decimal:
    """The percent rate of ``tax_class_id`` in ``country`` on ``on_date`` (20 means 20 %).

    Raises :class:`TaxRateNotFound` when no rate covers that day.
    """
    rate = session.scalar(
        select(TaxRate.rate)
        .where(
            TaxRate.tax_class_id == tax_class_id,
            TaxRate.country == country.upper(),
            TaxRate.valid_from <= on_date,
            or_(TaxRate.valid_to.is_(None), TaxRate.valid_to > on_date),
        )
        .order_by(TaxRate.valid_from.desc())
        .limit(1)
    )
    if rate is None:
        raise TaxRateNotFound(field="tax_class_id")
    return plain_decimal(Decimal(rate))


def plain_decimal(number: Decimal) -> Decimal:
    """``number`` without trailing zeros nor exponent (``20.0000`` -> ``20``, ``5.50`` ->
    ``5.5``)."""
    reduced = number.normalize()
    if reduced == reduced.to_integral_value():
        return reduced.quantize(Decimal(1))
    return reduced
