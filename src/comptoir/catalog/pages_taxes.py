"""The back office's tax screens: tax classes, and each class's rates per country with their
validity dates."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path
from typing import Any, Final

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from comptoir.backoffice.nav import SECTION_CATALOG, NavItem, register
from comptoir.backoffice.shell import (
    Crumb,
    redirect_with_flash,
    register_flash,
    register_pages,
    render,
    request_locale,
)
from comptoir.catalog import schemas, service
from comptoir.catalog.pages_support import (
    READ,
    WRITE,
    FormRefused,
    crumbs,
    domain_errors,
    form_values,
    message,
    pydantic_errors,
    read_decimal,
)
from comptoir.kit import clock
from comptoir.kit.errors import DomainError
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.i18n import lazy_gettext as _l

TAXES_PATH: Final = "/admin/catalog/taxes"

router = APIRouter()
register_pages(router, templates=Path(__file__).parent / "templates")
register(
    NavItem(
        section=SECTION_CATALOG,
        label=_l("Tax classes"),
        path=TAXES_PATH,
        order=26,
        scope="catalog:read",
    )
)
register_flash("tax-class-created", _l("The tax class was added."))
register_flash("tax-rate-added", _l("The rate was added."))


def _in_force(rate: schemas.TaxRateOut, today: date) -> bool:
    return rate.valid_from <= today and (rate.valid_to is None or today < rate.valid_to)


def _classes_page(
    request: Request,
    session: Session,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    today = clock.now().date()
    classes = [
        (
            tax_class,
            [r for r in service.list_tax_rates(session, tax_class.id) if _in_force(r, today)],
        )
        for tax_class in service.list_tax_classes(session)
    ]
    return render(
        request,
        "catalog/taxes.html",
        status_code=status_code,
        title=_l("Tax classes"),
        breadcrumb=crumbs(Crumb(_l("Tax classes"))),
        classes=classes,
        values=values or {},
        errors=errors or {},
    )


@router.get("/catalog/taxes", response_class=HTMLResponse, dependencies=READ)
def taxes_page(request: Request, session: DbSession) -> HTMLResponse:
    """Every tax class with the rates in force today, and a form to add a class."""
    return _classes_page(request, session)


@router.post("/catalog/taxes", response_class=HTMLResponse, dependencies=WRITE)
async def create_tax_class(request: Request, session: DbSession) -> Response:
    values = form_values(await request.form())
    locale = request_locale(request)
    try:
        data = schemas.TaxClassCreate.model_validate(
            {"code": values.get("code", ""), "name": values.get("name", "")}
        )
        tax_class = service.create_tax_class(session, data)
    except ValidationError as exc:
        return _classes_page(request, session, values, pydantic_errors(exc, locale), 422)
    except DomainError as exc:
        return _classes_page(request, session, values, domain_errors(exc, locale, "code"), 422)
    return redirect_with_flash(request, f"{TAXES_PATH}/{tax_class.id}", "tax-class-created")


def _class_or_404(session: Session, tax_class_id: uuid.UUID) -> schemas.TaxClassOut:
    for tax_class in service.list_tax_classes(session):
        if tax_class.id == tax_class_id:
            return tax_class
    raise HTTPException(status_code=404)


def _class_page(
    request: Request,
    session: Session,
    tax_class: schemas.TaxClassOut,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    today = clock.now().date()
    rates = service.list_tax_rates(session, tax_class.id)
    return render(
        request,
        "catalog/tax_class.html",
        status_code=status_code,
        title=tax_class.name,
        breadcrumb=crumbs(Crumb(_l("Tax classes"), TAXES_PATH), Crumb(tax_class.name)),
        tax_class=tax_class,
        rates=[(rate, _in_force(rate, today)) for rate in rates],
        values=values or {"country": "FR"},
        errors=errors or {},
    )


@router.get("/catalog/taxes/{tax_class_id}", response_class=HTMLResponse, dependencies=READ)
def tax_class_page(request: Request, session: DbSession, tax_class_id: uuid.UUID) -> HTMLResponse:
    """A tax class's rates per country and period, and a form to add one."""
    return _class_page(request, session, _class_or_404(session, tax_class_id))


def _rate_from(request: Request, values: dict[str, str]) -> schemas.TaxRateCreate:
    locale = request_locale(request)
    errors: dict[str, str] = {}
    dates: dict[str, date | None] = {}
    for name in ("valid_from", "valid_to"):
        text = values.get(name, "").strip()
        try:
            dates[name] = date.fromisoformat(text) if text else None
        except ValueError:
            errors[name] = message(request, _l("Enter a date, such as 2027-01-01."))
    try:
        rate = read_decimal(values.get("rate", ""), "rate", locale)
    except FormRefused as refused:
        errors.update(refused.errors)
        rate = None
    if "valid_from" not in errors and dates.get("valid_from") is None:
        errors["valid_from"] = message(request, _l("Enter the first day of the rate."))
    if errors:
        raise FormRefused(errors)
    payload: dict[str, Any] = {
        "country": values.get("country", "").strip().upper(),
        "rate": rate,
        **dates,
    }
    try:
        return schemas.TaxRateCreate.model_validate(payload)
    except ValidationError as exc:
        raise FormRefused(pydantic_errors(exc, locale)) from None


@router.post("/catalog/taxes/{tax_class_id}/rates", response_class=HTMLResponse, dependencies=WRITE)
async def add_tax_rate(request: Request, session: DbSession, tax_class_id: uuid.UUID) -> Response:
    """Add a rate; a period overlapping another of the same country is refused."""
    tax_class = _class_or_404(session, tax_class_id)
    values = form_values(await request.form())
    try:
        service.add_tax_rate(session, tax_class.id, _rate_from(request, values))
    except FormRefused as refused:
        return _class_page(request, session, tax_class, values, refused.errors, 422)
    except DomainError as exc:
        errors = domain_errors(exc, request_locale(request), "rate")
        return _class_page(request, session, tax_class, values, errors, 422)
    return redirect_with_flash(request, f"{TAXES_PATH}/{tax_class.id}", "tax-rate-added")
