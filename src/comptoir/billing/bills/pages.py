"""Back-office screens of supplier bills: the list (by status and supplier), a bill with its
three-way match table, approve (with a reason when on hold), post and pay; and the form that
records a bill from a purchase order."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Final

from babel.dates import format_date
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from comptoir.backoffice.nav import SECTION_FINANCE, NavItem, register
from comptoir.backoffice.shell import (
    Crumb,
    PrimaryAction,
    redirect_with_flash,
    register_flash,
    register_pages,
    render,
    request_locale,
    require_scope,
)
from comptoir.billing.bills import schemas, service
from comptoir.billing.bills.views import bill_view
from comptoir.catalog import service as catalog
from comptoir.kit import clock
from comptoir.kit.errors import DomainError, NotFound
from comptoir.kit.http.access import Principal
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.http.validation import issues_from_pydantic
from comptoir.kit.i18n import LazyString, Locale, translate
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.ids import uuid7
from comptoir.kit.money import Money, MoneyOut
from comptoir.purchasing import service as purchasing

BILLS_PATH: Final = "/admin/billing/bills"
READ = [require_scope("billing:read")]
ISSUE = [require_scope("billing:issue")]

STATUSES: Final[dict[str, LazyString]] = {
    "draft": _l("Draft"),
    "matched": _l("Matched"),
    "on_hold": _l("On hold"),
    "approved": _l("Approved"),
    "posted": _l("Posted"),
    "partially_paid": _l("Partially paid"),
    "paid": _l("Paid"),
}
MATCH_RESULTS: Final[dict[str, LazyString]] = {
    "ok": _l("Matches"),
    "over_billed": _l("More than received"),
    "price_difference": _l("Price difference"),
    "over_billed_and_price": _l("More than received, price difference"),
    "free": _l("Not on the order"),
}

router = APIRouter()
register_pages(router, templates=Path(__file__).parent / "templates")
register(
    NavItem(
        section=SECTION_FINANCE,
        label=_l("Supplier bills"),
        path=BILLS_PATH,
        order=20,
        scope="billing:read",
    )
)
register_flash("bill-created", _l("The supplier bill was recorded and matched."))
register_flash("bill-matched", _l("The supplier bill was matched again."))
register_flash("bill-approved", _l("The supplier bill was approved."))
register_flash("bill-posted", _l("The supplier bill was posted to the purchases journal."))
register_flash("bill-paid", _l("The payment was recorded."))


def _crumbs(*more: Crumb) -> list[Crumb]:
    return [Crumb(_l("Back office"), "/admin"), Crumb(_l("Supplier bills"), BILLS_PATH), *more]


def _money_formatter(request: Request) -> Callable[[MoneyOut | None], str]:
    locale = request_locale(request)
    return lambda value: (
        "" if value is None else Money(Decimal(value.amount), value.currency).format(locale)
    )


def _day_formatter(request: Request) -> Callable[[Any], str]:
    locale = request_locale(request)
    return lambda value: "" if value is None else format_date(value, "medium", locale=locale)


def _actor(request: Request) -> str | None:
    principal = getattr(request.state, "principal", None)
    if isinstance(principal, Principal):
        return principal.display_name or f"{principal.kind}:{principal.id}"
    return None


@router.get("/billing/bills", response_class=HTMLResponse, dependencies=READ)
def bills_page(
    request: Request,
    session: DbSession,
    status: str | None = None,
    supplier_id: str | None = None,
    cursor: str | None = None,
) -> HTMLResponse:
    """Supplier bills, latest first, filtered by status and supplier."""
    chosen: schemas.BillStatus | None = status if status in STATUSES else None  # type: ignore[assignment]
    supplier = _uuid_or_none(supplier_id)
    page = service.list_bills(session, status=chosen, supplier_id=supplier, limit=50, cursor=cursor)
    locale = request_locale(request)
    return render(
        request,
        "bills/bills.html",
        title=_l("Supplier bills"),
        breadcrumb=[Crumb(_l("Back office"), "/admin"), Crumb(_l("Supplier bills"))],
        primary_action=PrimaryAction(_l("Record a supplier bill"), f"{BILLS_PATH}/new"),
        bills=[bill_view(session, bill, locale) for bill in page.items],
        suppliers=purchasing.list_suppliers(session, limit=200).items,
        chosen=chosen,
        chosen_supplier=str(supplier) if supplier else "",
        statuses=STATUSES,
        money=_money_formatter(request),
        day=_day_formatter(request),
        next_cursor=page.next_cursor,
    )


def _uuid_or_none(text: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(text) if text else None
    except ValueError:
        return None


@router.get("/billing/bills/new", response_class=HTMLResponse, dependencies=ISSUE)
def new_bill_page(
    request: Request, session: DbSession, purchase_order_id: str = ""
) -> HTMLResponse:
    """Step one: choose the purchase order; step two: the bill prefilled with what was
    received and not yet billed on it."""
    return _render_new(request, session, purchase_order_id, values={}, errors={})


def _render_new(
    request: Request,
    session: Session,
    purchase_order_id: str,
    *,
    values: Mapping[str, str],
    errors: Mapping[str, str],
    status_code: int = 200,
) -> HTMLResponse:
    order_id = _uuid_or_none(purchase_order_id)
    order = None
    rows: list[dict[str, Any]] = []
    if order_id is not None:
        try:
            order = purchasing.get_purchase_order(session, order_id)
        except NotFound:
            order = None
    if order is not None:
        for line, quantity in service.billable_lines(session, order.id):
            rows.append(
                {
                    "id": str(line.id),
                    "label": _variant_label(session, line.variant_id),
                    "ordered": line.quantity_ordered,
                    "received": line.quantity_received,
                    "left": quantity,
                    "unit_cost": Money.from_minor(line.unit_cost_minor, order.currency).amount,
                }
            )
    orders = [
        o
        for status in service.BILLABLE_ORDER_STATUSES
        for o in purchasing.list_purchase_orders(session, status=status, limit=100).items
    ]
    return render(
        request,
        "bills/new.html",
        status_code=status_code,
        title=_l("Record a supplier bill"),
        breadcrumb=_crumbs(Crumb(_l("New"))),
        order=order,
        supplier=purchasing.get_supplier(session, order.supplier_id) if order else None,
        orders=orders,
        rows=rows,
        values=values,
        errors=errors,
        today=clock.now().date().isoformat(),
    )


def _variant_label(session: Session, variant_id: uuid.UUID) -> str:
    try:
        summary = catalog.variant_summary(session, variant_id)
    except NotFound:
        return str(variant_id)
    return f"{summary.sku} · {summary.product_title}"


@router.post("/billing/bills/new", response_model=None, dependencies=ISSUE)
async def create_bill(request: Request, session: DbSession) -> Response:
    """Record the bill typed in the form (lines ``quantity-<id>``, ``unit_cost-<id>``,
    ``vat_rate-<id>``, an optional free line) and match it at once."""
    form = {k: str(v).strip() for k, v in (await request.form()).items() if k != "csrf_token"}
    return _create(request, session, form)


def _create(request: Request, session: Session, form: dict[str, str]) -> Response:
    locale = request_locale(request)
    order_id = form.get("purchase_order_id", "")
    errors: dict[str, str] = {}
    data = _bill_from_form(session, form, errors, locale)
    if data is not None and not errors:
        try:
            bill = service.create_bill(session, data)
            service.match_bill(session, bill.id)
        except DomainError as error:
            errors[_form_field(error.field)] = error.detail(locale)
        else:
            return redirect_with_flash(request, f"{BILLS_PATH}/{bill.id}", "bill-created")
    session.rollback()
    return _render_new(request, session, order_id, values=form, errors=errors, status_code=422)


def _form_field(field: str | None) -> str:
    """The form field an error names (``lines.2.unit_cost`` -> the line's own input)."""
    parts = (field or "supplier_invoice_number").split(".")
    return parts[0] if parts[0] != "lines" else "lines"


def _bill_from_form(
    session: Session, form: dict[str, str], errors: dict[str, str], locale: Locale
) -> schemas.BillCreate | None:
    order_id = _uuid_or_none(form.get("purchase_order_id"))
    if order_id is None:
        errors["purchase_order_id"] = translate(_l("Choose a purchase order."), locale)
        return None
    lines: list[dict[str, Any]] = []
    for key, text in form.items():
        if not key.startswith("quantity-") or not text or text == "0":
            continue
        line_id = key.removeprefix("quantity-")
        lines.append(
            {
                "order_line_id": line_id,
                "quantity": text,
                "unit_cost": _decimal(form.get(f"unit_cost-{line_id}", "")),
                "vat_rate": _rate(form.get(f"vat_rate-{line_id}", "20")),
            }
        )
    if form.get("extra_description") or form.get("extra_amount"):
        lines.append(
            {
                "description": form.get("extra_description", ""),
                "unit_cost": _decimal(form.get("extra_amount", "")),
                "vat_rate": _rate(form.get("extra_vat_rate", "20")),
                "account": form.get("extra_account") or "624100",
            }
        )
    if not lines:
        errors["lines"] = translate(_l("Bill at least one line."), locale)
        return None
    payload: dict[str, Any] = {
        "purchase_order_id": str(order_id),
        "supplier_invoice_number": form.get("supplier_invoice_number", ""),
        "bill_date": form.get("bill_date", ""),
        "vat_treatment": form.get("vat_treatment") or "domestic",
        "lines": lines,
    }
    for name, value in (("due_date", form.get("due_date")),):
        if value:
            payload[name] = value
    if form.get("stated_total"):
        payload["stated_total"] = _decimal(form["stated_total"])
    try:
        return schemas.BillCreate.model_validate(payload)
    except ValidationError as exc:
        for issue in issues_from_pydantic(exc.errors()):
            errors.setdefault(_form_field(issue.field), issue.translated(locale))
        return None


def _decimal(text: str) -> str:
    cleaned = text.replace("\u202f", "").replace(" ", "").replace(",", ".")
    try:
        return str(Decimal(cleaned))
    except InvalidOperation:
        return text


def _rate(text: str) -> str:
    """A rate typed as a percentage (``20``, ``5,5``) as a fraction."""
    try:
        return str(Decimal(_decimal(text.rstrip("% "))) / 100)
    except InvalidOperation:
        return text


def _bill_or_404(session: Session, bill_id: str) -> Any:
    try:
        return service.get_bill(session, uuid.UUID(bill_id))
    except ValueError:
        raise NotFound() from None


@router.get("/billing/bills/{bill_id}", response_class=HTMLResponse, dependencies=READ)
def bill_page(request: Request, session: DbSession, bill_id: str) -> HTMLResponse:
    return _render_bill(request, session, _bill_or_404(session, bill_id))


def _render_bill(
    request: Request,
    session: Session,
    bill: Any,
    *,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    locale = request_locale(request)
    view = bill_view(session, bill, locale)
    title = translate(_l("Supplier bill {number}"), locale, number=view.supplier_invoice_number)
    return render(
        request,
        "bills/bill.html",
        status_code=status_code,
        title=title,
        breadcrumb=_crumbs(Crumb(view.supplier_invoice_number)),
        bill=view,
        statuses=STATUSES,
        results=MATCH_RESULTS,
        money=_money_formatter(request),
        day=_day_formatter(request),
        errors=errors or {},
        values=values or {},
        today=clock.now().date().isoformat(),
    )


def _act(
    request: Request, session: Session, bill_id: str, flash: str, action: Callable[[Any], object]
) -> Response:
    bill = _bill_or_404(session, bill_id)
    try:
        action(bill)
    except DomainError as error:
        session.rollback()
        bill = _bill_or_404(session, bill_id)
        return _render_bill(
            request,
            session,
            bill,
            errors={error.field or "action": error.detail(request_locale(request))},
            status_code=error.status if error.status in (409, 422) else 422,
        )
    return redirect_with_flash(request, f"{BILLS_PATH}/{bill.id}", flash)


@router.post("/billing/bills/{bill_id}/match", response_model=None, dependencies=ISSUE)
def match_bill(request: Request, session: DbSession, bill_id: str) -> Response:
    return _act(
        request, session, bill_id, "bill-matched", lambda b: service.match_bill(session, b.id)
    )


@router.post("/billing/bills/{bill_id}/approve", response_model=None, dependencies=ISSUE)
async def approve_bill(request: Request, session: DbSession, bill_id: str) -> Response:
    """A bill on hold needs the ``reason`` field."""
    reason = str((await request.form()).get("reason", "")).strip()
    return _act(
        request,
        session,
        bill_id,
        "bill-approved",
        lambda b: service.approve_bill(session, b.id, actor=_actor(request), reason=reason),
    )


@router.post("/billing/bills/{bill_id}/post", response_model=None, dependencies=ISSUE)
def post_bill(request: Request, session: DbSession, bill_id: str) -> Response:
    return _act(
        request,
        session,
        bill_id,
        "bill-posted",
        lambda b: service.post_bill(session, b.id, actor=_actor(request)),
    )


@router.post("/billing/bills/{bill_id}/pay", response_model=None, dependencies=ISSUE)
async def pay_bill(request: Request, session: DbSession, bill_id: str) -> Response:
    """Fields ``amount``, ``paid_on``, ``reference``."""
    form = {k: str(v).strip() for k, v in (await request.form()).items() if k != "csrf_token"}
    bill = _bill_or_404(session, bill_id)
    locale = request_locale(request)
    try:
        payment = schemas.PaymentIn.model_validate(
            {
                "amount": _decimal(form.get("amount", "")),
                "paid_on": form.get("paid_on", ""),
                "reference": form.get("reference") or None,
            }
        )
    except ValidationError as exc:
        errors = {i.field: i.translated(locale) for i in issues_from_pydantic(exc.errors())}
        return _render_bill(request, session, bill, errors=errors, values=form, status_code=422)
    amount_minor = Money(payment.amount, bill.currency).minor_units

    def record(target: Any) -> None:
        service.record_payment(
            session,
            target.id,
            amount_minor=amount_minor,
            paid_on=payment.paid_on,
            reference=payment.reference,
            source_type="manual",
            source_id=uuid7(),
            actor=_actor(request),
        )

    return _act(request, session, bill_id, "bill-paid", record)
