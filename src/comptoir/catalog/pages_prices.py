"""The back office's price-list screens: every list (channel, currency, customer group,
taxes, priority, validity), a new list, and a list's prices with their quantity tiers."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from comptoir.backoffice.nav import SECTION_CATALOG, NavItem, register
from comptoir.backoffice.shell import (
    Crumb,
    PrimaryAction,
    redirect_with_flash,
    register_flash,
    register_pages,
    render,
    request_locale,
)
from comptoir.catalog import schemas, service
from comptoir.catalog.errors import PriceListNotFound
from comptoir.catalog.models import PriceList
from comptoir.catalog.pages_support import (
    READ,
    WRITE,
    FormRefused,
    crumbs,
    domain_errors,
    form_values,
    message,
    money_formatter,
    pydantic_errors,
    read_int,
    read_moment,
    read_money,
)
from comptoir.channels import service as channels
from comptoir.kit.errors import DomainError
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.i18n import lazy_gettext as _l

PRICE_LISTS_PATH: Final = "/admin/catalog/price-lists"

router = APIRouter()
register_pages(router, templates=Path(__file__).parent / "templates")
register(
    NavItem(
        section=SECTION_CATALOG,
        label=_l("Price lists"),
        path=PRICE_LISTS_PATH,
        order=24,
        scope="catalog:read",
    )
)
register_flash("price-list-created", _l("The price list was added."))
register_flash("price-removed", _l("The price was removed."))


def _channel_names(session: Session) -> dict[uuid.UUID, str]:
    return {c.id: c.name for c in channels.list_channels(session)}


@router.get("/catalog/price-lists", response_class=HTMLResponse, dependencies=READ)
def price_lists_page(request: Request, session: DbSession) -> HTMLResponse:
    """Every price list, with the number of prices it holds."""
    lists = service.list_price_lists(session)
    return render(
        request,
        "catalog/price_lists.html",
        title=_l("Price lists"),
        breadcrumb=crumbs(Crumb(_l("Price lists"))),
        primary_action=PrimaryAction(_l("Add a price list"), f"{PRICE_LISTS_PATH}/new"),
        price_lists=[(pl, len(service.prices_in_list(session, pl.id))) for pl in lists],
        channel_names=_channel_names(session),
    )


def _new_page(
    request: Request,
    session: Session,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "catalog/price_list_new.html",
        status_code=status_code,
        title=_l("Add a price list"),
        breadcrumb=crumbs(
            Crumb(_l("Price lists"), PRICE_LISTS_PATH), Crumb(_l("Add a price list"))
        ),
        values=values,
        errors=errors,
        channel_options=[(c.id, c.name) for c in channels.list_channels(session)],
    )


@router.get("/catalog/price-lists/new", response_class=HTMLResponse, dependencies=WRITE)
def new_price_list_page(request: Request, session: DbSession) -> HTMLResponse:
    values = {"currency": "EUR", "prices_include_tax": "1", "is_active": "1", "priority": "0"}
    return _new_page(request, session, values, {})


def _price_list_from(request: Request, values: dict[str, str]) -> schemas.PriceListCreate:
    locale = request_locale(request)
    errors: dict[str, str] = {}
    parsed: dict[str, Any] = {}
    for name in ("valid_from", "valid_to"):
        try:
            parsed[name] = read_moment(request, values.get(name, ""), name)
        except FormRefused as refused:
            errors.update(refused.errors)
    try:
        parsed["priority"] = read_int(values.get("priority", ""), "priority", locale) or 0
    except FormRefused as refused:
        errors.update(refused.errors)
    try:
        data = schemas.PriceListCreate.model_validate(
            {
                "code": values.get("code", ""),
                "name": values.get("name", ""),
                "currency": values.get("currency", "").strip().upper(),
                "channel_id": values.get("channel_id") or None,
                "customer_group": values.get("customer_group", "").strip() or None,
                "prices_include_tax": values.get("prices_include_tax") == "1",
                "is_active": values.get("is_active") == "1",
                **parsed,
            }
        )
    except ValidationError as exc:
        errors = {**pydantic_errors(exc, locale), **errors}
    if errors:
        raise FormRefused(errors)
    return data


@router.post("/catalog/price-lists/new", response_class=HTMLResponse, dependencies=WRITE)
async def create_price_list(request: Request, session: DbSession) -> Response:
    values = form_values(await request.form())
    try:
        price_list = service.create_price_list(session, _price_list_from(request, values))
    except FormRefused as refused:
        return _new_page(request, session, values, refused.errors, 422)
    except DomainError as exc:
        errors = domain_errors(exc, request_locale(request), "code")
        return _new_page(request, session, values, errors, 422)
    return redirect_with_flash(request, f"{PRICE_LISTS_PATH}/{price_list.id}", "price-list-created")


def _list_or_404(session: Session, price_list_id: uuid.UUID) -> PriceList:
    try:
        return service.get_price_list(session, price_list_id)
    except PriceListNotFound:
        raise HTTPException(status_code=404) from None


def _list_page(
    request: Request,
    session: Session,
    price_list: PriceList,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    prices = service.prices_in_list(session, price_list.id)
    variants = {}
    for variant_id in {p.variant_id for p in prices}:
        variants[variant_id] = service.get_variant(session, variant_id)
    return render(
        request,
        "catalog/price_list.html",
        status_code=status_code,
        title=price_list.name,
        breadcrumb=crumbs(Crumb(_l("Price lists"), PRICE_LISTS_PATH), Crumb(price_list.name)),
        price_list=price_list,
        prices=sorted(prices, key=lambda p: (variants[p.variant_id].sku, p.min_quantity)),
        variants=variants,
        channel_names=_channel_names(session),
        money=money_formatter(request),
        values=values or {"min_quantity": "1"},
        errors=errors or {},
    )


@router.get("/catalog/price-lists/{price_list_id}", response_class=HTMLResponse, dependencies=READ)
def price_list_page(request: Request, session: DbSession, price_list_id: uuid.UUID) -> HTMLResponse:
    """A price list's prices per variant and quantity tier, and a form to set one."""
    return _list_page(request, session, _list_or_404(session, price_list_id))


def price_set_from(
    request: Request, values: dict[str, str], currency: str, variant_id: uuid.UUID
) -> schemas.PriceSet:
    """The price a form sets: ``amount``, ``min_quantity``, ``compare_at`` (optional).
    Raises :class:`FormRefused`."""
    locale = request_locale(request)
    errors: dict[str, str] = {}
    readers: dict[str, Callable[[], object]] = {
        "amount": lambda: read_money(values.get("amount", ""), currency, "amount", locale),
        "compare_at": lambda: read_money(
            values.get("compare_at", ""), currency, "compare_at", locale
        ),
        "min_quantity": lambda: read_int(
            values.get("min_quantity", ""), "min_quantity", locale, minimum=1
        ),
    }
    parsed: dict[str, Any] = {}
    for name, read in readers.items():
        try:
            parsed[name] = read()
        except FormRefused as refused:
            errors.update(refused.errors)
    if "amount" not in errors and parsed.get("amount") is None:
        errors["amount"] = message(request, _l("Enter the unit price, such as 24.90."))
    if errors:
        raise FormRefused(errors)
    compare_at = parsed["compare_at"]
    return schemas.PriceSet(
        variant_id=variant_id,
        amount_minor=parsed["amount"].minor_units,
        min_quantity=parsed["min_quantity"] or 1,
        compare_at_minor=compare_at.minor_units if compare_at else None,
    )


@router.post(
    "/catalog/price-lists/{price_list_id}/prices",
    response_class=HTMLResponse,
    dependencies=WRITE,
)
async def set_list_price(
    request: Request, session: DbSession, price_list_id: uuid.UUID
) -> Response:
    """Set the price of the variant with the SKU typed, from a quantity up."""
    price_list = _list_or_404(session, price_list_id)
    values = form_values(await request.form())
    variant = service.find_variant_by_sku(session, values.get("sku", ""))
    try:
        if variant is None:
            raise FormRefused({"sku": message(request, _l("No variant has this SKU."))})
        service.set_price(
            session,
            price_list.id,
            price_set_from(request, values, price_list.currency, variant.id),
        )
    except FormRefused as refused:
        return _list_page(request, session, price_list, values, refused.errors, 422)
    except DomainError as exc:
        errors = domain_errors(exc, request_locale(request), "amount")
        return _list_page(request, session, price_list, values, errors, 422)
    return redirect_with_flash(request, f"{PRICE_LISTS_PATH}/{price_list.id}", "price-set")


@router.post(
    "/catalog/price-lists/{price_list_id}/prices/{variant_id}/{min_quantity}/remove",
    dependencies=WRITE,
)
def remove_list_price(
    request: Request,
    session: DbSession,
    price_list_id: uuid.UUID,
    variant_id: uuid.UUID,
    min_quantity: int,
    back: str = "",
) -> Response:
    """Remove one price tier (the history records the removal)."""
    price_list = _list_or_404(session, price_list_id)
    try:
        service.remove_price(session, price_list.id, variant_id, min_quantity)
    except DomainError:
        raise HTTPException(status_code=404) from None
    target = back if back.startswith("/admin/catalog/") else f"{PRICE_LISTS_PATH}/{price_list.id}"
    return redirect_with_flash(request, target, "price-removed")
