"""Back-office screens of one supplier: its details (an edit form) and its price list (add,
change and remove the price of a variant).

``pages.py`` includes this router after its own routes, so that ``/suppliers/new`` is matched
before ``/suppliers/{supplier_id}``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Final

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from comptoir.backoffice.shell import (
    Crumb,
    PrimaryAction,
    redirect_with_flash,
    register_flash,
    render,
    request_locale,
    require_scope,
)
from comptoir.catalog import service as catalog
from comptoir.kit.errors import DomainError, NotFound
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.http.validation import issues_from_pydantic
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.i18n import translate
from comptoir.kit.money import Money, MoneyOut
from comptoir.purchasing import service
from comptoir.purchasing.models import Supplier
from comptoir.purchasing.schemas import SupplierPrice, SupplierPriceCreate, SupplierUpdate

SUPPLIERS_PATH: Final = "/admin/purchasing/suppliers"
READ = [require_scope("purchasing:read")]
WRITE = [require_scope("purchasing:write")]
# Fields that an empty box clears (the others keep a value).
CLEARABLE: Final = ("contact_name", "email", "phone", "siret")
# The price form's fields carry a prefix: the details form has its own ``lead_time_days``.
PRICE_FIELDS: Final = {
    "variant_id": "price_sku",
    "supplier_sku": "price_supplier_sku",
    "unit_cost": "price_unit_cost",
    "min_order_quantity": "price_min_order_quantity",
    "lead_time_days": "price_lead_time_days",
}

router = APIRouter()
register_flash("supplier-saved", _l("The supplier was saved."))
register_flash("supplier-price-saved", _l("The price list was updated."))
register_flash("supplier-price-removed", _l("The price was removed from the price list."))


def _supplier_or_404(session: Session, supplier_id: uuid.UUID) -> Supplier:
    try:
        return service.get_supplier(session, supplier_id)
    except service.SupplierNotFound:
        raise HTTPException(status_code=404) from None


def _values_of(supplier: Supplier) -> dict[str, str]:
    return {
        "name": supplier.name,
        "contact_name": supplier.contact_name or "",
        "email": supplier.email or "",
        "phone": supplier.phone or "",
        "siret": supplier.siret or "",
        "payment_terms_days": str(supplier.payment_terms_days),
        "lead_time_days": str(supplier.lead_time_days),
        "notes": supplier.notes,
        "is_active": "1" if supplier.is_active else "",
    }


def _price_values_of(price: SupplierPrice, sku: str) -> dict[str, str]:
    return {
        "price_sku": sku,
        "price_supplier_sku": price.supplier_sku,
        "price_unit_cost": price.unit_cost.amount,
        "price_min_order_quantity": str(price.min_order_quantity),
        "price_lead_time_days": (
            str(price.lead_time_days) if price.lead_time_from == "price_list" else ""
        ),
    }


def _money(request: Request) -> Callable[[MoneyOut], str]:
    locale = request_locale(request)
    return lambda value: Money(Decimal(value.amount), value.currency).format(locale)


def _supplier_page(
    request: Request,
    session: Session,
    supplier: Supplier,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    price_values: dict[str, str] | None = None,
    price_errors: dict[str, str] | None = None,
    editing: uuid.UUID | None = None,
    list_error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    prices = service.supplier_prices(session, supplier.id)
    labels: dict[uuid.UUID, Any] = {}
    for price in prices:
        try:
            labels[price.variant_id] = catalog.variant_summary(session, price.variant_id)
        except NotFound:
            continue
    chosen = next((price for price in prices if price.variant_id == editing), None)
    label = labels.get(editing) if editing is not None else None
    if chosen is None or label is None:
        editing = None
    elif price_values is None:
        price_values = _price_values_of(chosen, label.sku)
    return render(
        request,
        "purchasing/supplier.html",
        status_code=status_code,
        title=supplier.name,
        breadcrumb=[
            Crumb(_l("Back office"), "/admin"),
            Crumb(_l("Suppliers"), SUPPLIERS_PATH),
            Crumb(supplier.name),
        ],
        primary_action=PrimaryAction(
            _l("New purchase order"), f"/admin/purchasing/orders/new?supplier_id={supplier.id}"
        ),
        supplier=supplier,
        values=values if values is not None else _values_of(supplier),
        errors=errors or {},
        prices=prices,
        labels=labels,
        money=_money(request),
        price_values=price_values or {"price_min_order_quantity": "1"},
        price_errors=price_errors or {},
        editing=editing,
        list_error=list_error,
    )


@router.get("/purchasing/suppliers/{supplier_id}", response_class=HTMLResponse, dependencies=READ)
def supplier_page(
    request: Request, session: DbSession, supplier_id: uuid.UUID, variant: str | None = None
) -> HTMLResponse:
    """The supplier's details and price list; ``variant`` puts that variant's price in the
    price form, to change it."""
    supplier = _supplier_or_404(session, supplier_id)
    editing = None
    if variant:
        try:
            editing = uuid.UUID(variant)
        except ValueError:
            editing = None
    return _supplier_page(request, session, supplier, editing=editing)


@router.post("/purchasing/suppliers/{supplier_id}", response_model=None, dependencies=WRITE)
async def save_supplier(request: Request, session: DbSession, supplier_id: uuid.UUID) -> Response:
    """Save the supplier's details (its currency stays: its prices and orders are in it). A
    wrong field is shown next to it and nothing is saved."""
    supplier = _supplier_or_404(session, supplier_id)
    form = {k: str(v).strip() for k, v in (await request.form()).items() if k != "csrf_token"}
    values = {**_values_of(supplier), **form, "is_active": form.get("is_active", "")}
    payload: dict[str, object] = {name: values.get(name) or None for name in CLEARABLE}
    for name in ("name", "payment_terms_days", "lead_time_days", "notes"):
        payload[name] = values.get(name, "")
    payload["is_active"] = values["is_active"] == "1"
    locale = request_locale(request)
    try:
        with session.begin_nested():
            service.update_supplier(session, supplier.id, SupplierUpdate.model_validate(payload))
    except ValidationError as exc:
        errors = {i.field: i.translated(locale) for i in issues_from_pydantic(exc.errors())}
    except DomainError as error:
        errors = {error.field or "name": error.detail(locale)}
    else:
        return redirect_with_flash(request, f"{SUPPLIERS_PATH}/{supplier.id}", "supplier-saved")
    session.refresh(supplier)
    return _supplier_page(request, session, supplier, values=values, errors=errors, status_code=422)


@router.post("/purchasing/suppliers/{supplier_id}/prices", response_model=None, dependencies=WRITE)
async def set_price(request: Request, session: DbSession, supplier_id: uuid.UUID) -> Response:
    """Add a variant (by its SKU) to the price list, or change its price when it is already
    there. A blank lead time means the supplier's usual one."""
    supplier = _supplier_or_404(session, supplier_id)
    form = {k: str(v).strip() for k, v in (await request.form()).items() if k != "csrf_token"}
    values = {name: form.get(name, "") for name in PRICE_FIELDS.values()}
    locale = request_locale(request)
    errors: dict[str, str] = {}
    data: SupplierPriceCreate | None = None
    variant = catalog.find_variant_by_sku(session, values["price_sku"])
    if variant is None:
        errors["price_sku"] = translate(_l("No variant of the catalogue has this SKU."), locale)
    try:
        data = SupplierPriceCreate.model_validate(
            {
                "variant_id": variant.id if variant is not None else uuid.UUID(int=0),
                "supplier_sku": values["price_supplier_sku"],
                "unit_cost": values["price_unit_cost"].replace(",", ".").replace(" ", ""),
                "min_order_quantity": values["price_min_order_quantity"] or "1",
                "lead_time_days": values["price_lead_time_days"] or None,
            }
        )
    except ValidationError as exc:
        for issue in issues_from_pydantic(exc.errors()):
            name = PRICE_FIELDS.get(issue.field.split(".")[0], "price_sku")
            errors.setdefault(name, issue.translated(locale))
    if data is not None and not errors:
        try:
            with session.begin_nested():
                service.set_supplier_price(session, supplier.id, data)
        except DomainError as error:
            errors[PRICE_FIELDS.get(error.field or "", "price_sku")] = error.detail(locale)
        else:
            return redirect_with_flash(
                request, f"{SUPPLIERS_PATH}/{supplier.id}", "supplier-price-saved"
            )
    return _supplier_page(
        request,
        session,
        supplier,
        price_values=values,
        price_errors=errors,
        editing=variant.id if variant is not None else None,
        status_code=422,
    )


@router.post(
    "/purchasing/suppliers/{supplier_id}/prices/{variant_id}/remove",
    response_model=None,
    dependencies=WRITE,
)
def remove_price(
    request: Request, session: DbSession, supplier_id: uuid.UUID, variant_id: uuid.UUID
) -> Response:
    """Take a variant off the price list (orders already made keep their cost)."""
    supplier = _supplier_or_404(session, supplier_id)
    try:
        with session.begin_nested():
            service.remove_supplier_price(session, supplier.id, variant_id)
    except DomainError as error:
        message = error.detail(request_locale(request))
        return _supplier_page(request, session, supplier, list_error=message, status_code=404)
    return redirect_with_flash(request, f"{SUPPLIERS_PATH}/{supplier.id}", "supplier-price-removed")
