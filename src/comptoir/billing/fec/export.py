"""The FEC (fichier des écritures comptables) of a fiscal year, as article A47 A-1 of the Livre
des procédures fiscales asks it, and the same entries as a CSV for spreadsheets.

The FEC is one line per entry line, tab-separated, UTF-8, named ``SIRENFECAAAAMMJJ.txt`` after
the seller's SIREN and the fiscal year's closing date. Entries come journal by journal in
number order, the opening entries ("à-nouveaux") first; amounts are in the ledger's currency
with a decimal comma; ``ValidDate`` is the day the entry was posted (in the shop's time zone),
and lettered lines carry their lettering code and date.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from comptoir.billing.fec.errors import FiscalYearNotFound, SirenInvalid, SirenMissing
from comptoir.billing.fec.validator import COLUMNS, FecReport, validate_fec
from comptoir.billing.invoices.models import SellerProfile
from comptoir.billing.ledger import service as ledger
from comptoir.billing.ledger.models import (
    Account,
    AuxiliaryAccount,
    Entry,
    EntryLine,
    FiscalYear,
    Journal,
)
from comptoir.kit.money import currency_exponent
from comptoir.kit.sheets import write_csv

Progress = Callable[[int, int], None]
"""Called with (lines written, lines to write)."""

LEDGER_CURRENCY: Final = "EUR"
SEPARATOR: Final = "\t"
SIREN: Final = re.compile(r"^\d{9}$")
_FORBIDDEN: Final = re.compile(r"[\t\r\n|]+")
_BATCH: Final = 1000
CSV_COLUMNS: Final = (
    "journal",
    "journal_label",
    "number",
    "date",
    "account",
    "account_label",
    "auxiliary",
    "auxiliary_label",
    "piece_ref",
    "piece_date",
    "label",
    "debit",
    "credit",
    "lettering",
    "lettered_on",
    "posted_on",
    "currency_amount",
    "currency",
)


@dataclass(frozen=True, slots=True)
class LedgerLine:
    """One entry line with everything a FEC line says about it."""

    journal: str
    journal_label: str
    number: str
    entry_date: date
    account: str
    account_label: str
    auxiliary: str | None
    auxiliary_label: str | None
    piece_ref: str
    piece_date: date
    label: str
    debit_minor: int
    credit_minor: int
    lettering: str | None
    lettered_on: date | None
    posted_on: date
    currency_amount_minor: int | None
    currency: str | None

    def fec_fields(self) -> list[str]:
        """The 18 FEC fields of the line, in :data:`COLUMNS` order."""
        lettered = self.lettering is not None and self.lettered_on is not None
        foreign = self.currency_amount_minor is not None and self.currency is not None
        return [
            _text(self.journal),
            _text(self.journal_label),
            self.number,
            _fec_date(self.entry_date),
            self.account,
            _text(self.account_label),
            _text(self.auxiliary or ""),
            _text(self.auxiliary_label or "") if self.auxiliary else "",
            _text(self.piece_ref),
            _fec_date(self.piece_date),
            _text(self.label),
            _fec_amount(self.debit_minor, LEDGER_CURRENCY),
            _fec_amount(self.credit_minor, LEDGER_CURRENCY),
            _text(self.lettering or "") if lettered else "",
            _fec_date(self.lettered_on) if lettered and self.lettered_on else "",
            _fec_date(self.posted_on),
            _fec_amount(abs(self.currency_amount_minor or 0), self.currency or "")
            if foreign
            else "",
            self.currency or "" if foreign else "",
        ]


def fiscal_year_closing_in(session: Session, year: int) -> FiscalYear:
    """The fiscal year whose closing date falls in ``year``. Raises
    :class:`FiscalYearNotFound` when none does."""
    fiscal_year = ledger.fiscal_year_of(session, year)
    if fiscal_year is None:
        raise FiscalYearNotFound(year)
    return fiscal_year


def fiscal_years(session: Session) -> list[FiscalYear]:
    """Every fiscal year of the ledger, the latest first."""
    return list(reversed(ledger.fiscal_years(session)))


def seller_siren(session: Session, siren: str | None = None) -> str:
    """``siren`` (spaces removed) or the seller's; raises :class:`SirenMissing` when neither is
    known and :class:`SirenInvalid` when it is not nine digits."""
    if siren is None:
        seller = session.scalars(select(SellerProfile).limit(1)).first()
        if seller is None or not seller.siren:
            raise SirenMissing()
        siren = seller.siren
    siren = siren.replace(" ", "")
    if not SIREN.match(siren):
        raise SirenInvalid(siren)
    return siren


def fec_file_name(siren: str, closing: date) -> str:
    """``SIRENFECAAAAMMJJ.txt``."""
    return f"{siren}FEC{closing:%Y%m%d}.txt"


def export_fec(
    session: Session,
    *,
    year: int,
    directory: Path,
    siren: str | None = None,
    zone: ZoneInfo | None = None,
    progress: Progress | None = None,
) -> Path:
    """Write the FEC of the fiscal year closing in ``year`` into ``directory`` and return its
    path. ``siren`` defaults to the seller's; ``zone`` (the shop's time zone, Paris by
    default) turns posting moments into ``ValidDate`` days.

    The file appears whole or not at all (written aside, then renamed). Raises
    :class:`FiscalYearNotFound`, :class:`SirenMissing` or :class:`SirenInvalid`; reads only.
    """
    fiscal_year = fiscal_year_closing_in(session, year)
    siren = seller_siren(session, siren)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / fec_file_name(siren, fiscal_year.end_date)
    handle, scratch = tempfile.mkstemp(dir=directory, prefix=".fec-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(SEPARATOR.join(COLUMNS) + "\n")
            for line in ledger_lines(session, fiscal_year, zone=zone, progress=progress):
                out.write(SEPARATOR.join(line.fec_fields()) + "\n")
        Path(scratch).replace(path)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise
    return path


@dataclass(frozen=True, slots=True)
class CheckedFec:
    """A FEC written and checked: its file name, its bytes and the validator's report."""

    name: str
    content: bytes
    report: FecReport


def checked_fec(
    session: Session, *, year: int, siren: str | None = None, zone: ZoneInfo | None = None
) -> CheckedFec:
    """The FEC of the fiscal year closing in ``year``, written in a scratch folder and
    checked by the administration's rules (the fiscal year's own first day included).
    Raises what :func:`export_fec` raises."""
    fiscal_year = fiscal_year_closing_in(session, year)
    siren = seller_siren(session, siren)
    with tempfile.TemporaryDirectory(prefix="comptoir-fec-") as scratch:
        path = export_fec(session, year=year, directory=Path(scratch), siren=siren, zone=zone)
        report = validate_fec(path, siren=siren, fiscal_year_start=fiscal_year.start_date)
        return CheckedFec(path.name, path.read_bytes(), report)


def export_entries_csv(session: Session, *, year: int, zone: ZoneInfo | None = None) -> bytes:
    """The entry lines of the fiscal year closing in ``year`` as a CSV for spreadsheets (the
    FEC's content with plain column names and decimal amounts). Raises
    :class:`FiscalYearNotFound`."""
    fiscal_year = fiscal_year_closing_in(session, year)
    rows = (
        (
            line.journal,
            line.journal_label,
            line.number,
            line.entry_date.isoformat(),
            line.account,
            line.account_label,
            line.auxiliary,
            line.auxiliary_label if line.auxiliary else None,
            line.piece_ref,
            line.piece_date.isoformat(),
            line.label,
            _decimal(line.debit_minor, LEDGER_CURRENCY),
            _decimal(line.credit_minor, LEDGER_CURRENCY),
            line.lettering,
            line.lettered_on.isoformat() if line.lettered_on else None,
            line.posted_on.isoformat(),
            _decimal(line.currency_amount_minor, line.currency)
            if line.currency_amount_minor is not None and line.currency
            else None,
            line.currency if line.currency_amount_minor is not None else None,
        )
        for line in ledger_lines(session, fiscal_year, zone=zone)
    )
    return write_csv(CSV_COLUMNS, rows)


def ledger_lines(
    session: Session,
    fiscal_year: FiscalYear,
    *,
    zone: ZoneInfo | None = None,
    progress: Progress | None = None,
) -> Iterator[LedgerLine]:
    """Every entry line of ``fiscal_year`` in FEC order: the opening journal first, then
    journal by journal, entries by number, lines by position."""
    zone = zone or ZoneInfo("Europe/Paris")
    journals = {journal.code: journal for journal in session.scalars(select(Journal))}
    accounts: dict[str, str] = dict(session.execute(select(Account.number, Account.label)).all())
    auxiliaries = {aux.number: aux for aux in session.scalars(select(AuxiliaryAccount))}
    opening = [code for code, journal in journals.items() if journal.kind == "opening"]
    total = (
        session.scalar(
            select(func.count())
            .select_from(EntryLine)
            .join(Entry, EntryLine.entry_id == Entry.id)
            .where(Entry.fiscal_year_id == fiscal_year.id)
        )
        or 0
    )
    query = (
        select(Entry, EntryLine)
        .join(EntryLine, EntryLine.entry_id == Entry.id)
        .where(Entry.fiscal_year_id == fiscal_year.id)
        .order_by(
            case((Entry.journal_code.in_(opening), 0), else_=1),
            Entry.journal_code,
            Entry.number,
            EntryLine.position,
        )
        .execution_options(yield_per=_BATCH)
    )
    for done, (entry, line) in enumerate(session.execute(query), start=1):
        journal = journals.get(entry.journal_code)
        auxiliary = auxiliaries.get(line.auxiliary_number or "")
        yield LedgerLine(
            journal=entry.journal_code,
            journal_label=journal.label if journal else entry.journal_code,
            number=f"{entry.journal_code}{entry.number:06d}",
            entry_date=entry.entry_date,
            account=line.account_number,
            account_label=accounts.get(line.account_number, ""),
            auxiliary=line.auxiliary_number,
            # A label whose key was destroyed reads None: the number still names the account.
            auxiliary_label=(auxiliary.label if auxiliary else None) or line.auxiliary_number,
            piece_ref=entry.piece_ref,
            piece_date=entry.piece_date,
            label=line.label or entry.label,
            debit_minor=line.debit_minor,
            credit_minor=line.credit_minor,
            lettering=line.lettering,
            lettered_on=line.lettered_on,
            posted_on=_local_day(entry.posted_at, zone),
            currency_amount_minor=line.currency_amount_minor,
            currency=line.currency if line.currency != LEDGER_CURRENCY else None,
        )
        if progress is not None and (done % _BATCH == 0 or done == total):
            progress(done, total)
    if progress is not None and total == 0:
        progress(0, 0)


def _local_day(moment: datetime, zone: ZoneInfo) -> date:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(zone).date()


def _text(value: str) -> str:
    """A field without the characters that would split it (tabs, pipes, line breaks)."""
    return _FORBIDDEN.sub(" ", value).strip()


def _fec_date(value: date) -> str:
    return value.strftime("%Y%m%d")


def _decimal(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-currency_exponent(currency))


def _fec_amount(minor: int, currency: str) -> str:
    """``1234,56``: a decimal comma, no thousands separator."""
    exponent = currency_exponent(currency)
    return f"{_decimal(minor, currency):.{exponent}f}".replace(".", ",")
