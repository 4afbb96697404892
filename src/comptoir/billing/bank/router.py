"""The bank in the admin API, ``/api/v1/billing/bank/...``: accounts, statement import,
lines, match proposals and the decisions on them. Reading needs ``billing:read``; importing,
reconciling and deciding need ``billing:post``."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Final

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile, status

from comptoir.billing.bank import schemas, service
from comptoir.billing.bank.errors import StatementRejected
from comptoir.kit.errors import PayloadTooLarge, problem_responses
from comptoir.kit.http.access import Principal, requires
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.pagination import Page, PageParams

router = APIRouter(prefix="/billing/bank", tags=["bank"])
READ = [requires("billing:read")]
Poster = Annotated[Principal, requires("billing:post")]
Paging = Annotated[PageParams, Depends()]
MAX_STATEMENT_BYTES: Final = 20 * 1024 * 1024


def _actor(principal: Principal) -> str:
    return principal.display_name or f"{principal.kind}:{principal.id}"


@router.get("/accounts", dependencies=READ, response_model=list[schemas.BankAccountOut])
def list_accounts(session: DbSession) -> list[schemas.BankAccountOut]:
    return [schemas.BankAccountOut.model_validate(a) for a in service.list_accounts(session)]


@router.post(
    "/accounts",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.BankAccountOut,
    responses=problem_responses(409),
)
def create_account(
    session: DbSession, _principal: Poster, body: schemas.BankAccountCreate
) -> schemas.BankAccountOut:
    """A bank account of the shop, booked on a 512 account in a bank journal (409
    ``bank-account-taken`` when the IBAN is already known)."""
    account = service.create_account(session, service.AccountData(**body.model_dump()))
    return schemas.BankAccountOut.model_validate(account)


@router.get(
    "/accounts/{account_id}/statements",
    dependencies=READ,
    response_model=list[schemas.StatementOut],
    responses=problem_responses(404),
)
def list_statements(session: DbSession, account_id: uuid.UUID) -> list[schemas.StatementOut]:
    service.get_account(session, account_id)
    return [schemas.StatementOut.of(s) for s in service.list_statements(session, account_id)]


@router.post(
    "/accounts/{account_id}/statements",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.ImportOut,
    responses=problem_responses(404, 409, 413),
)
def import_statement(
    session: DbSession,
    principal: Poster,
    account_id: uuid.UUID,
    file: Annotated[UploadFile, File(description="A camt.053, OFX or CSV statement.")],
    format: Annotated[
        str | None, Form(pattern="^(camt053|ofx|csv)$", description="Guessed when left out.")
    ] = None,
) -> schemas.ImportOut:
    """Import a statement file, then reconcile the account. A file with any bad line is
    refused whole (422 ``bank-statement-rejected``, each problem in ``errors`` with where it
    is: ``line 12 / Débit``, ``Stmt[1]/Ntry[3]/Amt``); a statement of another account is
    refused (422 ``bank-statement-wrong-account``); the same file again adds nothing
    (``is_new`` false)."""
    content = file.file.read(MAX_STATEMENT_BYTES + 1)
    if len(content) > MAX_STATEMENT_BYTES:
        raise PayloadTooLarge(_l("The file is larger than 20 MB."), field="file")
    outcome = service.import_statement(
        session,
        account_id,
        file_name=file.filename or "statement",
        content=content,
        file_format=format,
        actor=_actor(principal),
    )
    summary = outcome.reconciled or service.ReconcileSummary(0, 0, 0)
    return schemas.ImportOut(
        statement=schemas.StatementOut.of(outcome.statement),
        is_new=outcome.is_new,
        matched=summary.matched,
        suggested=summary.suggested,
        unmatched=summary.unmatched,
    )


@router.post(
    "/accounts/{account_id}/reconcile",
    response_model=schemas.ReconcileOut,
    responses=problem_responses(404),
)
def reconcile(session: DbSession, principal: Poster, account_id: uuid.UUID) -> schemas.ReconcileOut:
    """Match the account's open lines again (after new invoices or bills were recorded)."""
    summary = service.reconcile_account(session, account_id, actor=_actor(principal))
    return schemas.ReconcileOut(
        matched=summary.matched, suggested=summary.suggested, unmatched=summary.unmatched
    )


@router.get("/lines", dependencies=READ, response_model=Page[schemas.LineOut])
def list_lines(
    session: DbSession,
    paging: Paging,
    account_id: uuid.UUID | None = None,
    status: Annotated[list[schemas.LineStatus] | None, Query()] = None,
    date_from: date | None = None,
    date_to: date | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> Page[schemas.LineOut]:
    """Statement lines, newest first, with their matches and proposals."""
    page = service.list_lines(
        session,
        account_id=account_id,
        statuses=tuple(status or ()),
        date_from=date_from,
        date_to=date_to,
        search=q,
        limit=paging.limit,
        cursor=paging.cursor,
    )
    return page.map(schemas.LineOut.of)


@router.get(
    "/lines/{line_id}",
    dependencies=READ,
    response_model=schemas.LineOut,
    responses=problem_responses(404),
)
def get_line(session: DbSession, line_id: uuid.UUID) -> schemas.LineOut:
    return schemas.LineOut.of(service.get_line(session, line_id))


@router.get(
    "/lines/{line_id}/targets",
    dependencies=READ,
    response_model=list[schemas.TargetOut],
    responses=problem_responses(404),
)
def search_targets(
    session: DbSession, line_id: uuid.UUID, q: Annotated[str | None, Query(max_length=100)] = None
) -> list[schemas.TargetOut]:
    """What the line may be matched with by hand (open invoices, card payouts waiting,
    open bills, bank fees), closest amount first; ``q`` filters by number, name or amount."""
    line = service.get_line(session, line_id)
    return [
        schemas.TargetOut(
            target_type=o.target_type,
            target_key=o.target_key,
            label=o.label,
            detail=o.detail,
            amount=schemas.money(o.amount_minor, line.currency),
        )
        for o in service.search_targets(session, line_id, q)
    ]


@router.post(
    "/lines/{line_id}/match",
    response_model=schemas.LineOut,
    responses=problem_responses(404, 409),
)
def manual_match(
    session: DbSession, principal: Poster, line_id: uuid.UUID, body: schemas.ManualMatchIn
) -> schemas.LineOut:
    """Match a line by hand (422 ``bank-match-target-invalid`` when the target is not open
    or cannot take the line, 409 ``bank-match-target-taken`` when another line has it)."""
    line = service.manual_match(
        session,
        line_id,
        target_type=body.target_type,
        target_key=body.target_key,
        actor=_actor(principal),
    )
    return schemas.LineOut.of(line)


@router.post(
    "/lines/{line_id}/ignore",
    response_model=schemas.LineOut,
    responses=problem_responses(404, 409),
)
def ignore_line(
    session: DbSession, principal: Poster, line_id: uuid.UUID, body: schemas.IgnoreIn
) -> schemas.LineOut:
    """Leave the line out of the reconciliation (409 when it is already matched)."""
    line = service.ignore_line(session, line_id, note=body.note, actor=_actor(principal))
    return schemas.LineOut.of(line)


@router.post(
    "/lines/{line_id}/reopen",
    response_model=schemas.LineOut,
    responses=problem_responses(404, 409),
)
def reopen_line(session: DbSession, principal: Poster, line_id: uuid.UUID) -> schemas.LineOut:
    """Undo the match of a line matched by mistake, or put a set-aside line back (409
    ``bank-line-not-reconciled`` when it is still open). What the match booked is reversed
    in the ledger (the invoice or bill is owed again, card takings wait for their payout) and
    the match is kept as rejected, never proposed again for this line."""
    return schemas.LineOut.of(service.reopen_line(session, line_id, actor=_actor(principal)))


@router.post(
    "/matches/{match_id}/confirm",
    response_model=schemas.LineOut,
    responses=problem_responses(404, 409),
)
def confirm_match(session: DbSession, principal: Poster, match_id: uuid.UUID) -> schemas.LineOut:
    """Apply a proposal: the invoice is settled, the payout or fee posted, the bill paid,
    and the customer or supplier lines lettered."""
    return schemas.LineOut.of(service.confirm_match(session, match_id, actor=_actor(principal)))


@router.post(
    "/matches/{match_id}/reject",
    response_model=schemas.LineOut,
    responses=problem_responses(404, 409),
)
def reject_match(session: DbSession, principal: Poster, match_id: uuid.UUID) -> schemas.LineOut:
    """Refuse a proposal; it is never proposed again for this line."""
    return schemas.LineOut.of(service.reject_match(session, match_id, actor=_actor(principal)))


__all__ = ["StatementRejected", "router"]
