"""Bank statement parsers: each turns a file into a :class:`ParsedStatement` or raises
:class:`StatementRejected` listing every problem found (which line, which field, why), so
that nothing of a bad file is imported."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from comptoir.kit.errors import InvalidInput
from comptoir.kit.http.validation import FieldIssue
from comptoir.kit.i18n import LazyString
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.money import currency_exponent

MAX_PROBLEMS = 50
"""A file with more problems than this is reported with its first ones only."""


@dataclass(frozen=True, slots=True)
class ParsedLine:
    """One movement as the bank wrote it; ``amount_minor`` is signed (credit > 0)."""

    booking_date: date
    amount_minor: int
    currency: str
    label: str = ""
    value_date: date | None = None
    reference: str | None = None
    end_to_end_id: str | None = None
    bank_reference: str | None = None
    bank_code: str | None = None
    counterpart_name: str | None = None
    counterpart_iban: str | None = None


@dataclass(slots=True)
class ParsedStatement:
    """A statement file's content; balances and period are ``None`` when the file has none."""

    format: str
    currency: str
    lines: list[ParsedLine] = field(default_factory=list)
    account_iban: str | None = None
    reference: str | None = None
    period_start: date | None = None
    period_end: date | None = None
    opening_balance_minor: int | None = None
    closing_balance_minor: int | None = None


class StatementRejected(InvalidInput):
    """The file cannot be imported; ``issues`` names each problem (``field`` is where:
    ``line 12 / amount``, ``Ntry[3]/Amt``...)."""

    slug = "bank-statement-rejected"
    title = _l("The bank statement cannot be imported.")


class Problems:
    """Collects problems while a parser reads on, so that one answer lists them all."""

    def __init__(self) -> None:
        self.issues: list[FieldIssue] = []

    def add(self, where: str, message: LazyString | str, **params: object) -> None:
        if len(self.issues) < MAX_PROBLEMS:
            self.issues.append(FieldIssue(where, message, params))

    def raise_if_any(self) -> None:
        if self.issues:
            count = len(self.issues)
            raise StatementRejected(
                _l("{count} problem(s) found: nothing was imported.", count=count),
                issues=self.issues,
            )


def reject(where: str, message: LazyString | str, **params: object) -> StatementRejected:
    """A rejection with a single problem."""
    problems = Problems()
    problems.add(where, message, **params)
    return StatementRejected(
        _l("{count} problem(s) found: nothing was imported.", count=1), issues=problems.issues
    )


BAD_AMOUNT = _l("“{value}” is not an amount.")
BAD_DATE = _l("“{value}” is not a date (expected {expected}).")
MISSING = _l("This value is missing.")
BAD_CURRENCY = _l("“{value}” is not a currency code.")
ZERO_AMOUNT = _l("The amount is zero.")

_CURRENCY = re.compile(r"^[A-Z]{3}$")


def to_minor(amount: Decimal, currency: str) -> int:
    """``amount`` in minor units; an amount with more decimals than the currency has raises
    ``ValueError`` (a bank never writes one)."""
    exponent = currency_exponent(currency)
    scaled = amount.scaleb(exponent)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} has too many decimals for {currency}")
    return int(scaled)


def parse_decimal(text: str) -> Decimal:
    """A decimal written the international way (``1234.56``, ``-12``); ``ValueError`` else."""
    cleaned = text.strip()
    if not re.fullmatch(r"[+-]?\d+(\.\d+)?", cleaned):
        raise ValueError(text)
    try:
        return Decimal(cleaned)
    except InvalidOperation as exc:  # pragma: no cover - the pattern already refused it
        raise ValueError(text) from exc


def check_currency(text: str | None) -> str | None:
    """The code upper-cased when it looks like ISO 4217 and is known; ``None`` otherwise."""
    if text is None:
        return None
    code = text.strip().upper()
    if not _CURRENCY.match(code):
        return None
    try:
        currency_exponent(code)
    except InvalidInput:
        return None
    return code


def normalise_iban(text: str | None) -> str | None:
    """An IBAN without spaces, upper case; ``None`` for an empty value."""
    if not text:
        return None
    cleaned = re.sub(r"\s+", "", text).upper()
    return cleaned or None


def check_balances(statement: ParsedStatement, problems: Problems, where: str) -> None:
    """Opening balance + the lines = closing balance, when the file gives both."""
    opening, closing = statement.opening_balance_minor, statement.closing_balance_minor
    if opening is None or closing is None:
        return
    total = sum(line.amount_minor for line in statement.lines)
    if opening + total != closing:
        problems.add(
            where,
            _l(
                "The opening balance ({opening}) plus the lines ({total}) does not give the "
                "closing balance ({closing}): the file is incomplete or altered."
            ),
            opening=_plain(opening, statement.currency),
            total=_plain(total, statement.currency),
            closing=_plain(closing, statement.currency),
        )


def _plain(minor: int, currency: str) -> str:
    exponent = currency_exponent(currency)
    return f"{Decimal(minor).scaleb(-exponent):.{exponent}f} {currency}"
