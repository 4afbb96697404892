"""The ledger's admin API, ``/api/v1/billing/ledger/...`` (scopes ``billing:read`` and
``billing:post``)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, status

from comptoir.billing.ledger import reports, schemas, service
from comptoir.billing.ledger.distance_sales import distance_sales
from comptoir.billing.ledger.errors import LedgerError
from comptoir.billing.ledger.periods import Period
from comptoir.kit import clock
from comptoir.kit.errors import problem_responses
from comptoir.kit.http.access import requires
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.pagination import Page, PageParams

router = APIRouter(prefix="/billing/ledger", tags=["ledger"])
READ = [requires("billing:read")]
POST = [requires("billing:post")]
Paging = Annotated[PageParams, Depends()]
MANUAL = "manual"


def _period(
    session: DbSession, date_from: date | None, date_to: date | None, year: int | None
) -> Period:
    if date_from and date_to:
        return reports.period(session, date_from, date_to)
    return reports.year_period(session, year or clock.now().year)


PeriodQuery = tuple[date | None, date | None, int | None]


def _period_query(
    date_from: date | None = None,
    date_to: date | None = None,
    year: Annotated[int | None, Query(ge=2000, le=2999)] = None,
) -> PeriodQuery:
    return date_from, date_to, year


PeriodParams = Annotated[PeriodQuery, Depends(_period_query)]


@router.get("/accounts", dependencies=READ, response_model=list[schemas.Account])
def list_accounts(session: DbSession) -> list[schemas.Account]:
    """The chart of accounts, by number."""
    return [schemas.Account.model_validate(a) for a in service.accounts(session)]


@router.post(
    "/accounts",
    dependencies=POST,
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.Account,
    responses=problem_responses(409),
)
def create_account(session: DbSession, body: schemas.AccountCreate) -> schemas.Account:
    """Open a general account (422 ``ledger-account-invalid``, 409 ``ledger-account-taken``)."""
    account = service.create_account(session, number=body.number, label=body.label, kind=body.kind)
    return schemas.Account.model_validate(account)


@router.get("/journals", dependencies=READ, response_model=list[schemas.Journal])
def list_journals(session: DbSession) -> list[schemas.Journal]:
    return [schemas.Journal.model_validate(j) for j in service.journals(session)]


@router.get("/entries", dependencies=READ, response_model=Page[schemas.Entry])
def list_entries(
    session: DbSession,
    paging: Paging,
    journal: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    account: str | None = None,
    piece_ref: str | None = None,
) -> Page[schemas.Entry]:
    """Entries, newest first, filtered by journal, dates, account and piece reference."""
    page = service.list_entries(
        session,
        journal=journal,
        date_from=date_from,
        date_to=date_to,
        account=account,
        piece_ref=piece_ref,
        limit=paging.limit,
        cursor=paging.cursor,
    )
    return page.map(schemas.Entry.model_validate)


@router.get(
    "/entries/{entry_id}",
    dependencies=READ,
    response_model=schemas.Entry,
    responses=problem_responses(404),
)
def get_entry(session: DbSession, entry_id: uuid.UUID) -> schemas.Entry:
    return schemas.Entry.model_validate(service.get_entry(session, entry_id))


@router.post(
    "/entries", dependencies=POST, status_code=status.HTTP_201_CREATED, response_model=schemas.Entry
)
def post_manual_entry(session: DbSession, body: schemas.EntryCreate) -> schemas.Entry:
    """Post a manual entry in OD (422 when unbalanced, on a locked date, in a closed year,
    on an unknown account: the problem names the field)."""
    entry = service.post_entry(
        session,
        journal="OD",
        entry_date=body.entry_date,
        label=body.label,
        piece_ref=body.piece_ref,
        lines=[
            service.LineSpec(
                account=x.account,
                debit_minor=x.debit_minor,
                credit_minor=x.credit_minor,
                label=x.label,
                auxiliary=x.auxiliary,
            )
            for x in body.lines
        ],
    )
    return schemas.Entry.model_validate(entry)


@router.post(
    "/entries/{entry_id}/reverse",
    dependencies=POST,
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.Entry,
    responses=problem_responses(404),
)
def reverse_entry(
    session: DbSession, entry_id: uuid.UUID, body: schemas.ReverseRequest
) -> schemas.Entry:
    """Post the reversing entry (once; asking again returns it)."""
    return schemas.Entry.model_validate(service.reverse_entry(session, entry_id, on=body.on))


@router.post(
    "/lettering",
    dependencies=POST,
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.Lettering,
)
def letter(session: DbSession, body: schemas.LetteringRequest) -> schemas.Lettering:
    """Letter lines that settle each other (422 ``ledger-lettering-refused`` otherwise)."""
    return schemas.Lettering(code=service.letter(session, body.line_ids, on=body.on))


@router.delete("/lettering/{code}", dependencies=POST, response_model=schemas.Lettering)
def unletter(session: DbSession, code: str) -> schemas.Lettering:
    service.unletter(session, code)
    return schemas.Lettering(code=code)


@router.get("/lock-date", dependencies=READ, response_model=schemas.LockDate)
def get_lock_date(session: DbSession) -> schemas.LockDate:
    return schemas.LockDate(lock_date=service.lock_date(session))


@router.put("/lock-date", dependencies=POST, response_model=schemas.LockDate)
def set_lock_date(session: DbSession, body: schemas.LockDate) -> schemas.LockDate:
    """Move the lock date forward (422 ``ledger-lock-date-backwards``)."""
    if body.lock_date is None:
        raise LedgerError(field="lock_date")
    return schemas.LockDate(lock_date=service.set_lock_date(session, body.lock_date))


@router.post(
    "/close-year",
    dependencies=POST,
    response_model=schemas.ClosingOut,
    responses=problem_responses(404, 409),
)
def close_year(session: DbSession, body: schemas.CloseYearRequest) -> schemas.ClosingOut:
    """Close a fiscal year and open the next (409 ``ledger-year-not-closable``)."""
    done = service.close_year(session, body.year)
    return schemas.ClosingOut(
        year_start=done.fiscal_year.start_date,
        year_end=done.fiscal_year.end_date,
        result_minor=done.result_minor,
        closing_entry_id=done.closing_entry.id if done.closing_entry else None,
        opening_entry_id=done.opening_entry.id if done.opening_entry else None,
    )


@router.get(
    "/reports/trial-balance", dependencies=READ, response_model=list[schemas.TrialBalanceRow]
)
def trial_balance(session: DbSession, when: PeriodParams) -> list[schemas.TrialBalanceRow]:
    """Per account: opening balance, debits, credits and closing balance (debit minus
    credit) over ``date_from``..``date_to`` or the fiscal ``year``."""
    rows = reports.trial_balance(session, _period(session, *when))
    return [schemas.TrialBalanceRow.model_validate(row) for row in rows]


@router.get(
    "/reports/general-ledger", dependencies=READ, response_model=list[schemas.LedgerAccount]
)
def general_ledger(
    session: DbSession, when: PeriodParams, account: str | None = None
) -> list[schemas.LedgerAccount]:
    views = reports.general_ledger(session, _period(session, *when), account=account)
    return [schemas.LedgerAccount.model_validate(view) for view in views]


@router.get("/reports/sub-ledger", dependencies=READ, response_model=list[schemas.LedgerAccount])
def sub_ledger(
    session: DbSession,
    when: PeriodParams,
    party: Literal["customers", "suppliers"] = "customers",
    auxiliary: str | None = None,
) -> list[schemas.LedgerAccount]:
    """The customer (411000) or supplier (401000) sub-ledger, per auxiliary account."""
    control = "411000" if party == "customers" else "401000"
    views = reports.sub_ledger(
        session, _period(session, *when), control=control, auxiliary=auxiliary
    )
    return [schemas.LedgerAccount.model_validate(view) for view in views]


@router.get("/reports/aged-receivables", dependencies=READ, response_model=list[schemas.AgedRow])
def aged_receivables(session: DbSession, as_of: date) -> list[schemas.AgedRow]:
    """Open customer items by age: not_due, days_1_30, days_31_60, days_61_90, over_90."""
    return [
        schemas.AgedRow(
            auxiliary=r.auxiliary, label=r.label, buckets=r.buckets, total_minor=r.total_minor
        )
        for r in reports.aged_receivables(session, as_of=as_of)
    ]


@router.get("/reports/vat-summary", dependencies=READ, response_model=schemas.VatSummary)
def vat_summary(session: DbSession, when: PeriodParams) -> schemas.VatSummary:
    """VAT by rate and the boxes of the CA3 return over the period, and the EU distance
    sales against the one-stop-shop threshold."""
    summary = reports.vat_summary(session, _period(session, *when))
    distance = distance_sales(session, summary.period.end)
    return schemas.VatSummary(
        distance_sales=schemas.DistanceSales(
            year=distance.year,
            current_year_minor=distance.current_minor,
            previous_year_minor=distance.previous_minor,
            threshold_minor=distance.threshold_minor,
            exceeded=distance.exceeded,
            setting_exceeded=distance.setting_exceeded,
            agrees=distance.agrees,
        ),
        date_from=summary.period.start,
        date_to=summary.period.end,
        rates=[schemas.VatRate.model_validate(rate) for rate in summary.rates],
        boxes=[
            schemas.Ca3Box(
                code=b.code,
                label=str(b.label),
                base_minor=b.base_minor,
                tax_minor=b.tax_minor,
            )
            for b in summary.boxes
        ],
    )
