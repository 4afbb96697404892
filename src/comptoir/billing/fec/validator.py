"""The checks the tax administration runs on a FEC (fichier des écritures comptables) before
it reads it: article A47 A-1 of the Livre des procédures fiscales and the DGFiP's "Test Compta
Demat" tool.

:func:`validate_fec` reads a file written by anyone (Comptoir or another accounting package)
and reports every problem it finds, each with its line number in the file (the header is
line 1) and the column at fault, plus the file's totals. It never stops at the first problem
and never raises on a malformed file: a file it cannot read at all is one problem more.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Final

from comptoir.kit.i18n import LazyString, Locale, translate
from comptoir.kit.i18n import lazy_gettext as _l

COLUMNS: Final = (
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
)
"""The 18 columns of a FEC kept in debit/credit form, in the order the law sets."""

REQUIRED: Final = (
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "ValidDate",
)
DATE_COLUMNS: Final = ("EcritureDate", "PieceDate", "DateLet", "ValidDate")
AMOUNT_COLUMNS: Final = ("Debit", "Credit", "Montantdevise")
PAIRS: Final = (
    ("CompAuxNum", "CompAuxLib", "auxiliary-pair"),
    ("EcritureLet", "DateLet", "lettering-pair"),
    ("Montantdevise", "Idevise", "currency-pair"),
)
OPENING_JOURNALS: Final = frozenset({"AN", "RAN"})
"""Journal codes of the opening balances ("à-nouveaux"); a journal whose label speaks of
"nouveaux" is one too."""

SEPARATORS: Final = {"\t": "tab", "|": "|"}
FILE_NAME: Final = re.compile(r"^(?P<siren>\d{9})FEC(?P<closing>\d{8})\.txt$", re.IGNORECASE)
AMOUNT: Final = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")
DATE: Final = re.compile(r"^\d{8}$")
ACCOUNT: Final = re.compile(r"^[1-8]\d{2}")
CURRENCY: Final = re.compile(r"^[A-Z]{3}$")
SEQUENCE: Final = re.compile(r"(\d+)$")
_C1_CONTROLS: Final = re.compile("[\x80-\x9f]")

MESSAGES: Final[Mapping[str, LazyString]] = {
    "file-name": _l(
        "The file name {name} does not follow SIRENFECAAAAMMJJ.txt "
        "(a 9-digit SIREN, FEC, the closing date of the fiscal year)."
    ),
    "siren": _l("The file name carries the SIREN {found}, not {expected}."),
    "unreadable": _l("The file cannot be read: {reason}"),
    "encoding": _l("The file is neither UTF-8 nor ISO-8859-15 text."),
    "empty": _l("The file is empty: it needs the header line and the entries."),
    "separator": _l("The header is separated neither by tabs nor by pipes."),
    "mixed-separator": _l("This line is separated by {used} while the file uses {expected}."),
    "header": _l("The first line must name the 18 columns in this order: {expected}."),
    "column-count": _l("The line has {found} fields instead of 18."),
    "required": _l("This field is mandatory."),
    "date": _l("{value} is not a date written YYYYMMDD."),
    "outside-year": _l("The entry date {value} is outside the fiscal year, {start} to {end}."),
    "opening-date": _l(
        "An opening entry is dated the first day of the fiscal year ({start}), not {value}."
    ),
    "opening-first": _l("The opening entries come first in the file, before every other entry."),
    "amount": _l(
        "{value} is not an amount: digits, then a comma or a dot before the decimals, "
        "without thousands separators."
    ),
    "debit-and-credit": _l("A line carries a debit or a credit, not both."),
    "auxiliary-pair": _l("CompAuxNum and CompAuxLib go together: fill both or neither."),
    "lettering-pair": _l("EcritureLet and DateLet go together: fill both or neither."),
    "currency-pair": _l("Montantdevise and Idevise go together: fill both or neither."),
    "currency": _l("{value} is not an ISO 4217 currency code."),
    "account": _l(
        "The account number {value} does not start with three digits of a PCG class (1 to 8)."
    ),
    "validation-date": _l("ValidDate {value} is before the entry date {entry_date}."),
    "unbalanced-entry": _l(
        "Entry {number} of journal {journal} is not balanced: debit {debit}, credit {credit}."
    ),
    "entry-dates": _l("Entry {number} of journal {journal} has lines on several dates."),
    "sequence": _l("The entry number {value} does not end with a sequence number."),
    "numbering-gap": _l("Journal {journal} jumps from entry {previous} to entry {number}."),
    "numbering-order": _l(
        "In journal {journal}, entry {number} was validated on {value}, before entry {previous}."
    ),
    "unbalanced-file": _l("Total debits {debit} differ from total credits {credit}."),
}


@dataclass(frozen=True, slots=True)
class FecProblem:
    """One broken rule: ``rule`` is a stable code (a key of :data:`MESSAGES`), ``line`` the
    line of the file (1 is the header; ``None`` for the file as a whole), ``field`` the
    column at fault."""

    rule: str
    line: int | None = None
    field: str | None = None
    params: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def message(self, locale: Locale) -> str:
        """What is wrong, in ``locale``."""
        return translate(MESSAGES[self.rule], locale, **self.params)


@dataclass(slots=True)
class FecReport:
    """What :func:`validate_fec` found: the file's identity, its totals and every problem."""

    path: Path
    siren: str | None = None
    closing_date: date | None = None
    encoding: str | None = None
    """``UTF-8`` or ``ISO-8859-15``; ``None`` when the file could not be decoded."""
    separator: str | None = None
    """``tab`` or ``|``."""
    line_count: int = 0
    """Lines of entries (the header is not counted)."""
    entry_count: int = 0
    debit_total: Decimal = Decimal(0)
    credit_total: Decimal = Decimal(0)
    problems: list[FecProblem] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.problems

    def add(
        self, rule: str, line: int | None = None, column: str | None = None, **params: object
    ) -> None:
        self.problems.append(FecProblem(rule, line, column, {k: str(v) for k, v in params.items()}))


@dataclass(slots=True)
class _Entry:
    journal: str
    number: str
    first_line: int
    debit: Decimal = Decimal(0)
    credit: Decimal = Decimal(0)
    dates: set[date] = field(default_factory=set)
    valid_dates: set[date] = field(default_factory=set)


def validate_fec(
    path: Path, *, siren: str | None = None, fiscal_year_start: date | None = None
) -> FecReport:
    """Check the FEC at ``path`` against the administration's rules.

    ``siren``, when given, must be the one in the file name. The fiscal year ends on the date
    in the file name and starts on ``fiscal_year_start`` (by default, twelve months earlier):
    every entry is dated within it and the opening entries (journal ``AN``) on its first day.
    """
    report = FecReport(path=path)
    _check_name(report, path.name, siren)
    text = _read(report, path)
    if text is None:
        return report
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    if not lines:
        report.add("empty")
        return report
    separator = _check_header(report, lines[0])
    if separator is None:
        return report
    start = _year_start(report.closing_date, fiscal_year_start)
    entries: dict[tuple[str, str], _Entry] = {}
    checker = _LineChecker(report, start, entries)
    for number, line in enumerate(lines[1:], start=2):
        report.line_count += 1
        fields = _split(report, number, line, separator)
        if fields is not None:
            checker.check(number, dict(zip(COLUMNS, fields, strict=True)))
    report.entry_count = len(entries)
    _check_entries(report, entries)
    _check_numbering(report, entries)
    if report.debit_total != report.credit_total:
        report.add(
            "unbalanced-file", None, None, debit=report.debit_total, credit=report.credit_total
        )
    return report


def _check_name(report: FecReport, name: str, siren: str | None) -> None:
    match = FILE_NAME.match(name)
    closing = _parse_date(match.group("closing")) if match else None
    if match is None or closing is None:
        report.add("file-name", None, None, name=name)
        return
    report.siren, report.closing_date = match.group("siren"), closing
    if siren is not None and report.siren != siren:
        report.add("siren", None, None, found=report.siren, expected=siren)


def _read(report: FecReport, path: Path) -> str | None:
    try:
        raw = path.read_bytes()
    except OSError as error:
        report.add("unreadable", None, None, reason=error.strerror or str(error))
        return None
    try:
        text = raw.decode("utf-8")
        report.encoding = "UTF-8"
        return text.removeprefix("\ufeff")
    except UnicodeDecodeError:
        pass
    text = raw.decode("iso8859_15")
    if _C1_CONTROLS.search(text):
        # Bytes 0x80 to 0x9F are control codes in ISO-8859-15: the file is in another code page.
        report.add("encoding")
        return None
    report.encoding = "ISO-8859-15"
    return text


def _check_header(report: FecReport, header: str) -> str | None:
    separator = "\t" if "\t" in header else "|" if "|" in header else None
    if separator is None:
        report.add("separator", 1, None)
        return None
    report.separator = SEPARATORS[separator]
    names = tuple(header.split(separator))
    if names != COLUMNS:
        report.add("header", 1, None, expected=", ".join(COLUMNS))
    return separator


def _split(report: FecReport, number: int, line: str, separator: str) -> list[str] | None:
    fields = line.split(separator)
    if len(fields) == len(COLUMNS):
        return fields
    other = "|" if separator == "\t" else "\t"
    if len(line.split(other)) == len(COLUMNS):
        report.add(
            "mixed-separator", number, None, used=SEPARATORS[other], expected=SEPARATORS[separator]
        )
    else:
        report.add("column-count", number, None, found=len(fields))
    return None


def _year_start(closing: date | None, given: date | None) -> date | None:
    if given is not None or closing is None:
        return given
    try:
        year_before = closing.replace(year=closing.year - 1)
    except ValueError:  # a year closing on 29 February
        year_before = closing.replace(year=closing.year - 1, day=28)
    return year_before + timedelta(days=1)


def _parse_date(value: str) -> date | None:
    if not DATE.match(value):
        return None
    try:
        return datetime.strptime(value, "%Y%m%d").date()  # noqa: DTZ007  (a calendar date)
    except ValueError:
        return None


def _parse_amount(value: str) -> Decimal | None:
    return Decimal(value.replace(",", ".")) if AMOUNT.match(value) else None


class _LineChecker:
    """The rules of one line, and what it adds to its entry and to the file's totals."""

    def __init__(
        self, report: FecReport, start: date | None, entries: dict[tuple[str, str], _Entry]
    ) -> None:
        self.report = report
        self.start = start
        self.end = report.closing_date
        self.entries = entries
        self.seen_other_journal = False
        self.opening_misplaced = False

    def check(self, number: int, row: dict[str, str]) -> None:
        add = self.report.add
        for column in REQUIRED:
            if not row[column].strip():
                add("required", number, column)
        dates = {
            column: _parse_date(row[column])
            for column in DATE_COLUMNS
            if row[column].strip() and self._date_ok(number, column, row[column])
        }
        amounts = {
            column: _parse_amount(row[column])
            for column in AMOUNT_COLUMNS
            if row[column].strip() and self._amount_ok(number, column, row[column])
        }
        debit, credit = amounts.get("Debit"), amounts.get("Credit")
        if debit and credit:
            add("debit-and-credit", number, "Credit")
        for first, second, rule in PAIRS:
            if bool(row[first].strip()) != bool(row[second].strip()):
                add(rule, number, second if row[first].strip() else first)
        if row["Idevise"].strip() and not CURRENCY.match(row["Idevise"]):
            add("currency", number, "Idevise", value=row["Idevise"])
        if row["CompteNum"].strip() and not ACCOUNT.match(row["CompteNum"]):
            add("account", number, "CompteNum", value=row["CompteNum"])
        entry_date, valid = dates.get("EcritureDate"), dates.get("ValidDate")
        if entry_date is not None and valid is not None and valid < entry_date:
            add(
                "validation-date",
                number,
                "ValidDate",
                value=row["ValidDate"],
                entry_date=row["EcritureDate"],
            )
        self._check_year(number, row, entry_date)
        self._record(number, row, entry_date, debit or Decimal(0), credit or Decimal(0))

    def _date_ok(self, number: int, column: str, value: str) -> bool:
        if _parse_date(value) is None:
            self.report.add("date", number, column, value=value)
            return False
        return True

    def _amount_ok(self, number: int, column: str, value: str) -> bool:
        if _parse_amount(value) is None:
            self.report.add("amount", number, column, value=value)
            return False
        return True

    def _check_year(self, number: int, row: dict[str, str], entry_date: date | None) -> None:
        is_opening = _is_opening(row)
        if is_opening and self.seen_other_journal and not self.opening_misplaced:
            self.report.add("opening-first", number, "JournalCode")
            self.opening_misplaced = True  # once is enough: every later one is as misplaced
        self.seen_other_journal = self.seen_other_journal or not is_opening
        if entry_date is None or self.start is None or self.end is None:
            return
        if not self.start <= entry_date <= self.end:
            self.report.add(
                "outside-year",
                number,
                "EcritureDate",
                value=row["EcritureDate"],
                start=self.start.strftime("%Y%m%d"),
                end=self.end.strftime("%Y%m%d"),
            )
        elif is_opening and entry_date != self.start:
            self.report.add(
                "opening-date",
                number,
                "EcritureDate",
                value=row["EcritureDate"],
                start=self.start.strftime("%Y%m%d"),
            )

    def _record(
        self, number: int, row: dict[str, str], on: date | None, debit: Decimal, credit: Decimal
    ) -> None:
        self.report.debit_total += debit
        self.report.credit_total += credit
        key = (row["JournalCode"], row["EcritureNum"])
        entry = self.entries.get(key)
        if entry is None:
            entry = self.entries[key] = _Entry(row["JournalCode"], row["EcritureNum"], number)
        entry.debit += debit
        entry.credit += credit
        if on is not None:
            entry.dates.add(on)
        valid = _parse_date(row["ValidDate"])
        if valid is not None:
            entry.valid_dates.add(valid)


def _is_opening(row: dict[str, str]) -> bool:
    return row["JournalCode"].upper() in OPENING_JOURNALS or "nouveau" in row["JournalLib"].lower()


def _check_entries(report: FecReport, entries: dict[tuple[str, str], _Entry]) -> None:
    for entry in entries.values():
        where = {"journal": entry.journal, "number": entry.number}
        if entry.debit != entry.credit:
            report.add(
                "unbalanced-entry",
                entry.first_line,
                "Debit",
                **where,
                debit=entry.debit,
                credit=entry.credit,
            )
        if len(entry.dates) > 1:
            report.add("entry-dates", entry.first_line, "EcritureDate", **where)


def _check_numbering(report: FecReport, entries: dict[tuple[str, str], _Entry]) -> None:
    """Per journal, the entries' sequence numbers follow each other without a gap, and a
    later number is never dated before an earlier one."""
    journals: dict[str, list[tuple[int, _Entry]]] = {}
    for entry in entries.values():
        match = SEQUENCE.search(entry.number)
        if match is None:
            if entry.number.strip():
                report.add("sequence", entry.first_line, "EcritureNum", value=entry.number)
            continue
        journals.setdefault(entry.journal, []).append((int(match.group(1)), entry))
    for journal, numbered in journals.items():
        numbered.sort(key=lambda pair: pair[0])
        for (previous, before), (current, entry) in itertools.pairwise(numbered):
            if current != previous + 1:
                report.add(
                    "numbering-gap",
                    entry.first_line,
                    "EcritureNum",
                    journal=journal,
                    previous=before.number,
                    number=entry.number,
                )
            # Entries are numbered in the order they were validated (ValidDate): a bank
            # line booked late may carry an earlier EcritureDate than the entry before it.
            if (
                before.valid_dates
                and entry.valid_dates
                and min(entry.valid_dates) < max(before.valid_dates)
            ):
                report.add(
                    "numbering-order",
                    entry.first_line,
                    "ValidDate",
                    journal=journal,
                    number=entry.number,
                    previous=before.number,
                    value=min(entry.valid_dates).strftime("%Y%m%d"),
                )
