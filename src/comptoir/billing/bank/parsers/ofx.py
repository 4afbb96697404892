"""OFX statements: 1.x (SGML, whose leaf tags are not closed) and 2.x (XML).

Both are read by one tokenizer: ``<TAG>value`` is a leaf (its closing tag is optional),
``<TAG>`` followed by another tag opens an aggregate, ``</TAG>`` closes the innermost open
aggregate of that name. A bank statement is ``STMTRS`` (a card account's ``CCSTMTRS`` reads
the same); each ``STMTTRN`` becomes one line: ``TRNAMT`` (signed), ``DTPOSTED``,
``DTUSER`` (the value date), ``FITID`` (the bank's id), ``NAME`` and ``MEMO`` (the label).
French banks sometimes write ``-12,50``: a comma is taken as the decimal mark.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from comptoir.billing.bank.parsers import (
    BAD_AMOUNT,
    BAD_CURRENCY,
    BAD_DATE,
    MISSING,
    ZERO_AMOUNT,
    ParsedLine,
    ParsedStatement,
    Problems,
    check_currency,
    normalise_iban,
    parse_decimal,
    reject,
    to_minor,
)
from comptoir.kit.i18n import lazy_gettext as _l

_TOKEN: Final = re.compile(r"<(/?)([A-Za-z0-9_.]+)>([^<]*)")
_DATE: Final = re.compile(r"^(\d{4})(\d{2})(\d{2})")
LEAVES: Final = frozenset(
    [
        "TRNTYPE",
        "DTPOSTED",
        "DTUSER",
        "DTAVAIL",
        "TRNAMT",
        "FITID",
        "NAME",
        "MEMO",
        "CHECKNUM",
        "REFNUM",
        "SIC",
        "PAYEEID",
        "CURDEF",
        "BANKID",
        "BRANCHID",
        "ACCTID",
        "ACCTTYPE",
        "ACCTKEY",
        "DTSTART",
        "DTEND",
        "BALAMT",
        "DTASOF",
        "CODE",
        "SEVERITY",
        "MESSAGE",
        "DTSERVER",
        "LANGUAGE",
        "TRNUID",
    ]
)
"""Tags that never open an aggregate, even when an SGML file leaves them empty."""


@dataclass(slots=True)
class _Node:
    tag: str
    text: str | None = None
    children: list[_Node] = field(default_factory=list)

    def all(self, tag: str) -> list[_Node]:
        found: list[_Node] = []
        for child in self.children:
            if child.tag == tag:
                found.append(child)
            found.extend(child.all(tag))
        return found

    def first(self, tag: str) -> _Node | None:
        found = self.all(tag)
        return found[0] if found else None

    def value(self, tag: str) -> str | None:
        for child in self.children:
            if child.tag == tag:
                return child.text
        return None


def _decode(content: bytes) -> str:
    head = content[:500].decode("ascii", errors="replace").upper()
    if "CHARSET:1252" in head or "ISO-8859-1" in head or "CHARSET:8859-1" in head:
        return content.decode("cp1252")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("cp1252")


def _tree(text: str) -> _Node:
    """The OFX element tree; raises :class:`StatementRejected` on a file that is not OFX."""
    start = text.upper().find("<OFX>")
    if start < 0:
        raise reject("file", _l("This is not an OFX file: no <OFX> element."))
    root = _Node("ROOT")
    stack = [root]
    for match in _TOKEN.finditer(text, start):
        closing, tag, following = match.group(1), match.group(2).upper(), match.group(3)
        if closing:
            names = [node.tag for node in stack]
            if tag in names[1:]:
                while stack[-1].tag != tag:
                    stack.pop()
                stack.pop()
            continue
        value = following.strip()
        node = _Node(tag)
        stack[-1].children.append(node)
        if value:
            node.text = html.unescape(value)
        elif tag not in LEAVES:
            stack.append(node)
    return root


def _date(text: str | None) -> date | None:
    if not text:
        return None
    match = _DATE.match(text.strip())
    if match is None:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def parse(content: bytes) -> ParsedStatement:
    """The bank statement of an OFX file (the first account's, when there are several).

    Raises :class:`StatementRejected` with every problem found.
    """
    root = _tree(_decode(content))
    response = root.first("STMTRS") or root.first("CCSTMTRS")
    if response is None:
        raise reject("STMTRS", _l("The file holds no bank statement (STMTRS)."))
    problems = Problems()
    currency = check_currency(response.value("CURDEF"))
    if currency is None:
        problems.add("STMTRS/CURDEF", BAD_CURRENCY, value=response.value("CURDEF") or "")
        problems.raise_if_any()
    assert currency is not None
    account = response.first("BANKACCTFROM") or response.first("CCACCTFROM")
    transactions = response.first("BANKTRANLIST")
    statement = ParsedStatement(
        format="ofx",
        currency=currency,
        account_iban=_account(account),
        reference=account.value("ACCTID") if account else None,
        period_start=_date(transactions.value("DTSTART")) if transactions else None,
        period_end=_date(transactions.value("DTEND")) if transactions else None,
        closing_balance_minor=_balance(response, currency, problems),
    )
    for number, item in enumerate(response.all("STMTTRN"), start=1):
        line = _line(item, f"STMTTRN[{number}]", currency, problems)
        if line is not None:
            statement.lines.append(line)
    problems.raise_if_any()
    return statement


def _account(account: _Node | None) -> str | None:
    """The account's IBAN when the bank wrote one in ``ACCTID`` (most French banks write
    the RIB's account number there: then it is not an IBAN and ``None`` is returned)."""
    if account is None:
        return None
    iban = normalise_iban(account.value("ACCTID"))
    if iban and re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", iban):
        return iban
    return None


def _amount(text: str | None, currency: str) -> int:
    if text is None:
        raise ValueError("missing")
    return to_minor(parse_decimal(text.strip().replace(",", ".")), currency)


def _balance(response: _Node, currency: str, problems: Problems) -> int | None:
    ledger = response.first("LEDGERBAL")
    if ledger is None:
        return None
    try:
        return _amount(ledger.value("BALAMT"), currency)
    except ValueError:
        problems.add("LEDGERBAL/BALAMT", BAD_AMOUNT, value=ledger.value("BALAMT") or "")
        return None


def _line(item: _Node, where: str, currency: str, problems: Problems) -> ParsedLine | None:
    raw_amount = item.value("TRNAMT")
    posted = _date(item.value("DTPOSTED"))
    fine = True
    if raw_amount is None:
        problems.add(f"{where}/TRNAMT", MISSING)
        fine = False
    if item.value("DTPOSTED") is None:
        problems.add(f"{where}/DTPOSTED", MISSING)
        fine = False
    elif posted is None:
        problems.add(
            f"{where}/DTPOSTED", BAD_DATE, value=item.value("DTPOSTED") or "", expected="YYYYMMDD"
        )
        fine = False
    amount = 0
    if raw_amount is not None:
        try:
            amount = _amount(raw_amount, currency)
        except ValueError:
            problems.add(f"{where}/TRNAMT", BAD_AMOUNT, value=raw_amount)
            fine = False
        else:
            if amount == 0:
                problems.add(f"{where}/TRNAMT", ZERO_AMOUNT)
                fine = False
    if not fine or posted is None:
        return None
    name = item.value("NAME")
    memo = item.value("MEMO")
    label = " ".join(part for part in (name, memo) if part)
    payee = item.first("PAYEE")
    return ParsedLine(
        booking_date=posted,
        value_date=_date(item.value("DTUSER")),
        amount_minor=amount,
        currency=currency,
        label=label[:500],
        reference=item.value("REFNUM") or memo,
        bank_reference=item.value("FITID"),
        bank_code=item.value("TRNTYPE"),
        counterpart_name=payee.value("NAME") if payee else None,
    )
