"""Back-office screens of the ledger: chart of accounts, entries (list, detail, manual OD
entry, reversal), the general ledger of an account, lock date and year-end closing; and the
reports (trial balance, sub-ledgers, aged receivables, VAT summary with the CA3 boxes), each
downloadable as CSV."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Final

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
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
from comptoir.billing.ledger import reports, service
from comptoir.billing.ledger.distance_sales import distance_sales
from comptoir.billing.ledger.errors import LedgerError
from comptoir.billing.ledger.periods import Period
from comptoir.billing.ledger.reports_views import (
    aged_chart,
    csv_response,
    report_rows,
)
from comptoir.kit import clock
from comptoir.kit.errors import DomainError, NotFound
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.i18n import translate
from comptoir.kit.money import Money

LEDGER_PATH: Final = "/admin/billing/ledger"
REPORTS_PATH: Final = "/admin/billing/reports"
READ = [require_scope("billing:read")]
POST = [require_scope("billing:post")]
MANUAL_ROWS: Final = 6

router = APIRouter()
register_pages(router, templates=Path(__file__).parent / "templates")
register(
    NavItem(
        section=SECTION_FINANCE,
        label=_l("Ledger"),
        path=LEDGER_PATH,
        order=40,
        scope="billing:read",
    )
)
register(
    NavItem(
        section=SECTION_FINANCE,
        label=_l("Reports"),
        path=REPORTS_PATH,
        order=50,
        scope="billing:read",
    )
)
register_flash("ledger-entry-posted", _l("The entry was posted."))
register_flash("ledger-entry-reversed", _l("The reversing entry was posted."))
register_flash("ledger-locked", _l("The lock date was moved."))
register_flash("ledger-year-closed", _l("The fiscal year was closed and the next one opened."))


def _money(request: Request) -> Callable[[int | None], str]:
    locale = request_locale(request)

    def show(minor: int | None) -> str:
        if minor is None:
            return ""
        return Money(Decimal(minor).scaleb(-2), "EUR").format(locale)

    return show


def _crumbs(*more: Crumb) -> list[Crumb]:
    return [Crumb(_l("Back office"), "/admin"), *more]


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _period(
    session: Session, date_from: str | None, date_to: str | None, year: str | None
) -> Period:
    start, end = _date(date_from), _date(date_to)
    if start and end:
        return reports.period(session, start, end)
    chosen = int(year) if year and year.isdigit() else clock.now().year
    return reports.year_period(session, chosen)


@router.get("/billing/ledger", response_class=HTMLResponse, dependencies=READ)
def chart_page(request: Request, session: DbSession) -> HTMLResponse:
    """The chart of accounts and the journals."""
    return render(
        request,
        "ledger/chart.html",
        title=_l("Chart of accounts"),
        breadcrumb=_crumbs(Crumb(_l("Ledger"))),
        primary_action=PrimaryAction(_l("New entry"), f"{LEDGER_PATH}/entries/new"),
        accounts=service.accounts(session),
        journals=service.journals(session),
        lock_date=service.lock_date(session),
        years=service.fiscal_years(session),
    )


@router.get("/billing/ledger/entries", response_class=HTMLResponse, dependencies=READ)
def entries_page(
    request: Request,
    session: DbSession,
    journal: str = "",
    account: str = "",
    date_from: str = "",
    date_to: str = "",
    cursor: str | None = None,
) -> HTMLResponse:
    """Journal entries, newest first, filtered by journal, account and dates."""
    page = service.list_entries(
        session,
        journal=journal or None,
        account=account or None,
        date_from=_date(date_from),
        date_to=_date(date_to),
        limit=50,
        cursor=cursor,
    )
    return render(
        request,
        "ledger/entries.html",
        title=_l("Journal entries"),
        breadcrumb=_crumbs(Crumb(_l("Ledger"), LEDGER_PATH), Crumb(_l("Journal entries"))),
        primary_action=PrimaryAction(_l("New entry"), f"{LEDGER_PATH}/entries/new"),
        entries=page.items,
        next_cursor=page.next_cursor,
        money=_money(request),
        journals=service.journals(session),
        filters={
            "journal": journal,
            "account": account,
            "date_from": date_from,
            "date_to": date_to,
        },
    )


@router.get("/billing/ledger/entries/new", response_class=HTMLResponse, dependencies=POST)
def new_entry_page(request: Request, session: DbSession) -> HTMLResponse:
    return _render_new(request, session, {}, {"entry_date": clock.now().date().isoformat()})


def _render_new(
    request: Request,
    session: Session,
    errors: dict[str, str],
    values: dict[str, str],
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "ledger/entry_new.html",
        status_code=status_code,
        title=_l("New miscellaneous entry"),
        breadcrumb=_crumbs(Crumb(_l("Ledger"), LEDGER_PATH), Crumb(_l("New entry"))),
        errors=errors,
        values=values,
        rows=range(MANUAL_ROWS),
        accounts=service.accounts(session, active_only=True),
    )


def _minor(text: str) -> int | None:
    cleaned = text.replace("\u202f", "").replace(" ", "").replace(",", ".")
    if not cleaned:
        return 0
    try:
        value = Decimal(cleaned).scaleb(2)
    except InvalidOperation:
        return None
    return int(value) if value == value.to_integral_value() and value >= 0 else None


@router.post("/billing/ledger/entries/new", response_class=HTMLResponse, dependencies=POST)
async def post_entry_page(request: Request, session: DbSession) -> Response:
    """Post the typed OD entry; on a refusal the form comes back with the values kept and
    the field at fault named."""
    form = await request.form()
    values = {key: str(value) for key, value in form.items()}
    locale = request_locale(request)
    errors: dict[str, str] = {}
    lines: list[service.LineSpec] = []
    for row in range(MANUAL_ROWS):
        account = values.get(f"account_{row}", "").strip()
        debit, credit = (
            _minor(values.get(f"debit_{row}", "")),
            _minor(values.get(f"credit_{row}", "")),
        )
        if not account:
            continue
        if debit is None or credit is None:
            errors[f"debit_{row}"] = translate(_l("Type an amount such as 12.50."), locale)
            continue
        lines.append(
            service.LineSpec(
                account=account,
                debit_minor=debit,
                credit_minor=credit,
                auxiliary=values.get(f"auxiliary_{row}", "").strip() or None,
                label=values.get(f"label_{row}", "").strip(),
            )
        )
    entry_date = _date(values.get("entry_date"))
    if entry_date is None:
        errors["entry_date"] = translate(_l("Type a date."), locale)
    if not errors and entry_date is not None:
        try:
            entry = service.post_entry(
                session,
                journal="OD",
                entry_date=entry_date,
                label=values.get("label", "").strip(),
                piece_ref=values.get("piece_ref", "").strip() or "OD",
                lines=lines,
                actor=_actor(request),
            )
        except DomainError as error:
            errors[_form_field(error.field)] = error.detail(locale)
        else:
            return redirect_with_flash(
                request, f"{LEDGER_PATH}/entries/{entry.id}", "ledger-entry-posted"
            )
    session.rollback()
    return _render_new(request, session, errors, values, status_code=422)


def _form_field(field: str | None) -> str:
    """``lines.2.account`` → ``account_2``: the form input of a service field."""
    parts = (field or "lines").split(".")
    if len(parts) == 3 and parts[0] == "lines":
        name = "debit" if parts[2].endswith("_minor") else parts[2]
        return f"{name}_{parts[1]}"
    return "account_0" if parts[0] == "lines" else parts[0]


def _actor(request: Request) -> str | None:
    principal = getattr(request.state, "principal", None)
    return str(getattr(principal, "id", "")) or None


@router.get("/billing/ledger/entries/{entry_id}", response_class=HTMLResponse, dependencies=READ)
def entry_page(request: Request, session: DbSession, entry_id: str) -> HTMLResponse:
    try:
        entry = service.get_entry(session, uuid.UUID(entry_id))
    except ValueError:
        raise NotFound() from None
    return render(
        request,
        "ledger/entry.html",
        title=_l("Entry {journal}-{number}", journal=entry.journal_code, number=entry.number),
        breadcrumb=_crumbs(
            Crumb(_l("Ledger"), LEDGER_PATH),
            Crumb(_l("Journal entries"), f"{LEDGER_PATH}/entries"),
            Crumb(f"{entry.journal_code}-{entry.number}"),
        ),
        entry=entry,
        money=_money(request),
        reversal=service.find_by_source(session, "ledger_entry", entry.id, "reversal"),
    )


@router.post("/billing/ledger/entries/{entry_id}/reverse", dependencies=POST)
def reverse_page(request: Request, session: DbSession, entry_id: str) -> Response:
    try:
        reversal = service.reverse_entry(session, uuid.UUID(entry_id), actor=_actor(request))
    except ValueError:
        raise NotFound() from None
    return redirect_with_flash(
        request, f"{LEDGER_PATH}/entries/{reversal.id}", "ledger-entry-reversed"
    )


@router.get("/billing/ledger/accounts/{number}", response_class=HTMLResponse, dependencies=READ)
def account_page(
    request: Request,
    session: DbSession,
    number: str,
    date_from: str = "",
    date_to: str = "",
    year: str = "",
    format: str = "",
) -> Response:
    """The general ledger of one account: its lines with a running balance."""
    account = service.get_account(session, number)
    when = _period(session, date_from, date_to, year)
    views = reports.general_ledger(session, when, account=number)
    if format == "csv":
        return csv_response(f"general-ledger-{number}.csv", *report_rows("ledger", views))
    return render(
        request,
        "ledger/account.html",
        title=f"{account.number} {account.label}",
        breadcrumb=_crumbs(Crumb(_l("Ledger"), LEDGER_PATH), Crumb(account.number)),
        account=account,
        view=views[0] if views else None,
        period=when,
        money=_money(request),
    )


@router.get("/billing/ledger/closing", response_class=HTMLResponse, dependencies=POST)
def closing_page(request: Request, session: DbSession) -> HTMLResponse:
    return _render_closing(request, session, {})


def _render_closing(
    request: Request, session: Session, errors: dict[str, str], status_code: int = 200
) -> HTMLResponse:
    return render(
        request,
        "ledger/closing.html",
        status_code=status_code,
        title=_l("Lock date and year-end closing"),
        breadcrumb=_crumbs(Crumb(_l("Ledger"), LEDGER_PATH), Crumb(_l("Closing"))),
        errors=errors,
        lock_date=service.lock_date(session),
        years=service.fiscal_years(session),
    )


@router.post("/billing/ledger/lock", response_class=HTMLResponse, dependencies=POST)
def lock_page(
    request: Request, session: DbSession, lock_date: Annotated[str, Form()] = ""
) -> Response:
    on = _date(lock_date)
    locale = request_locale(request)
    try:
        if on is None:
            raise LedgerError(field="lock_date")
        service.set_lock_date(session, on, actor=_actor(request))
    except DomainError as error:
        session.rollback()
        return _render_closing(request, session, {"lock_date": error.detail(locale)}, 422)
    return redirect_with_flash(request, f"{LEDGER_PATH}/closing", "ledger-locked")


@router.post("/billing/ledger/close-year", response_class=HTMLResponse, dependencies=POST)
def close_year_page(
    request: Request, session: DbSession, year: Annotated[str, Form()] = ""
) -> Response:
    locale = request_locale(request)
    try:
        service.close_year(session, int(year) if year.isdigit() else 0, actor=_actor(request))
    except DomainError as error:
        session.rollback()
        return _render_closing(request, session, {"year": error.detail(locale)}, 422)
    return redirect_with_flash(request, f"{LEDGER_PATH}/closing", "ledger-year-closed")


@router.get("/billing/reports", response_class=HTMLResponse, dependencies=READ)
def reports_page(
    request: Request,
    session: DbSession,
    report: str = "trial-balance",
    date_from: str = "",
    date_to: str = "",
    year: str = "",
    party: str = "customers",
    as_of: str = "",
    format: str = "",
) -> Response:
    """One report over a period: trial balance, customer or supplier sub-ledger, aged
    receivables or VAT summary; ``format=csv`` downloads it."""
    locale = request_locale(request)
    try:
        when = _period(session, date_from, date_to, year)
    except DomainError as error:
        when = reports.year_period(session, clock.now().year)
        problem: str | None = error.detail(locale)
    else:
        problem = None
    on = _date(as_of) or min(when.end, clock.now().date())
    data: Sequence[object] | object
    if report == "sub-ledger":
        data = reports.sub_ledger(
            session, when, control="401000" if party == "suppliers" else "411000"
        )
    elif report == "aged-receivables":
        data = reports.aged_receivables(session, as_of=on)
    elif report == "vat":
        data = reports.vat_summary(session, when)
    else:
        report, data = "trial-balance", reports.trial_balance(session, when)
    if format == "csv":
        return csv_response(f"{report}.csv", *report_rows(report, data))
    return render(
        request,
        "ledger/reports.html",
        title=_l("Reports"),
        breadcrumb=_crumbs(Crumb(_l("Reports"))),
        report=report,
        data=data,
        period=when,
        party=party,
        as_of=on,
        problem=problem,
        money=_money(request),
        chart=aged_chart(data, _money(request)) if report == "aged-receivables" else None,
        distance=distance_sales(session, when.end) if report == "vat" else None,
        query=str(request.url.query),
    )
