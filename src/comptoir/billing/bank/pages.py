"""Back-office screens of the bank: the accounts, the statement import (with a progress
indication while the file is read and matched), and the reconciliation screen (open lines
with their best candidates, confidence and reasons; confirm, reject, match by hand,
ignore)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Final

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

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
from comptoir.billing.bank import service
from comptoir.billing.bank.models import BankAccount, BankLine, BankMatch
from comptoir.kit.errors import DomainError
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.i18n import LazyString, translate
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.money import Money

BANK_PATH: Final = "/admin/billing/bank"
READ = [require_scope("billing:read")]
POST = [require_scope("billing:post")]
MAX_UPLOAD_BYTES: Final = 20 * 1024 * 1024

STATUSES: Final[dict[str, LazyString]] = {
    "unmatched": _l("Unmatched"),
    "suggested": _l("To check"),
    "matched": _l("Reconciled"),
    "ignored": _l("Ignored"),
}
TARGETS: Final[dict[str, LazyString]] = {
    "invoice": _l("Invoice"),
    "card_payout": _l("Card payout"),
    "bill": _l("Supplier bill"),
    "bank_fee": _l("Bank fees"),
}
REASONS: Final[dict[str, LazyString]] = {
    "invoice_number": _l("Invoice number {detail} in the reference"),
    "invoice_numbers": _l("Invoice numbers {detail} in the reference"),
    "invoice_number_close": _l("A number close to {detail} (typing slip)"),
    "order_number": _l("Order number {detail} in the reference"),
    "order_number_close": _l("A number close to the order {detail}"),
    "bill_number": _l("Bill number {detail} in the reference"),
    "bill_number_close": _l("A number close to the bill {detail}"),
    "amount": _l("Same amount as what remains due"),
    "amount_part": _l("Pays part of what remains due"),
    "amount_sum": _l("Same amount as the invoices together"),
    "name": _l("Counterpart named {detail}"),
    "name_similar": _l("Counterpart's name close to {detail}"),
    "known_iban": _l("Account already used by this customer or supplier"),
    "date": _l("Date near the due date"),
    "paid_before_issue": _l("Paid before the invoice was issued"),
    "payout_net": _l("Card takings less {detail} of fees"),
    "payout_fee": _l("Exactly the usual card fees"),
    "payout_wording": _l("Wording of a card payout"),
    "payout_days": _l("{detail} days after the sales"),
    "payout_sales_day": _l("The wording names the day of the sales ({detail})"),
    "bank_fee_wording": _l("Bank wording “{detail}”"),
    "manual": _l("Matched by hand"),
}

router = APIRouter()
register_pages(router, templates=Path(__file__).parent / "templates")
register(
    NavItem(
        section=SECTION_FINANCE, label=_l("Bank"), path=BANK_PATH, order=30, scope="billing:read"
    )
)
register_flash("bank-account-created", _l("The bank account was added."))
register_flash("bank-match-confirmed", _l("The line was reconciled."))
register_flash("bank-match-rejected", _l("The proposal was rejected."))
register_flash("bank-line-ignored", _l("The line was set aside."))
register_flash("bank-line-reopened", _l("The line is back with the lines to reconcile."))


def _crumbs(*more: Crumb) -> list[Crumb]:
    return [Crumb(_l("Back office"), "/admin"), Crumb(_l("Bank"), BANK_PATH), *more]


def _money(request: Request) -> Callable[[int, str], str]:
    locale = request_locale(request)

    def show(minor: int, currency: str) -> str:
        return Money.from_minor(minor, currency).format(locale)

    return show


def _reason_text(request: Request) -> Callable[[dict[str, object]], str]:
    locale = request_locale(request)

    def show(reason: dict[str, object]) -> str:
        template = REASONS.get(str(reason.get("code")))
        if template is None:
            return str(reason.get("code"))
        return translate(template, locale, detail=str(reason.get("detail", "")))

    return show


@router.get("/billing/bank", response_class=HTMLResponse, dependencies=READ)
def accounts_page(request: Request, session: DbSession) -> HTMLResponse:
    """The bank accounts, each with its lines to reconcile and its statements."""
    accounts = service.list_accounts(session)
    return _accounts(request, session, accounts=accounts)


def _accounts(
    request: Request,
    session: DbSession,
    *,
    accounts: list[BankAccount],
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    counts = {a.id: service.counts_by_status(session, a.id) for a in accounts}
    return render(
        request,
        "billing/bank/accounts.html",
        status_code=status_code,
        title=_l("Bank"),
        breadcrumb=[Crumb(_l("Back office"), "/admin"), Crumb(_l("Bank"))],
        primary_action=PrimaryAction(_l("Reconcile"), f"{BANK_PATH}/reconcile")
        if accounts
        else None,
        accounts=accounts,
        counts=counts,
        errors=errors or {},
        values=values or {},
    )


@router.post("/billing/bank/accounts", response_model=None, dependencies=POST)
async def create_account(request: Request, session: DbSession) -> Response:
    """Add a bank account; a wrong field is shown next to it and nothing is saved."""
    form = {k: str(v).strip() for k, v in (await request.form()).items() if k != "csrf_token"}
    locale = request_locale(request)
    errors: dict[str, str] = {}
    if not form.get("label"):
        errors["label"] = translate(_l("Give the account a name."), locale)
    if len((form.get("iban") or "").replace(" ", "")) < 14:
        errors["iban"] = translate(_l("Enter the account's IBAN."), locale)
    ledger_account = form.get("ledger_account") or "512000"
    if not (ledger_account.startswith("512") and ledger_account.isdigit()):
        errors["ledger_account"] = translate(
            _l("A bank account is booked on a 512 account."), locale
        )
    if not errors:
        try:
            with session.begin_nested():
                service.create_account(
                    session,
                    service.AccountData(
                        label=form["label"],
                        iban=form["iban"],
                        bic=form.get("bic") or None,
                        ledger_account=ledger_account,
                    ),
                )
        except DomainError as error:
            errors[error.field or "iban"] = error.detail(locale)
        else:
            return redirect_with_flash(request, BANK_PATH, "bank-account-created")
    return _accounts(
        request,
        session,
        accounts=list(service.list_accounts(session)),
        errors=errors,
        values=form,
        status_code=422,
    )


@router.get("/billing/bank/import", response_class=HTMLResponse, dependencies=POST)
def import_page(request: Request, session: DbSession) -> HTMLResponse:
    """Upload a statement file (camt.053, OFX, CSV) into an account."""
    return _import(request, session)


def _import(
    request: Request,
    session: DbSession,
    *,
    outcome: service.ImportOutcome | None = None,
    problems: list[tuple[str, str]] | None = None,
    message: str | None = None,
    chosen: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    template = "billing/bank/import.html"
    if request.headers.get("HX-Request"):
        template = "billing/bank/_import_result.html"
    return render(
        request,
        template,
        status_code=status_code,
        title=_l("Import a bank statement"),
        breadcrumb=_crumbs(Crumb(_l("Import a bank statement"))),
        accounts=service.list_accounts(session),
        outcome=outcome,
        problems=problems or [],
        message=message,
        chosen=chosen,
    )


@router.post("/billing/bank/import", response_class=HTMLResponse, dependencies=POST)
async def import_file(
    request: Request,
    session: DbSession,
    file: Annotated[UploadFile, File()],
    account_id: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Import the file and match its lines; a refused file lists every problem and nothing
    is imported."""
    locale = request_locale(request)
    content = await file.read(MAX_UPLOAD_BYTES + 1)
    principal = getattr(request.state, "principal", None)
    actor = getattr(principal, "display_name", None)
    try:
        if len(content) > MAX_UPLOAD_BYTES:
            return _import(
                request,
                session,
                message=translate(_l("The file is larger than 20 MB."), locale),
                chosen=account_id,
                status_code=422,
            )
        with session.begin_nested():
            outcome = service.import_statement(
                session,
                uuid.UUID(account_id),
                file_name=file.filename or "statement",
                content=content,
                actor=actor,
            )
    except ValueError:
        message = translate(_l("Choose the account the statement belongs to."), locale)
        return _import(request, session, message=message, status_code=422)
    except DomainError as error:
        problems = [(issue.field, issue.translated(locale)) for issue in error.issues]
        return _import(
            request,
            session,
            message=error.detail(locale),
            problems=problems,
            chosen=account_id,
            status_code=422,
        )
    return _import(request, session, outcome=outcome, chosen=account_id)


@router.get("/billing/bank/reconcile", response_class=HTMLResponse, dependencies=READ)
def reconcile_page(
    request: Request,
    session: DbSession,
    account_id: uuid.UUID | None = None,
    status: str | None = None,
    cursor: str | None = None,
) -> HTMLResponse:
    """The lines to reconcile (to check first, then unmatched) with their best proposals."""
    chosen = status if status in STATUSES else None
    statuses = (chosen,) if chosen else ("suggested", "unmatched")
    page = service.list_lines(
        session, account_id=account_id, statuses=statuses, limit=50, cursor=cursor
    )
    return render(
        request,
        "billing/bank/reconcile.html",
        title=_l("Bank reconciliation"),
        breadcrumb=_crumbs(Crumb(_l("Reconciliation"))),
        primary_action=PrimaryAction(_l("Import a statement"), f"{BANK_PATH}/import"),
        lines=page.items,
        next_cursor=page.next_cursor,
        account_id=account_id,
        chosen=chosen,
        statuses=STATUSES,
        targets=TARGETS,
        counts=service.counts_by_status(session, account_id),
        money=_money(request),
        reason=_reason_text(request),
    )


@router.get("/billing/bank/lines/{line_id}", response_class=HTMLResponse, dependencies=READ)
def line_page(
    request: Request, session: DbSession, line_id: uuid.UUID, q: str | None = None
) -> HTMLResponse:
    """One line: its proposals, and a search of what else it may pay."""
    line = _line_or_404(session, line_id)
    options = (
        service.search_targets(session, line.id, q)
        if line.status in ("unmatched", "suggested")
        else []
    )
    return render(
        request,
        "billing/bank/line.html",
        title=_l("Bank line of {date}", date=line.booking_date.strftime("%d/%m/%Y")),
        breadcrumb=_crumbs(
            Crumb(_l("Reconciliation"), f"{BANK_PATH}/reconcile"), Crumb(_l("Line"))
        ),
        line=line,
        matches=service.line_matches(session, line.id),
        options=options,
        query=q or "",
        statuses=STATUSES,
        targets=TARGETS,
        money=_money(request),
        reason=_reason_text(request),
        error=None,
    )


def _actor(request: Request) -> str | None:
    """The name of the staff member deciding, for the match's record."""
    return getattr(getattr(request.state, "principal", None), "display_name", None)


def _line_or_404(session: DbSession, line_id: uuid.UUID) -> BankLine:
    return service.get_line(session, line_id)


def _after_decision(request: Request, line: BankLine, code: str) -> Response:
    return redirect_with_flash(request, f"{BANK_PATH}/reconcile", code)


def _decision_failed(
    request: Request, session: DbSession, line_id: uuid.UUID, error: DomainError
) -> HTMLResponse:
    line = _line_or_404(session, line_id)
    locale = request_locale(request)
    return render(
        request,
        "billing/bank/line.html",
        status_code=error.status,
        title=_l("Bank line of {date}", date=line.booking_date.strftime("%d/%m/%Y")),
        breadcrumb=_crumbs(
            Crumb(_l("Reconciliation"), f"{BANK_PATH}/reconcile"), Crumb(_l("Line"))
        ),
        line=line,
        matches=service.line_matches(session, line.id),
        options=[],
        query="",
        statuses=STATUSES,
        targets=TARGETS,
        money=_money(request),
        reason=_reason_text(request),
        error=error.detail(locale),
    )


@router.post("/billing/bank/matches/{match_id}/confirm", response_model=None, dependencies=POST)
def confirm_match(request: Request, session: DbSession, match_id: uuid.UUID) -> Response:
    actor = _actor(request)
    try:
        with session.begin_nested():
            line = service.confirm_match(session, match_id, actor=actor)
    except DomainError as error:
        return _failed_on_match(request, session, match_id, error)
    return _after_decision(request, line, "bank-match-confirmed")


@router.post("/billing/bank/matches/{match_id}/reject", response_model=None, dependencies=POST)
def reject_match(request: Request, session: DbSession, match_id: uuid.UUID) -> Response:
    actor = _actor(request)
    try:
        with session.begin_nested():
            line = service.reject_match(session, match_id, actor=actor)
    except DomainError as error:
        return _failed_on_match(request, session, match_id, error)
    return _after_decision(request, line, "bank-match-rejected")


def _failed_on_match(
    request: Request, session: DbSession, match_id: uuid.UUID, error: DomainError
) -> Response:
    found = session.get(BankMatch, match_id)
    if found is None:
        raise error
    return _decision_failed(request, session, found.line_id, error)


@router.post("/billing/bank/lines/{line_id}/match", response_model=None, dependencies=POST)
def manual_match(
    request: Request,
    session: DbSession,
    line_id: uuid.UUID,
    target: Annotated[str, Form()],
) -> Response:
    """Match by hand: ``target`` is ``type:key`` from the search results."""
    actor = _actor(request)
    target_type, _, target_key = target.partition(":")
    try:
        with session.begin_nested():
            line = service.manual_match(
                session, line_id, target_type=target_type, target_key=target_key, actor=actor
            )
    except DomainError as error:
        return _decision_failed(request, session, line_id, error)
    return _after_decision(request, line, "bank-match-confirmed")


@router.post("/billing/bank/lines/{line_id}/ignore", response_model=None, dependencies=POST)
def ignore_line(
    request: Request,
    session: DbSession,
    line_id: uuid.UUID,
    note: Annotated[str, Form()] = "",
) -> Response:
    actor = _actor(request)
    try:
        with session.begin_nested():
            line = service.ignore_line(session, line_id, note=note, actor=actor)
    except DomainError as error:
        return _decision_failed(request, session, line_id, error)
    return _after_decision(request, line, "bank-line-ignored")


@router.post("/billing/bank/lines/{line_id}/reopen", response_model=None, dependencies=POST)
def reopen_line(request: Request, session: DbSession, line_id: uuid.UUID) -> Response:
    """Undo a match made by mistake (or put a set-aside line back)."""
    actor = _actor(request)
    try:
        with session.begin_nested():
            line = service.reopen_line(session, line_id, actor=actor)
    except DomainError as error:
        return _decision_failed(request, session, line_id, error)
    return _after_decision(request, line, "bank-line-reopened")
