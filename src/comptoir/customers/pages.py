"""The back office's customer screens: the list (search by exact e-mail or phone, filters,
pagination), the new and edit forms, a customer's page (profile, addresses, consents and their
history, groups, merges, and the panels other modules register), and merging with a
confirmation step."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from comptoir.backoffice.nav import SECTION_CUSTOMERS, NavItem, register
from comptoir.backoffice.shell import (
    Crumb,
    PrimaryAction,
    is_htmx,
    redirect_with_flash,
    register_flash,
    register_pages,
    render,
    request_locale,
    require_scope,
)
from comptoir.customers import schemas, service
from comptoir.customers.models import Customer
from comptoir.customers.service.merges import actor_label
from comptoir.kit.errors import DomainError
from comptoir.kit.http.access import Principal
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.http.validation import issues_from_pydantic
from comptoir.kit.i18n import LazyString, Locale
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.privacy.capture import request_meta
from comptoir.privacy.schemas import AuditActor

LIST_PATH: Final = "/admin/customers"
PAGE_SIZE: Final = 50
PROFILE_FIELDS: Final = (
    "kind",
    "first_name",
    "last_name",
    "company_name",
    "email",
    "phone",
    "language",
    "siren",
    "siret",
    "vat_number",
)
ADDRESS_FIELDS: Final = ("label", "recipient", "line1", "line2", "postcode", "city", "country")
KIND_LABELS: Final[dict[str, LazyString]] = {"person": _l("Person"), "company": _l("Company")}
STATUS_LABELS: Final[dict[str, LazyString]] = {
    "active": _l("Active"),
    "merged": _l("Merged"),
    "erased": _l("Erased"),
}
CHANNEL_LABELS: Final[dict[str, LazyString]] = {
    "email": _l("E-mail"),
    "sms": _l("SMS"),
    "push": _l("Push notifications"),
    "phone": _l("Phone calls"),
}
PURPOSE_LABELS: Final[dict[str, LazyString]] = {
    "marketing": _l("Marketing"),
    "profiling": _l("Profiling"),
}
SOURCE_LABELS: Final[dict[str, LazyString]] = {
    "web_shop": _l("Web shop"),
    "till": _l("Till"),
    "back_office": _l("Back office"),
    "import": _l("Import"),
    "marketplace": _l("Marketplace"),
}

router = APIRouter(dependencies=[require_scope("customers:read")])
register_pages(router, templates=Path(__file__).parent / "templates")
register(NavItem(section=SECTION_CUSTOMERS, label=_l("Customers"), path=LIST_PATH, order=10))
register_flash("customer-created", _l("The customer was created."))
register_flash("customer-updated", _l("The customer was saved."))
register_flash("customer-merged", _l("The customers were merged."))
register_flash("customer-unmerged", _l("The merge was undone."))
register_flash("consent-changed", _l("The consent was recorded."))
register_flash("address-added", _l("The address was added."))
WRITE = [require_scope("customers:write")]


def _labels() -> dict[str, Any]:
    return {
        "kind_labels": KIND_LABELS,
        "status_labels": STATUS_LABELS,
        "channel_labels": CHANNEL_LABELS,
        "purpose_labels": PURPOSE_LABELS,
        "source_labels": SOURCE_LABELS,
    }


def _list_url(**params: str | None) -> str:
    query = {k: v for k, v in params.items() if v}
    return f"{LIST_PATH}?{urlencode(query)}" if query else LIST_PATH


def _errors(exc: Exception, locale: Locale, prefix: str = "") -> dict[str, str]:
    """Form field id -> message, from a validation error or a domain error."""
    if isinstance(exc, ValidationError):
        issues = issues_from_pydantic(exc.errors())
        return {prefix + i.field.split(".")[0]: i.translated(locale) for i in issues}
    assert isinstance(exc, DomainError)
    if exc.issues:
        return {prefix + i.field.split(".")[0]: i.translated(locale) for i in exc.issues}
    return {prefix + (exc.field or "email"): exc.detail(locale)}


def _actor(request: Request) -> AuditActor:
    principal = getattr(request.state, "principal", None)
    assert isinstance(principal, Principal)
    return AuditActor.from_principal(principal)


async def _form_values(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: str(v) for k, v in form.items() if k != "csrf_token"}


def _customer_or_404(session: Session, customer_id: uuid.UUID) -> Customer:
    try:
        return service.get_customer(session, customer_id)
    except service.CustomerNotFound:
        raise HTTPException(status_code=404) from None


@router.get("/customers", response_class=HTMLResponse)
def customers_page(
    request: Request,
    session: DbSession,
    q: str | None = Query(None, max_length=254),
    group: str | None = Query(None, max_length=50),
    kind: str | None = None,
    status: str | None = None,
    cursor: str | None = Query(None, max_length=2048),
) -> HTMLResponse:
    """The customer list; htmx requests (search, chips) get the table only."""
    filters = schemas.CustomerFilters(
        q=(q or "").strip() or None,
        group=group or None,
        kind=kind if kind in KIND_LABELS else None,
        status=status if status in STATUS_LABELS else "active",
    )
    page = service.list_customers(session, filters, limit=PAGE_SIZE, cursor=cursor)
    rows = [service.customer_out(session, customer) for customer in page.items]
    template = "customers/_list.html" if is_htmx(request) else "customers/list.html"
    return render(
        request,
        template,
        title=_l("Customers"),
        breadcrumb=[Crumb(_l("Back office"), "/admin"), Crumb(_l("Customers"))],
        primary_action=PrimaryAction(_l("Add a customer"), f"{LIST_PATH}/new"),
        page=page,
        rows=rows,
        filters=filters,
        groups=service.list_groups(session),
        list_url=_list_url,
        **_labels(),
    )


def _form_page(
    request: Request,
    session: Session,
    values: dict[str, str],
    errors: dict[str, str],
    *,
    customer: Customer | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    title = _l("Edit the customer") if customer else _l("Add a customer")
    crumbs = [Crumb(_l("Back office"), "/admin"), Crumb(_l("Customers"), LIST_PATH)]
    if customer is not None:
        crumbs.append(Crumb(service.display_name(customer), f"{LIST_PATH}/{customer.id}"))
    return render(
        request,
        "customers/form.html",
        status_code=status_code,
        title=title,
        breadcrumb=[*crumbs, Crumb(title)],
        values=values,
        errors=errors,
        customer=customer,
        groups=service.list_groups(session),
        action=f"{LIST_PATH}/{customer.id}/edit" if customer else f"{LIST_PATH}/new",
        **_labels(),
    )


@router.get("/customers/new", response_class=HTMLResponse, dependencies=WRITE)
def new_customer_page(request: Request, session: DbSession) -> HTMLResponse:
    return _form_page(request, session, {"kind": "person", "language": "fr", "country": "FR"}, {})


def _profile(values: dict[str, str], group_codes: list[str]) -> dict[str, Any]:
    data: dict[str, Any] = {name: values.get(name, "").strip() or None for name in PROFILE_FIELDS}
    data["kind"] = data["kind"] or "person"
    data["language"] = data["language"] or "fr"
    data["groups"] = group_codes
    return data


@router.post("/customers/new", response_class=HTMLResponse, dependencies=WRITE)
async def create_customer(request: Request, session: DbSession) -> Response:
    """Create the customer (with an address if one was typed); on a refusal, the form again
    with every value kept."""
    form = await request.form()
    values = await _form_values(request)
    codes = [str(code) for code in form.getlist("groups")]
    data = _profile(values, codes)
    if values.get("line1", "").strip():
        address = {name: values.get(name, "").strip() or None for name in ADDRESS_FIELDS}
        data["addresses"] = [{**address, "is_default_shipping": True, "is_default_billing": True}]
    try:
        customer = service.create_customer(session, schemas.CustomerCreate.model_validate(data))
    except (ValidationError, DomainError) as exc:
        values["groups"] = ",".join(codes)
        errors = _errors(exc, request_locale(request))
        errors = {("line1" if k == "addresses" else k): v for k, v in errors.items()}
        return _form_page(request, session, values, errors, status_code=422)
    return redirect_with_flash(request, f"{LIST_PATH}/{customer.id}", "customer-created")


@router.get("/customers/{customer_id}", response_class=HTMLResponse)
def customer_page(request: Request, session: DbSession, customer_id: uuid.UUID) -> HTMLResponse:
    return _detail(request, session, _customer_or_404(session, customer_id))


def _detail(
    request: Request,
    session: Session,
    customer: Customer,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    out = service.customer_out(session, customer)
    panels = [(panel, panel.context(session, customer.id)) for panel in service.detail_panels()]
    target = service.merge_target(session, customer) if customer.status == "merged" else None
    return render(
        request,
        "customers/detail.html",
        status_code=status_code,
        title=out.display_name,
        breadcrumb=[
            Crumb(_l("Back office"), "/admin"),
            Crumb(_l("Customers"), LIST_PATH),
            Crumb(out.display_name),
        ],
        primary_action=(
            PrimaryAction(_l("Edit"), f"{LIST_PATH}/{customer.id}/edit")
            if customer.status == "active"
            else None
        ),
        customer=out,
        consents=service.current_consents(session, customer.id),
        history=service.consent_history(session, customer.id),
        merges=service.merges_of(session, customer.id),
        merged=service.merged_customers(session, customer.id),
        names={
            c.id: service.display_name(c) for c in service.merged_customers(session, customer.id)
        },
        target=target,
        panels=panels,
        has_orders_panel=any(panel.key == "orders" for panel, _ in panels),
        errors=errors or {},
        address_errors={k: v for k, v in (errors or {}).items() if k.startswith("address_")},
        consent_errors={k: v for k, v in (errors or {}).items() if k.startswith("consent_")},
        channels=schemas.CHANNELS,
        purposes=schemas.PURPOSES,
        **_labels(),
    )


@router.get("/customers/{customer_id}/edit", response_class=HTMLResponse, dependencies=WRITE)
def edit_customer_page(
    request: Request, session: DbSession, customer_id: uuid.UUID
) -> HTMLResponse:
    customer = _customer_or_404(session, customer_id)
    out = service.customer_out(session, customer)
    values = {name: str(getattr(out, name) or "") for name in PROFILE_FIELDS}
    values["groups"] = ",".join(out.groups)
    return _form_page(request, session, values, {}, customer=customer)


@router.post("/customers/{customer_id}/edit", response_class=HTMLResponse, dependencies=WRITE)
async def update_customer(request: Request, session: DbSession, customer_id: uuid.UUID) -> Response:
    customer = _customer_or_404(session, customer_id)
    form = await request.form()
    values = await _form_values(request)
    codes = [str(code) for code in form.getlist("groups")]
    try:
        data = schemas.CustomerUpdate.model_validate(_profile(values, codes))
        service.update_customer(session, customer.id, data)
    except (ValidationError, DomainError) as exc:
        values["groups"] = ",".join(codes)
        errors = _errors(exc, request_locale(request))
        return _form_page(request, session, values, errors, customer=customer, status_code=422)
    return redirect_with_flash(request, f"{LIST_PATH}/{customer.id}", "customer-updated")


@router.post("/customers/{customer_id}/addresses", response_class=HTMLResponse, dependencies=WRITE)
async def add_address(request: Request, session: DbSession, customer_id: uuid.UUID) -> Response:
    customer = _customer_or_404(session, customer_id)
    values = await _form_values(request)
    data: dict[str, Any] = {
        name: values.get(f"address_{name}", "").strip() or None for name in ADDRESS_FIELDS
    }
    data["country"] = data["country"] or "FR"
    data["is_default_shipping"] = values.get("is_default_shipping") == "on"
    data["is_default_billing"] = values.get("is_default_billing") == "on"
    try:
        service.add_address(session, customer.id, schemas.AddressIn.model_validate(data))
    except (ValidationError, DomainError) as exc:
        errors = _errors(exc, request_locale(request), prefix="address_")
        return _detail(request, session, customer, errors, status_code=422)
    return redirect_with_flash(request, f"{LIST_PATH}/{customer.id}", "address-added")


@router.post("/customers/{customer_id}/consents", response_class=HTMLResponse, dependencies=WRITE)
async def change_consent(request: Request, session: DbSession, customer_id: uuid.UUID) -> Response:
    """Record a grant (with the wording version) or a withdrawal, from the back office."""
    customer = _customer_or_404(session, customer_id)
    values = await _form_values(request)
    actor = actor_label(_actor(request))
    try:
        if values.get("action") == "withdraw":
            body = schemas.ConsentWithdrawal.model_validate(
                {"channel": values.get("consent_channel"), "purpose": values.get("consent_purpose")}
            )
            service.withdraw_consent(
                session,
                customer.id,
                channel=body.channel,
                purpose=body.purpose,
                source="back_office",
                actor=actor,
            )
        else:
            grant = schemas.ConsentIn.model_validate(
                {k: values.get(f"consent_{k}") for k in ("channel", "purpose", "wording_version")}
            )
            service.record_consent(
                session,
                customer.id,
                channel=grant.channel,
                purpose=grant.purpose,
                wording_version=grant.wording_version,
                source="back_office",
                actor=actor,
            )
    except (ValidationError, DomainError) as exc:
        errors = _errors(exc, request_locale(request), prefix="consent_")
        return _detail(request, session, customer, errors, status_code=422)
    return redirect_with_flash(request, f"{LIST_PATH}/{customer.id}", "consent-changed")


def _duplicate(session: Session, text: str) -> Customer | None:
    text = text.strip()
    try:
        return service.get_customer(session, uuid.UUID(text))
    except (ValueError, service.CustomerNotFound):
        pass
    if "@" in text:
        return service.find_by_email(session, text)
    return service.find_by_phone(session, text)


@router.get("/customers/{customer_id}/merge", response_class=HTMLResponse, dependencies=WRITE)
def merge_page(
    request: Request,
    session: DbSession,
    customer_id: uuid.UUID,
    duplicate: str = Query("", max_length=254),
) -> HTMLResponse:
    """The confirmation step: both customers side by side and what the merge will do."""
    customer = _customer_or_404(session, customer_id)
    source = _duplicate(session, duplicate) if duplicate.strip() else None
    if source is None or source.id == customer.id or source.status != "active":
        message = _l("No other active customer has this e-mail, phone or id.")
        locale = request_locale(request)
        errors = {"duplicate": message.translate(locale)}
        return _detail(request, session, customer, errors, status_code=422)
    return render(
        request,
        "customers/merge.html",
        title=_l("Merge two customers"),
        breadcrumb=[
            Crumb(_l("Back office"), "/admin"),
            Crumb(_l("Customers"), LIST_PATH),
            Crumb(service.display_name(customer), f"{LIST_PATH}/{customer.id}"),
            Crumb(_l("Merge two customers")),
        ],
        target=service.customer_out(session, customer),
        source=service.customer_out(session, source),
        consent_count=len(service.consent_history(session, source.id)),
        **_labels(),
    )


@router.post("/customers/{customer_id}/merge", response_class=HTMLResponse, dependencies=WRITE)
async def merge(request: Request, session: DbSession, customer_id: uuid.UUID) -> Response:
    customer = _customer_or_404(session, customer_id)
    values = await _form_values(request)
    try:
        source_id = uuid.UUID(values.get("source_id", ""))
        service.merge_customers(
            session, customer.id, source_id, actor=_actor(request), meta=request_meta(request)
        )
    except ValueError:
        raise HTTPException(status_code=422) from None
    except DomainError as exc:
        errors = {"duplicate": exc.detail(request_locale(request))}
        return _detail(request, session, customer, errors, status_code=409)
    return redirect_with_flash(request, f"{LIST_PATH}/{customer.id}", "customer-merged")


@router.post(
    "/customers/merges/{merge_id}/unmerge", response_class=HTMLResponse, dependencies=WRITE
)
def unmerge(request: Request, session: DbSession, merge_id: uuid.UUID) -> Response:
    try:
        result = service.unmerge(
            session, merge_id, actor=_actor(request), meta=request_meta(request)
        )
    except service.MergeNotFound:
        raise HTTPException(status_code=404) from None
    except DomainError as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from None
    return redirect_with_flash(request, f"{LIST_PATH}/{result.target_id}", "customer-unmerged")
