"""The bank's service: accounts, statement import, reconciliation runs, and a person's
decisions on the proposals (confirm, reject, match by hand, ignore, reopen a line matched by
mistake).

Importing a file parses it completely before writing anything: a file with one bad line is
refused whole, with every problem named. The same file (same SHA-256) imported twice adds
nothing. After an import the account's open lines are matched: sure matches are applied at
once (``auto``), the others wait as proposals on the reconciliation screen.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Final

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from comptoir.billing.bank.decisions import (
    ReconcileSummary,
    TargetOption,
    confirm_match,
    get_account,
    get_line,
    ignore_line,
    line_matches,
    manual_match,
    reconcile_account,
    reject_match,
    reopen_line,
    search_targets,
)
from comptoir.billing.bank.errors import (
    BankAccountNotFound,
    BankAccountTaken,
    StatementAlreadyImported,
    StatementWrongAccount,
)
from comptoir.billing.bank.models import (
    BankAccount,
    BankLine,
    BankStatement,
)
from comptoir.billing.bank.parsers import (
    ParsedStatement,
    StatementRejected,
    camt053,
    normalise_iban,
    ofx,
    reject,
)
from comptoir.billing.bank.parsers import csv as bank_csv
from comptoir.kit.crypto import blind_index
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.ids import uuid7
from comptoir.kit.pagination import Page, paginate

logger = logging.getLogger("comptoir.billing.bank")

FORMATS: Final = ("camt053", "ofx", "csv")


# ---------------------------------------------------------------- accounts


@dataclass(frozen=True, slots=True)
class AccountData:
    label: str
    iban: str
    bic: str | None = None
    currency: str = "EUR"
    ledger_account: str = "512000"
    journal_code: str = "BQ"


def create_account(session: Session, data: AccountData) -> BankAccount:
    """A new bank account; raises :class:`BankAccountTaken` when the IBAN is known."""
    iban = normalise_iban(data.iban) or ""
    if session.scalar(select(BankAccount.id).where(BankAccount.iban == iban)) is not None:
        raise BankAccountTaken(field="iban")
    account = BankAccount(
        label=data.label.strip(),
        iban=iban,
        bic=(data.bic or "").strip().upper() or None,
        currency=data.currency.upper(),
        ledger_account=data.ledger_account,
        journal_code=data.journal_code,
    )
    session.add(account)
    session.flush()
    return account


def list_accounts(session: Session) -> list[BankAccount]:
    return list(session.scalars(select(BankAccount).order_by(BankAccount.label)))


def account_by_iban(session: Session, iban: str) -> BankAccount:
    """The account with this IBAN (spaces and case ignored); :class:`BankAccountNotFound`."""
    account = session.scalar(select(BankAccount).where(BankAccount.iban == normalise_iban(iban)))
    if account is None:
        raise BankAccountNotFound(field="iban")
    return account


# ---------------------------------------------------------------- import


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    statement: BankStatement
    is_new: bool
    lines: int
    reconciled: ReconcileSummary | None


def detect_format(file_name: str, content: bytes) -> str:
    """``camt053``, ``ofx`` or ``csv``, from the file's first bytes (then its name)."""
    head = content[:2000].lstrip(b"\xef\xbb\xbf \r\n\t").upper()
    if b"OFXHEADER" in head or b"<OFX>" in head:
        return "ofx"
    if head.startswith(b"<") and b"CAMT.053" in head:
        return "camt053"
    name = file_name.lower()
    if name.endswith(".ofx") or name.endswith(".qfx"):
        return "ofx"
    if name.endswith(".xml") or head.startswith(b"<"):
        return "camt053"
    return "csv"


def parse_statement(
    file_name: str, content: bytes, file_format: str | None = None
) -> ParsedStatement:
    """The file's content, or :class:`StatementRejected`."""
    chosen = file_format or detect_format(file_name, content)
    if not content.strip():
        raise reject("file", _l("The file is empty."))
    if chosen == "camt053":
        return camt053.parse(content)
    if chosen == "ofx":
        return ofx.parse(content)
    if chosen == "csv":
        return bank_csv.parse(content)
    raise reject("format", _l("“{value}” is not a statement format."), value=chosen)


def import_statement(
    session: Session,
    account_id: uuid.UUID,
    *,
    file_name: str,
    content: bytes,
    file_format: str | None = None,
    actor: str | None = None,
    auto_match: bool = True,
) -> ImportOutcome:
    """Import a statement file into the account, then reconcile the account.

    Raises :class:`StatementRejected` (every problem named, nothing written) or
    :class:`StatementWrongAccount` (the file names another IBAN or currency). The same file
    imported again returns the first import with ``is_new`` false.
    """
    account = get_account(session, account_id)
    digest = hashlib.sha256(content).hexdigest()
    known = session.scalar(
        select(BankStatement).where(
            BankStatement.account_id == account.id, BankStatement.file_hash == digest
        )
    )
    if known is not None:
        return ImportOutcome(known, is_new=False, lines=known.line_count, reconciled=None)
    parsed = parse_statement(file_name, content, file_format)
    if parsed.account_iban and parsed.account_iban != account.iban:
        raise StatementWrongAccount(
            _l("The file is a statement of the account {iban}."),
            field="file",
            iban=parsed.account_iban,
        )
    if parsed.currency != account.currency:
        raise StatementWrongAccount(
            _l("The file is in {found}, the account in {expected}."),
            field="file",
            found=parsed.currency,
            expected=account.currency,
        )
    statement = _store(session, account, parsed, file_name=file_name, digest=digest, actor=actor)
    summary = reconcile_account(session, account.id, actor=actor) if auto_match else None
    return ImportOutcome(statement, is_new=True, lines=statement.line_count, reconciled=summary)


def _store(
    session: Session,
    account: BankAccount,
    parsed: ParsedStatement,
    *,
    file_name: str,
    digest: str,
    actor: str | None,
) -> BankStatement:
    statement = BankStatement(
        account_id=account.id,
        format=parsed.format,
        file_name=file_name[:255],
        file_hash=digest,
        reference=(parsed.reference or None) and str(parsed.reference)[:100],
        period_start=parsed.period_start,
        period_end=parsed.period_end,
        currency=parsed.currency,
        opening_balance_minor=parsed.opening_balance_minor,
        closing_balance_minor=parsed.closing_balance_minor,
        line_count=len(parsed.lines),
        imported_by=actor,
    )
    try:
        with session.begin_nested():
            session.add(statement)
            session.flush()
    except IntegrityError as exc:  # the same file, imported at this moment by someone else
        raise StatementAlreadyImported(field="file") from exc
    for position, item in enumerate(parsed.lines, start=1):
        line_id = uuid7()
        session.add(
            BankLine(
                id=line_id,
                subject_id=line_id,
                statement_id=statement.id,
                account_id=account.id,
                position=position,
                booking_date=item.booking_date,
                value_date=item.value_date,
                amount_minor=item.amount_minor,
                currency=item.currency,
                label=item.label[:500],
                reference=(item.reference or None) and str(item.reference)[:140],
                end_to_end_id=(item.end_to_end_id or None) and str(item.end_to_end_id)[:64],
                bank_reference=(item.bank_reference or None) and str(item.bank_reference)[:64],
                bank_code=(item.bank_code or None) and str(item.bank_code)[:40],
                counterpart_name=item.counterpart_name,
                counterpart_iban=item.counterpart_iban,
            )
        )
    session.flush()
    return statement


# ---------------------------------------------------------------- reading


def list_lines(
    session: Session,
    *,
    account_id: uuid.UUID | None = None,
    statuses: tuple[str, ...] = (),
    date_from: date | None = None,
    date_to: date | None = None,
    search: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page[BankLine]:
    """Statement lines, newest first, filtered."""
    stmt = select(BankLine)
    if account_id is not None:
        stmt = stmt.where(BankLine.account_id == account_id)
    if statuses:
        stmt = stmt.where(BankLine.status.in_(statuses))
    if date_from is not None:
        stmt = stmt.where(BankLine.booking_date >= date_from)
    if date_to is not None:
        stmt = stmt.where(BankLine.booking_date <= date_to)
    if search:
        pattern = f"%{search.strip().lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(BankLine.label).like(pattern),
                func.lower(BankLine.reference).like(pattern),
            )
        )
    return paginate(
        session,
        stmt,
        order_by=[(BankLine.booking_date, "desc"), (BankLine.position, "desc")],
        id_column=BankLine.id,
        limit=limit,
        cursor=cursor,
    )


def list_statements(session: Session, account_id: uuid.UUID) -> list[BankStatement]:
    return list(
        session.scalars(
            select(BankStatement)
            .where(BankStatement.account_id == account_id)
            .order_by(BankStatement.period_end.desc(), BankStatement.created_at.desc())
        )
    )


def counts_by_status(session: Session, account_id: uuid.UUID | None = None) -> dict[str, int]:
    stmt = select(BankLine.status, func.count()).group_by(BankLine.status)
    if account_id is not None:
        stmt = stmt.where(BankLine.account_id == account_id)
    return {status: int(count) for status, count in session.execute(stmt).all()}


def lines_with_iban(session: Session, iban: str) -> list[BankLine]:
    """Lines whose counterpart had this IBAN (looked up through its blind index)."""
    index = blind_index(BankLine.counterpart_iban_index, normalise_iban(iban) or "")
    return list(session.scalars(select(BankLine).where(BankLine.counterpart_iban_index == index)))


__all__ = [
    "AccountData",
    "ImportOutcome",
    "ReconcileSummary",
    "StatementRejected",
    "TargetOption",
    "account_by_iban",
    "confirm_match",
    "counts_by_status",
    "create_account",
    "detect_format",
    "get_account",
    "get_line",
    "ignore_line",
    "import_statement",
    "line_matches",
    "lines_with_iban",
    "list_accounts",
    "list_lines",
    "list_statements",
    "manual_match",
    "parse_statement",
    "reconcile_account",
    "reject_match",
    "reopen_line",
    "search_targets",
]
