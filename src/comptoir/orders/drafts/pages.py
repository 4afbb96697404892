"""Back-office screens for draft orders and quotes: the list by status, a new draft for a
customer found by e-mail, phone, SIREN or VAT number, and a draft's page where staff add lines
by SKU, agree prices, set the delivery address, send the quote, record the answer and confirm
it into an order."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from comptoir.backoffice.nav import SECTION_SALES, NavItem, register
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
from comptoir.catalog import service as catalog
from comptoir.channels import service as channels
from comptoir.customers import service as customers
from comptoir.customers.schemas import CustomerFilters
from comptoir.kit.errors import DomainError, InvalidInput, NotFound
from comptoir.kit.http.access import Principal
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.i18n import LazyString, translate
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.money import Money, MoneyOut
from comptoir.orders.drafts import schemas, service
from comptoir.orders.drafts.confirm import confirm_draft
from comptoir.orders.drafts.models import DraftOrder
from comptoir.orders.drafts.views import customer_name, draft_out

DRAFTS_PATH: Final = "/admin/drafts"
READ = [require_scope("orders:read")]
WRITE = [require_scope("orders:write")]

STATUSES: Final[dict[str, LazyString]] = {
    "draft": _l("Draft"),
    "quote_sent": _l("Quote sent"),
    "accepted": _l("Accepted"),
    "declined": _l("Declined"),
    "expired": _l("Expired"),
    "confirmed": _l("Confirmed"),
}
PAYMENT_METHODS: Final[dict[str, LazyString]] = {
    "bank_transfer": _l("Bank transfer"),
    "manual": _l("Other means, confirmed by hand"),
}

router = APIRouter()
register_pages(router, templates=Path(__file__).parent / "templates")
register(
    NavItem(section=SECTION_SALES, label=_l("Drafts and quotes"), path=DRAFTS_PATH, order=11,
            scope="orders:read")
)  # fmt: skip
register_flash("draft-created", _l("The draft order was created."))
register_flash("draft-saved", _l("The draft order was saved."))
register_flash("quote-sent", _l("The quote was sent; its prices hold until its expiry date."))
register_flash("quote-accepted", _l("The customer's acceptance was recorded."))
register_flash("quote-declined", _l("The quote was marked declined."))
register_flash("draft-deleted", _l("The draft order was deleted."))
register_flash("draft-confirmed", _l("The order was placed; its stock is reserved."))


def _actor(request: Request) -> str | None:
    principal = getattr(request.state, "principal", None)
    if isinstance(principal, Principal):
        return principal.display_name or f"{principal.kind}:{principal.id}"
    return None


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound() from None


def _money(request: Request) -> Callable[[MoneyOut], str]:
    locale = request_locale(request)
    return lambda value: Money(Decimal(value.amount), value.currency).format(locale)


def _crumbs(*more: Crumb) -> list[Crumb]:
    return [Crumb(_l("Back office"), "/admin"), Crumb(_l("Drafts and quotes"), DRAFTS_PATH), *more]


async def _values(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: str(value).strip() for key, value in form.items() if key != "csrf_token"}


@router.get("/drafts", response_class=HTMLResponse, dependencies=READ)
def drafts_page(
    request: Request, session: DbSession, status: str | None = None, cursor: str | None = None
) -> HTMLResponse:
    chosen = status if status in STATUSES else None
    filters = schemas.DraftFilters(status=chosen)
    page = service.list_drafts(session, filters, limit=50, cursor=cursor)
    return render(
        request,
        "drafts/drafts.html",
        title=_l("Drafts and quotes"),
        breadcrumb=[Crumb(_l("Back office"), "/admin"), Crumb(_l("Drafts and quotes"))],
        primary_action=PrimaryAction(_l("New draft order"), f"{DRAFTS_PATH}/new"),
        drafts=page.items,
        names={d.id: customer_name(session, d) for d in page.items},
        next_cursor=page.next_cursor,
        chosen=chosen,
        statuses=STATUSES,
        money=lambda minor, currency: Money.from_minor(minor, currency).format(
            request_locale(request)
        ),
    )


def _render_new(
    request: Request, session: Session, *, q: str | None, values: dict[str, str],
    error: str | None = None, field: str | None = None, status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    found = []
    if q:
        found = list(
            customers.list_customers(session, CustomerFilters(q=q), limit=20, cursor=None).items
        )
    return render(
        request,
        "drafts/new.html",
        status_code=status_code,
        title=_l("New draft order"),
        breadcrumb=_crumbs(Crumb(_l("New"))),
        q=q or "",
        found=[(c.id, customers.display_name(c), c.email) for c in found],
        channels=channels.list_channels(session, active_only=True),
        payment_methods=PAYMENT_METHODS,
        values=values,
        error=error,
        field=field,
    )


@router.get("/drafts/new", response_class=HTMLResponse, dependencies=WRITE)
def new_draft_page(
    request: Request, session: DbSession, q: str | None = None, customer_id: str | None = None
) -> HTMLResponse:
    """Find the customer (exact e-mail or phone, SIREN, SIRET or VAT number), then choose
    the channel whose prices apply."""
    values = {"customer_id": customer_id} if customer_id else {}
    return _render_new(request, session, q=(q or "").strip()[:254] or None, values=values)


def _terms(raw: str) -> int | None:
    if not raw:
        return None
    if not raw.isdigit() or int(raw) > 120:
        raise InvalidInput(_l("Payment terms are 0 to 120 days."), field="payment_terms_days")
    return int(raw)


@router.post("/drafts", response_model=None, dependencies=WRITE)
async def create_draft(request: Request, session: DbSession) -> Response:
    values = await _values(request)
    try:
        data = schemas.DraftCreate(
            customer_id=_uuid_field(values.get("customer_id", ""), "customer_id"),
            channel_id=_uuid_field(values.get("channel_id", ""), "channel_id"),
            payment_method=values.get("payment_method") or "bank_transfer",
            payment_terms_days=_terms(values.get("payment_terms_days", "")),
            note=values.get("note") or None,
        )
        draft = service.create_draft(session, data, actor=_actor(request))
    except (DomainError, ValidationError) as error:
        session.rollback()
        message, field = _explain(request, error)
        return _render_new(
            request, session, q=values.get("q") or None, values=values, error=message,
            field=field, status_code=422,
        )  # fmt: skip
    return redirect_with_flash(request, f"{DRAFTS_PATH}/{draft.id}", "draft-created")


def _uuid_field(value: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidInput(_l("Choose one in the list."), field=field) from None


def _explain(request: Request, error: DomainError | ValidationError) -> tuple[str, str | None]:
    locale = request_locale(request)
    if isinstance(error, DomainError):
        return error.detail(locale), error.field
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"])
    return translate(_l("Check this field: {field}."), locale, field=field), field


def _render_draft(
    request: Request, session: Session, draft: DraftOrder, *, error: str | None = None,
    field: str | None = None, values: dict[str, str] | None = None, status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    out = draft_out(session, draft)
    title = translate(
        _l("Quote {number}") if draft.quote_number else _l("Draft order {number}"),
        request_locale(request),
        number=draft.quote_number or draft.number,
    )
    return render(
        request,
        "drafts/draft.html",
        status_code=status_code,
        title=title,
        breadcrumb=_crumbs(Crumb(draft.quote_number or draft.number)),
        draft=out,
        editable=draft.status == "draft",
        statuses=STATUSES,
        payment_methods=PAYMENT_METHODS,
        money=_money(request),
        values=values or {},
        error=error,
        field=field,
    )


@router.get("/drafts/{draft_id}", response_class=HTMLResponse, dependencies=READ)
def draft_page(request: Request, session: DbSession, draft_id: str) -> HTMLResponse:
    return _render_draft(request, session, service.get_draft(session, _uuid(draft_id)))


async def _act(
    request: Request, session: Session, draft_id: str, action: Callable[[DraftOrder,
    dict[str, str]], str],
) -> Response:  # fmt: skip
    """Run ``action`` on the draft with the form's values; it returns the flash code. A
    refusal rolls everything back and shows the page again with the message and the values
    typed."""
    values = await _values(request)
    draft = service.get_draft(session, _uuid(draft_id))
    try:
        flash = action(draft, values)
    except (DomainError, ValidationError) as error:
        session.rollback()
        message, field = _explain(request, error)
        status = error.status if isinstance(error, DomainError) else 422
        return _render_draft(
            request, session, service.get_draft(session, draft.id), error=message, field=field,
            values=values, status_code=status,
        )  # fmt: skip
    if flash == "draft-deleted":
        return redirect_with_flash(request, DRAFTS_PATH, flash)
    if flash == "draft-confirmed":
        session.refresh(draft)
        return redirect_with_flash(request, f"/admin/orders/{draft.order_id}", flash)
    return redirect_with_flash(request, f"{DRAFTS_PATH}/{draft.id}", flash)


def _int(raw: str, field: str) -> int:
    if not raw.isdigit():
        raise InvalidInput(_l("Type a whole number."), field=field)
    return int(raw)


def _price(raw: str, currency: str, field: str) -> int | None:
    """A price typed in the currency's units (``12,50``) as minor units; empty: none."""
    if not raw:
        return None
    try:
        amount = Money(Decimal(raw.replace(",", ".").replace(" ", "")), currency)
    except (ArithmeticError, ValueError, DomainError):
        raise InvalidInput(_l("Type a price such as 12.50."), field=field) from None
    if amount.amount < 0:
        raise InvalidInput(_l("A price cannot be negative."), field=field)
    return amount.round().minor_units


@router.post("/drafts/{draft_id}/lines", response_model=None, dependencies=WRITE)
async def save_lines(request: Request, session: DbSession, draft_id: str) -> Response:
    """Every line's quantity (0 removes it), agreed price and reason, plus a new line by SKU
    (``sku``, ``quantity``)."""

    def save(draft: DraftOrder, values: dict[str, str]) -> str:
        lines = []
        for n, line in enumerate(draft.lines):
            quantity = _int(values.get(f"quantity-{line.id}", ""), f"lines.{n}.quantity")
            if quantity == 0:
                continue
            lines.append(
                schemas.DraftLineIn(
                    variant_id=line.variant_id,
                    quantity=quantity,
                    agreed_price_minor=_price(
                        values.get(f"price-{line.id}", ""), draft.currency, f"lines.{n}.price"
                    ),
                    price_reason=values.get(f"reason-{line.id}") or None,
                )
            )
        sku = values.get("sku", "")
        if sku:
            found = catalog.find_variant_by_sku(session, sku)
            if found is None:
                raise InvalidInput(_l("No variant has this SKU."), field="sku")
            lines.append(
                schemas.DraftLineIn(
                    variant_id=found.id, quantity=_int(values.get("quantity") or "1", "quantity")
                )
            )
        service.set_lines(session, draft.id, lines)
        return "draft-saved"

    return await _act(request, session, draft_id, save)


def _address(values: dict[str, str]) -> dict[str, Any] | None:
    fields = ("name", "company", "line1", "line2", "postal_code", "city", "country")
    typed = {name: values.get(f"shipping-{name}", "") for name in fields}
    if not any(typed.values()):
        return None
    return {name: value or None for name, value in typed.items()}


@router.post("/drafts/{draft_id}/details", response_model=None, dependencies=WRITE)
async def save_details(request: Request, session: DbSession, draft_id: str) -> Response:
    def save(draft: DraftOrder, values: dict[str, str]) -> str:
        changes = schemas.DraftUpdate.model_validate(
            {
                "shipping_address": _address(values),
                "delivery_method": values.get("delivery_method") or "shipping",
                "vat_number": values.get("vat_number") or None,
                "payment_method": values.get("payment_method") or "bank_transfer",
                "payment_terms_days": _terms(values.get("payment_terms_days", "")),
                "note": values.get("note") or None,
            }
        ).model_dump(exclude_unset=True)
        service.update_draft(session, draft.id, changes)
        return "draft-saved"

    return await _act(request, session, draft_id, save)


@router.post("/drafts/{draft_id}/send", response_model=None, dependencies=WRITE)
async def send(request: Request, session: DbSession, draft_id: str) -> Response:
    def act(draft: DraftOrder, values: dict[str, str]) -> str:
        days = _int(values.get("valid_days") or "30", "valid_days")
        service.send_quote(session, draft.id, valid_days=days, actor=_actor(request))
        return "quote-sent"

    return await _act(request, session, draft_id, act)


@router.post("/drafts/{draft_id}/accept", response_model=None, dependencies=WRITE)
async def accept(request: Request, session: DbSession, draft_id: str) -> Response:
    def act(draft: DraftOrder, values: dict[str, str]) -> str:
        service.accept_quote(session, draft.id)
        return "quote-accepted"

    return await _act(request, session, draft_id, act)


@router.post("/drafts/{draft_id}/decline", response_model=None, dependencies=WRITE)
async def decline(request: Request, session: DbSession, draft_id: str) -> Response:
    def act(draft: DraftOrder, values: dict[str, str]) -> str:
        service.decline_quote(session, draft.id, reason=values.get("reason") or None)
        return "quote-declined"

    return await _act(request, session, draft_id, act)


@router.post("/drafts/{draft_id}/confirm", response_model=None, dependencies=WRITE)
async def confirm(request: Request, session: DbSession, draft_id: str) -> Response:
    production = request.app.state.settings.environment == "production"

    def act(draft: DraftOrder, values: dict[str, str]) -> str:
        confirm_draft(session, draft.id, production=production, actor=_actor(request))
        return "draft-confirmed"

    return await _act(request, session, draft_id, act)


@router.post("/drafts/{draft_id}/delete", response_model=None, dependencies=WRITE)
async def delete(request: Request, session: DbSession, draft_id: str) -> Response:
    def act(draft: DraftOrder, values: dict[str, str]) -> str:
        service.delete_draft(session, draft.id)
        return "draft-deleted"

    return await _act(request, session, draft_id, act)
