"""The back office's promotion screens: the list (status scheduled, active, ended or off),
the form that creates or edits one (percentage, fixed amount, buy X get Y, free shipping;
schedule; channels, categories, products) and a promotion's page with its coupons."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
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
    is_htmx,
    redirect_with_flash,
    register_flash,
    register_pages,
    render,
    request_locale,
)
from comptoir.catalog import schemas, service
from comptoir.catalog.errors import PromotionNotFound
from comptoir.catalog.models import Promotion
from comptoir.catalog.pages_support import (
    READ,
    WRITE,
    FormRefused,
    crumbs,
    domain_errors,
    form_values,
    message,
    moment_input,
    money_formatter,
    pydantic_errors,
    read_decimal,
    read_ids,
    read_int,
    read_moment,
    read_money,
)
from comptoir.channels import service as channels
from comptoir.kit import clock
from comptoir.kit.errors import DomainError
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.i18n import LazyString
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.money import Money

PROMOTIONS_PATH: Final = "/admin/catalog/promotions"
KIND_LABELS: Final[dict[str, LazyString]] = {
    "percentage": _l("Percentage off"),
    "fixed_amount": _l("Fixed amount off each unit"),
    "buy_x_get_y": _l("Buy X, get Y"),
    "free_shipping": _l("Free shipping"),
}
STATUS_LABELS: Final[dict[str, LazyString]] = {
    "scheduled": _l("Scheduled"),
    "active": _l("Running"),
    "ended": _l("Ended"),
    "off": _l("Switched off"),
}
STATUS_BADGES: Final = {
    "scheduled": "badge--running",
    "active": "badge--succeeded",
    "ended": "",
    "off": "badge--failed",
}
RENAME: Final = {"amount_minor": "amount", "product_ids": "products"}

router = APIRouter()
register_pages(router, templates=Path(__file__).parent / "templates")
register(
    NavItem(
        section=SECTION_CATALOG,
        label=_l("Promotions"),
        path=PROMOTIONS_PATH,
        order=20,
        scope="catalog:read",
    )
)
register_flash("promotion-created", _l("The promotion was created."))
register_flash("promotion-updated", _l("The promotion was saved."))
register_flash("promotion-ended", _l("The promotion was ended."))
register_flash("coupon-created", _l("The coupon was added."))


def _promotion_or_404(session: Session, promotion_id: uuid.UUID) -> Promotion:
    try:
        return service.get_promotion(session, promotion_id)
    except PromotionNotFound:
        raise HTTPException(status_code=404) from None


@router.get("/catalog/promotions", response_class=HTMLResponse, dependencies=READ)
def promotions_page(
    request: Request, session: DbSession, status: str | None = None
) -> HTMLResponse:
    """Every promotion, newest first, with status chips; htmx gets the table only."""
    now = clock.now()
    rows = [(p, service.promotion_status(p, now)) for p in service.list_promotions(session)]
    counts = {key: sum(1 for _, s in rows if s == key) for key in STATUS_LABELS}
    chosen = status if status in STATUS_LABELS else None
    shown = [(p, s, service.coupons_of(session, p.id)) for p, s in rows if chosen in (None, s)]
    return render(
        request,
        "catalog/_promotions.html" if is_htmx(request) else "catalog/promotions.html",
        title=_l("Promotions"),
        breadcrumb=crumbs(Crumb(_l("Promotions"))),
        primary_action=PrimaryAction(_l("Create a promotion"), f"{PROMOTIONS_PATH}/new"),
        rows=shown,
        counts=counts,
        total=len(rows),
        chosen=chosen,
        status_labels=STATUS_LABELS,
        status_badges=STATUS_BADGES,
        kind_labels=KIND_LABELS,
        money=money_formatter(request),
    )


def _choices(session: Session) -> dict[str, Any]:
    currencies = sorted({pl.currency for pl in service.list_price_lists(session)} | {"EUR"})
    return {
        "kinds": list(KIND_LABELS.items()),
        "channel_options": [(c.id, c.name) for c in channels.list_channels(session)],
        "category_options": [(c.id, c.name) for c in service.list_categories(session)],
        "currency_options": [(c, c) for c in currencies],
    }


def _form_page(
    request: Request,
    session: Session,
    values: dict[str, Any],
    errors: dict[str, str],
    *,
    promotion: Promotion | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    if promotion is None:
        title: str | LazyString = _l("Create a promotion")
        template = "catalog/promotion_new.html"
        extra: dict[str, Any] = {}
    else:
        title = promotion.name
        template = "catalog/promotion.html"
        extra = {
            "promotion": promotion,
            "status": service.promotion_status(promotion),
            "locked": service.has_started(promotion),
            "coupons": service.coupons_of(session, promotion.id),
            "coupon_values": values.get("coupon", {}),
            "coupon_errors": values.get("coupon_errors", {}),
        }
    return render(
        request,
        template,
        status_code=status_code,
        title=title,
        breadcrumb=crumbs(Crumb(_l("Promotions"), PROMOTIONS_PATH), Crumb(title)),
        values=values,
        errors=errors,
        status_labels=STATUS_LABELS,
        status_badges=STATUS_BADGES,
        kind_labels=KIND_LABELS,
        money=money_formatter(request),
        **_choices(session),
        **extra,
    )


@router.get("/catalog/promotions/new", response_class=HTMLResponse, dependencies=WRITE)
def new_promotion_page(request: Request, session: DbSession) -> HTMLResponse:
    values = {"kind": "percentage", "currency": "EUR", "channel_ids": [], "category_ids": []}
    return _form_page(request, session, values, {})


async def _submitted(request: Request) -> dict[str, Any]:
    form = await request.form()
    values: dict[str, Any] = form_values(form)
    values["channel_ids"] = [str(v) for v in form.getlist("channel_ids")]
    values["category_ids"] = [str(v) for v in form.getlist("category_ids")]
    return values


def _product_ids(session: Session, text: str, request: Request) -> list[uuid.UUID]:
    """Products named by handle or by one of their SKUs, separated by commas or lines."""
    found: list[uuid.UUID] = []
    unknown: list[str] = []
    for name in (part.strip() for part in text.replace("\n", ",").split(",")):
        if not name:
            continue
        product = service.product_by_handle(session, name)
        variant = None if product else service.find_variant_by_sku(session, name)
        if product is not None:
            found.append(product.id)
        elif variant is not None:
            found.append(variant.product_id)
        else:
            unknown.append(name)
    if unknown:
        raise FormRefused(
            {
                "products": message(
                    request,
                    _l("No product has the handle or SKU {names}."),
                    names=", ".join(unknown),
                )
            }
        )
    return list(dict.fromkeys(found))


def _spec(session: Session, request: Request, values: dict[str, Any]) -> service.PromotionSpec:
    """The promotion the form describes. Raises :class:`FormRefused`."""
    locale = request_locale(request)
    kind = values.get("kind", "")
    errors: dict[str, str] = {}
    parsed: dict[str, Any] = {}
    readers: dict[str, Callable[[], object]] = {
        "percent": lambda: (
            read_decimal(values.get("percent", ""), "percent", locale)
            if kind in ("percentage", "buy_x_get_y")
            else None
        ),
        "amount": lambda: (
            read_money(values.get("amount", ""), values.get("currency", "EUR"), "amount", locale)
            if kind == "fixed_amount"
            else None
        ),
        "buy_quantity": lambda: (
            read_int(values.get("buy_quantity", ""), "buy_quantity", locale, minimum=1)
            if kind == "buy_x_get_y"
            else None
        ),
        "get_quantity": lambda: (
            read_int(values.get("get_quantity", ""), "get_quantity", locale, minimum=1)
            if kind == "buy_x_get_y"
            else None
        ),
        "starts_at": lambda: read_moment(request, values.get("starts_at", ""), "starts_at"),
        "ends_at": lambda: read_moment(request, values.get("ends_at", ""), "ends_at"),
        "channel_ids": lambda: read_ids(values.get("channel_ids", []), "channel_ids", locale),
        "category_ids": lambda: read_ids(values.get("category_ids", []), "category_ids", locale),
        "product_ids": lambda: _product_ids(session, values.get("products", ""), request),
    }
    for name, read in readers.items():
        try:
            parsed[name] = read()
        except FormRefused as refused:
            errors.update(refused.errors)
    try:
        amount = parsed.pop("amount", None)
        data = schemas.PromotionCreate.model_validate(
            {
                "name": values.get("name", ""),
                "kind": kind,
                "requires_coupon": values.get("requires_coupon") == "1",
                "amount_minor": amount.minor_units if amount else None,
                "currency": amount.currency if amount else None,
                **parsed,
            }
        )
    except ValidationError as exc:
        errors = {**pydantic_errors(exc, locale, RENAME), **errors}
    if errors:
        raise FormRefused(errors)
    return service.PromotionSpec.from_schema(data)


@router.post("/catalog/promotions/new", response_class=HTMLResponse, dependencies=WRITE)
async def create_promotion(request: Request, session: DbSession) -> Response:
    """Create the promotion; on a refusal, the form again with every value kept."""
    values = await _submitted(request)
    try:
        promotion = service.create_promotion(session, _spec(session, request, values))
    except FormRefused as refused:
        return _form_page(request, session, values, refused.errors, status_code=422)
    except DomainError as exc:
        errors = domain_errors(exc, request_locale(request), "name", RENAME)
        return _form_page(request, session, values, errors, status_code=422)
    return redirect_with_flash(request, f"{PROMOTIONS_PATH}/{promotion.id}", "promotion-created")


def _values_of(request: Request, session: Session, promotion: Promotion) -> dict[str, Any]:
    handles = []
    for product_id in promotion.product_ids:
        try:
            handles.append(service.get_product(session, uuid.UUID(product_id)).handle)
        except DomainError:
            continue
    amount = (
        str(Money.from_minor(promotion.amount_minor, promotion.currency).amount)
        if promotion.amount_minor is not None and promotion.currency
        else ""
    )
    return {
        "name": promotion.name,
        "kind": promotion.kind,
        "percent": f"{promotion.percent.normalize():f}" if promotion.percent is not None else "",
        "amount": amount,
        "currency": promotion.currency or "EUR",
        "buy_quantity": str(promotion.buy_quantity or ""),
        "get_quantity": str(promotion.get_quantity or ""),
        "starts_at": moment_input(request, promotion.starts_at),
        "ends_at": moment_input(request, promotion.ends_at),
        "requires_coupon": "1" if promotion.requires_coupon else "",
        "channel_ids": list(promotion.channel_ids),
        "category_ids": list(promotion.category_ids),
        "products": ", ".join(handles),
    }


@router.get("/catalog/promotions/{promotion_id}", response_class=HTMLResponse, dependencies=READ)
def promotion_page(request: Request, session: DbSession, promotion_id: uuid.UUID) -> HTMLResponse:
    promotion = _promotion_or_404(session, promotion_id)
    return _form_page(
        request, session, _values_of(request, session, promotion), {}, promotion=promotion
    )


@router.post("/catalog/promotions/{promotion_id}", response_class=HTMLResponse, dependencies=WRITE)
async def update_promotion(
    request: Request, session: DbSession, promotion_id: uuid.UUID
) -> Response:
    """Save the form; a promotion that has started takes only its new name and end."""
    promotion = _promotion_or_404(session, promotion_id)
    submitted = await _submitted(request)
    locked = service.has_started(promotion)
    values = {**_values_of(request, session, promotion), **submitted} if locked else submitted
    try:
        if locked:
            spec = replace(
                service.spec_of(promotion),
                name=submitted.get("name", "").strip(),
                ends_at=read_moment(request, submitted.get("ends_at", ""), "ends_at"),
            )
            if not spec.name:
                raise FormRefused({"name": message(request, _l("Give the promotion a name."))})
        else:
            spec = _spec(session, request, values)
        with session.begin_nested():
            service.update_promotion(session, promotion.id, spec)
    except FormRefused as refused:
        return _form_page(
            request, session, values, refused.errors, promotion=promotion, status_code=422
        )
    except DomainError as exc:
        errors = domain_errors(exc, request_locale(request), "name", RENAME)
        return _form_page(request, session, values, errors, promotion=promotion, status_code=422)
    return redirect_with_flash(request, f"{PROMOTIONS_PATH}/{promotion.id}", "promotion-updated")


@router.post("/catalog/promotions/{promotion_id}/end", dependencies=WRITE)
def end_promotion(request: Request, session: DbSession, promotion_id: uuid.UUID) -> Response:
    """End the promotion now (a scheduled one never starts)."""
    promotion = _promotion_or_404(session, promotion_id)
    service.end_promotion(session, promotion.id)
    return redirect_with_flash(request, f"{PROMOTIONS_PATH}/{promotion.id}", "promotion-ended")


@router.post(
    "/catalog/promotions/{promotion_id}/coupons", response_class=HTMLResponse, dependencies=WRITE
)
async def add_coupon(request: Request, session: DbSession, promotion_id: uuid.UUID) -> Response:
    """Add a coupon code with its usage limits."""
    promotion = _promotion_or_404(session, promotion_id)
    coupon = form_values(await request.form())
    locale = request_locale(request)
    try:
        data = schemas.CouponCreate.model_validate(
            {
                "code": coupon.get("code", ""),
                "usage_limit": read_int(
                    coupon.get("usage_limit", ""), "usage_limit", locale, minimum=1
                ),
                "per_customer_limit": read_int(
                    coupon.get("per_customer_limit", ""), "per_customer_limit", locale, minimum=1
                ),
            }
        )
        service.create_coupon(
            session,
            promotion.id,
            data.code,
            usage_limit=data.usage_limit,
            per_customer_limit=data.per_customer_limit,
        )
    except FormRefused as refused:
        errors = refused.errors
    except ValidationError as exc:
        errors = pydantic_errors(exc, locale)
        if "code" in errors:
            errors["code"] = message(
                request, _l("Use 3 to 100 letters, digits, - or _, such as NOEL20.")
            )
    except DomainError as exc:
        errors = domain_errors(exc, locale, "code")
    else:
        return redirect_with_flash(request, f"{PROMOTIONS_PATH}/{promotion.id}", "coupon-created")
    values = _values_of(request, session, promotion)
    values["coupon"] = coupon
    values["coupon_errors"] = {f"coupon_{k}": v for k, v in errors.items()}
    return _form_page(request, session, values, {}, promotion=promotion, status_code=422)
