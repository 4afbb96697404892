"""Back-office screens of invoicing: invoices and credit notes (list, detail with issue,
credit note and payment forms), a new B2B invoice or proforma, and the billing settings
(the seller's identity, each channel's invoicing policy)."""

from __future__ import annotations

import uuid
from datetime import date
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
from comptoir.billing.invoices import service
from comptoir.billing.invoices.forms import draft_from_form, form_errors, seller_from_form
from comptoir.billing.invoices.models import Invoice
from comptoir.billing.invoices.schemas import ChannelPolicyIn
from comptoir.channels import service as channels
from comptoir.kit.errors import DomainError, NotFound
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.i18n import LazyString, translate
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.ids import uuid7
from comptoir.kit.money import Money, MoneyOut

INVOICES_PATH: Final = "/admin/billing/invoices"
CREDIT_NOTES_PATH: Final = "/admin/billing/credit-notes"
SETTINGS_PATH: Final = "/admin/billing/settings"
READ = [require_scope("billing:read")]
ISSUE = [require_scope("billing:issue")]

KINDS: Final[dict[str, LazyString]] = {
    "invoice": _l("Invoice"),
    "credit_note": _l("Credit note"),
    "proforma": _l("Proforma"),
}
STATUSES: Final[dict[str, LazyString]] = {
    "draft": _l("Draft"),
    "issued": _l("Issued"),
    "partially_paid": _l("Partly paid"),
    "paid": _l("Paid"),
    "cancelled": _l("Cancelled"),
}
POLICIES: Final[dict[str, LazyString]] = {
    "payment": _l("On payment"),
    "shipment": _l("On shipment"),
    "manual": _l("By hand"),
}
METHODS: Final[dict[str, LazyString]] = {
    "bank_transfer": _l("Bank transfer"),
    "card": _l("Card"),
    "cash": _l("Cash"),
    "cheque": _l("Cheque"),
    "other": _l("Other"),
}

router = APIRouter()
register_pages(router, templates=Path(__file__).parent / "templates")
for label, path, order in (
    (_l("Invoices"), INVOICES_PATH, 10),
    (_l("Credit notes"), CREDIT_NOTES_PATH, 12),
    (_l("Billing settings"), SETTINGS_PATH, 90),
):
    register(
        NavItem(section=SECTION_FINANCE, label=label, path=path, order=order, scope="billing:read")
    )
register_flash("invoice-draft-saved", _l("The draft was saved."))
register_flash("invoice-issued", _l("The invoice was issued."))
register_flash("credit-note-issued", _l("The credit note was issued."))
register_flash("settlement-recorded", _l("The payment was recorded."))
register_flash("billing-settings-saved", _l("The billing settings were saved."))


def _crumbs(*more: Crumb) -> list[Crumb]:
    return [Crumb(_l("Back office"), "/admin"), *more]


def _helpers(request: Request) -> dict[str, Any]:
    locale = request_locale(request)

    def money(minor: int, currency: str) -> str:
        return Money.from_minor(minor, currency).format(locale)

    def money_out(value: MoneyOut) -> str:
        return Money(Decimal(value.amount), value.currency).format(locale)

    def day(value: date | None) -> str:
        return format_date(value, format="short", locale=locale) if value else ""

    return {
        "money": money,
        "money_out": money_out,
        "day": day,
        "kinds": KINDS,
        "statuses": STATUSES,
    }


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@router.get("/billing/invoices", response_class=HTMLResponse, dependencies=READ)
def invoices_page(
    request: Request,
    session: DbSession,
    kind: str | None = None,
    status: str | None = None,
    number: str | None = None,
    issued_from: str | None = None,
    issued_to: str | None = None,
    cursor: str | None = None,
) -> HTMLResponse:
    """Invoices, credit notes and proformas, newest first, with filters."""
    filters = service.InvoiceFilters(
        kind=kind if kind in KINDS else None,
        status=status if status in STATUSES else None,
        number=number or None,
        issued_from=_day(issued_from),
        issued_to=_day(issued_to),
    )
    page = service.list_invoices(session, filters, limit=50, cursor=cursor)
    title = _l("Credit notes") if filters.kind == "credit_note" else _l("Invoices")
    return render(
        request,
        "invoices/list.html",
        title=title,
        breadcrumb=_crumbs(Crumb(title)),
        primary_action=PrimaryAction(_l("New invoice"), f"{INVOICES_PATH}/new"),
        invoices=page.items,
        next_cursor=page.next_cursor,
        filters=filters,
        **_helpers(request),
    )


@router.get("/billing/credit-notes", response_class=HTMLResponse, dependencies=READ)
def credit_notes_page(
    request: Request,
    session: DbSession,
    status: str | None = None,
    number: str | None = None,
    issued_from: str | None = None,
    issued_to: str | None = None,
    cursor: str | None = None,
) -> HTMLResponse:
    """The credit notes: the invoices' list showing that kind only."""
    return invoices_page(
        request, session, "credit_note", status, number, issued_from, issued_to, cursor
    )


def _render_form(
    request: Request, values: dict[str, str], errors: dict[str, str], status_code: int = 200
) -> HTMLResponse:
    return render(
        request,
        "invoices/new.html",
        status_code=status_code,
        title=_l("New invoice"),
        breadcrumb=_crumbs(Crumb(_l("Invoices"), INVOICES_PATH), Crumb(_l("New"))),
        values=values,
        errors=errors,
    )


@router.get("/billing/invoices/new", response_class=HTMLResponse, dependencies=ISSUE)
def new_invoice_page(request: Request) -> HTMLResponse:
    """The form of a B2B invoice or a proforma, saved as a draft."""
    return _render_form(request, {"kind": "invoice", "payment_terms_days": "30"}, {})


@router.post("/billing/invoices/new", response_model=None, dependencies=ISSUE)
async def create_invoice(request: Request, session: DbSession) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items() if k != "csrf_token"}
    locale = request_locale(request)
    try:
        invoice = service.create_draft(session, draft_from_form(form))
    except ValidationError as exc:
        return _render_form(request, form, form_errors(exc, locale), status_code=422)
    except DomainError as error:
        session.rollback()
        errors = {i.field: i.translated(locale) for i in error.issues} or {
            error.field or "lines": error.detail(locale)
        }
        return _render_form(request, form, errors, status_code=422)
    return redirect_with_flash(request, f"{INVOICES_PATH}/{invoice.id}", "invoice-draft-saved")


def _invoice_or_404(session: Session, invoice_id: str) -> Invoice:
    try:
        return service.get_invoice(session, uuid.UUID(invoice_id))
    except ValueError:
        raise NotFound() from None


def _render_invoice(
    request: Request,
    session: Session,
    invoice: Invoice,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    view = service.invoice_out(session, invoice)
    locale = request_locale(request)
    name = view.number or translate(_l("Draft"), locale)
    creditable = invoice.kind == "invoice" and invoice.status in (
        "issued",
        "partially_paid",
        "paid",
    )
    remaining = service.remaining(session, invoice) if creditable else {}
    most = service.creditable_minor(session, invoice) if creditable else 0
    original = (
        service.get_invoice(session, invoice.original_invoice_id)
        if invoice.original_invoice_id
        else None
    )
    return render(
        request,
        "invoices/detail.html",
        status_code=status_code,
        title=translate(KINDS[invoice.kind], locale) + " " + name,
        breadcrumb=_crumbs(Crumb(_l("Invoices"), INVOICES_PATH), Crumb(name)),
        invoice=view,
        original=original,
        remaining={k: v[0] for k, v in remaining.items()},
        methods=METHODS,
        errors=errors or {},
        today=service.today().isoformat(),
        creditable_amount=Money.from_minor(most, invoice.currency).format(locale),
        **_helpers(request),
    )


@router.get("/billing/invoices/{invoice_id}", response_class=HTMLResponse, dependencies=READ)
def invoice_page(request: Request, session: DbSession, invoice_id: str) -> HTMLResponse:
    return _render_invoice(request, session, _invoice_or_404(session, invoice_id))


def _failed(
    request: Request, session: Session, invoice_id: uuid.UUID, errors: dict[str, str]
) -> HTMLResponse:
    session.rollback()
    invoice = service.get_invoice(session, invoice_id)
    return _render_invoice(request, session, invoice, errors=errors, status_code=422)


@router.post("/billing/invoices/{invoice_id}/issue", response_model=None, dependencies=ISSUE)
def issue_invoice(request: Request, session: DbSession, invoice_id: str) -> Response:
    invoice = _invoice_or_404(session, invoice_id)
    try:
        service.issue(session, invoice.id, actor=_actor(request))
    except DomainError as error:
        message = error.detail(request_locale(request))
        return _failed(request, session, invoice.id, {error.field or "issue": message})
    return redirect_with_flash(request, f"{INVOICES_PATH}/{invoice.id}", "invoice-issued")


def _actor(request: Request) -> str | None:
    user = getattr(request.state, "user", None)
    return str(getattr(user, "email", None) or getattr(user, "id", "")) or None


@router.post("/billing/invoices/{invoice_id}/credit-note", response_model=None, dependencies=ISSUE)
async def credit_invoice(request: Request, session: DbSession, invoice_id: str) -> Response:
    """One ``credit-<line id>`` field per line (units to credit; blank: none) and a reason."""
    invoice = _invoice_or_404(session, invoice_id)
    form = {k: str(v).strip() for k, v in (await request.form()).items()}
    locale = request_locale(request)
    errors: dict[str, str] = {}
    lines: dict[uuid.UUID, Decimal] = {}
    for line in invoice.lines:
        text = form.get(f"credit-{line.id}", "").replace(",", ".")
        if not text or text == "0":
            continue
        try:
            lines[line.id] = Decimal(text)
        except InvalidOperation:
            errors[f"credit-{line.id}"] = translate(_l("Type a number of units."), locale)
    reason = form.get("reason", "")
    if not reason:
        errors["reason"] = translate(_l("Say why the invoice is credited."), locale)
    if not lines and not errors:
        errors["credit"] = translate(_l("Type the units to credit on at least one line."), locale)
    if errors:
        return _failed(request, session, invoice.id, errors)
    try:
        note = service.credit_note(
            session, invoice.id, lines=lines, reason=reason, source_type="manual",
            source_id=uuid7(), actor=_actor(request),
        )  # fmt: skip
    except DomainError as error:
        field = error.field or "credit"
        if field.startswith("lines."):
            index = int(field.split(".")[1])
            field = f"credit-{list(lines)[index]}"
        return _failed(request, session, invoice.id, {field: error.detail(locale)})
    return redirect_with_flash(request, f"{INVOICES_PATH}/{note.id}", "credit-note-issued")


@router.post(
    "/billing/invoices/{invoice_id}/credit-amount", response_model=None, dependencies=ISSUE
)
async def credit_invoice_amount(request: Request, session: DbSession, invoice_id: str) -> Response:
    """A credit note of an amount including VAT (``credit_amount``) with a reason."""
    invoice = _invoice_or_404(session, invoice_id)
    form = {k: str(v).strip() for k, v in (await request.form()).items()}
    locale = request_locale(request)
    errors: dict[str, str] = {}
    minor = _minor(form.get("credit_amount", ""), invoice.currency)
    if minor <= 0:
        errors["credit_amount"] = translate(_l("Type the amount to credit."), locale)
    reason = form.get("credit_reason", "")
    if not reason:
        errors["credit_reason"] = translate(_l("Say why the invoice is credited."), locale)
    if errors:
        return _failed(request, session, invoice.id, errors)
    try:
        note = service.credit_amount(
            session, invoice.id, amount_minor=minor, reason=reason, source_type="manual",
            source_id=uuid7(), actor=_actor(request),
        )  # fmt: skip
    except DomainError as error:
        field = {"reason": "credit_reason"}.get(error.field or "", "credit_amount")
        return _failed(request, session, invoice.id, {field: error.detail(locale)})
    return redirect_with_flash(request, f"{INVOICES_PATH}/{note.id}", "credit-note-issued")


def _minor(text: str, currency: str) -> int:
    """An amount typed by a person (``12,50``) in minor units; 0 when it is not one."""
    try:
        amount = Decimal(text.replace(",", ".").replace(" ", ""))
        if not amount.is_finite():
            return 0
        return Money(amount, currency).round().minor_units
    except (InvalidOperation, ValueError):
        return 0


@router.post("/billing/invoices/{invoice_id}/settle", response_model=None, dependencies=ISSUE)
async def settle_invoice(request: Request, session: DbSession, invoice_id: str) -> Response:
    invoice = _invoice_or_404(session, invoice_id)
    form = {k: str(v).strip() for k, v in (await request.form()).items()}
    locale = request_locale(request)
    errors: dict[str, str] = {}
    try:
        amount = Money(Decimal(form.get("amount", "").replace(",", ".")), invoice.currency)
        minor = amount.round().minor_units
    except (InvalidOperation, ValueError):
        minor = 0
    if minor <= 0:
        errors["amount"] = translate(_l("Type the amount received."), locale)
    settled_on = _day(form.get("settled_on"))
    if settled_on is None:
        errors["settled_on"] = translate(_l("Type the day the money arrived."), locale)
    method = form.get("method", "")
    if method not in METHODS:
        errors["method"] = translate(_l("Choose how it was paid."), locale)
    if errors or settled_on is None:
        return _failed(request, session, invoice.id, errors)
    try:
        service.settle(
            session, invoice.id, amount_minor=minor, settled_on=settled_on, method=method,
            reference=form.get("reference") or None, source_type="manual", source_id=uuid7(),
        )  # fmt: skip
    except DomainError as error:
        return _failed(request, session, invoice.id, {"amount": error.detail(locale)})
    return redirect_with_flash(request, f"{INVOICES_PATH}/{invoice.id}", "settlement-recorded")


def _render_settings(
    request: Request,
    session: Session,
    values: dict[str, str] | None,
    errors: dict[str, str],
    status_code: int = 200,
) -> HTMLResponse:
    seller = service.find_seller(session)
    if values is None:
        values = {}
        if seller is not None:
            values = {
                name: "" if value is None else str(value)
                for name, value in vars(seller).items()
                if not name.startswith("_")
            }
    policies = [
        (channel, service.channel_policy(session, channel.id))
        for channel in channels.list_channels(session)
    ]
    return render(
        request,
        "invoices/settings.html",
        status_code=status_code,
        title=_l("Billing settings"),
        breadcrumb=_crumbs(Crumb(_l("Billing settings"))),
        values=values,
        errors=errors,
        policies=policies,
        policy_labels=POLICIES,
    )


@router.get("/billing/settings", response_class=HTMLResponse, dependencies=READ)
def settings_page(request: Request, session: DbSession) -> HTMLResponse:
    """The seller's identity printed on invoices, and when each channel invoices."""
    return _render_settings(request, session, None, {})


@router.post("/billing/settings", response_model=None, dependencies=ISSUE)
async def save_settings(request: Request, session: DbSession) -> Response:
    form = {k: str(v).strip() for k, v in (await request.form()).items() if k != "csrf_token"}
    locale = request_locale(request)
    try:
        service.update_seller(session, seller_from_form(form))
    except ValidationError as exc:
        return _render_settings(request, session, form, form_errors(exc, locale), 422)
    except DomainError as error:
        session.rollback()
        errors = {i.field: i.translated(locale) for i in error.issues} or {
            error.field or "legal_name": error.detail(locale)
        }
        return _render_settings(request, session, form, errors, 422)
    return redirect_with_flash(request, SETTINGS_PATH, "billing-settings-saved")


@router.post("/billing/settings/channels/{channel_id}", response_model=None, dependencies=ISSUE)
async def save_channel_policy(request: Request, session: DbSession, channel_id: str) -> Response:
    form = {k: str(v).strip() for k, v in (await request.form()).items()}
    locale = request_locale(request)
    try:
        policy = ChannelPolicyIn.model_validate(
            {"issue_on": form.get("issue_on"), "series": form.get("series", "").upper() or "FA"}
        )
        service.set_channel_policy(session, uuid.UUID(channel_id), policy)
    except ValidationError as exc:
        return _render_settings(request, session, None, form_errors(exc, locale), 422)
    except ValueError:
        raise NotFound() from None
    except DomainError as error:
        session.rollback()
        return _render_settings(
            request, session, None, {error.field or "series": error.detail(locale)}, 422
        )
    return redirect_with_flash(request, SETTINGS_PATH, "billing-settings-saved")


# The "Invoices" section of the customer page registers itself.
from comptoir.billing.invoices import customer_panel  # noqa: E402, F401
