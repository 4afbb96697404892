"""ISO 20022 ``camt.053`` (Bank-to-Customer Statement), versions ``001.02`` to ``001.08``.

One ``Ntry`` (entry) becomes one line, or one line per ``TxDtls`` when a batch entry
details several transactions that each carry their amount. Only booked entries are
imported (``Sts`` ``BOOK``; pending and informational ones are not movements yet). For a
credit the counterpart is the debtor (``RltdPties/Dbtr``), for a debit the creditor;
version 08 wraps the party in ``Pty``, older ones do not: both are read.
"""

from __future__ import annotations

from datetime import date
from typing import Final

from lxml import etree  # type: ignore[import-untyped, unused-ignore]

from comptoir.billing.bank.parsers import (
    BAD_AMOUNT,
    BAD_CURRENCY,
    BAD_DATE,
    MISSING,
    ZERO_AMOUNT,
    ParsedLine,
    ParsedStatement,
    Problems,
    check_balances,
    check_currency,
    normalise_iban,
    parse_decimal,
    reject,
    to_minor,
)
from comptoir.kit.i18n import lazy_gettext as _l

NAMESPACES: Final = tuple(
    f"urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version:02d}" for version in range(2, 9)
)
OPENING_CODES: Final = ("OPBD", "PRCD")
CLOSING_CODES: Final = ("CLBD",)

_PARSER: Final = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
)


class _Reader:
    """Path look-ups in the file's own namespace (``Ntry/Amt`` → ``ns:Ntry/ns:Amt``)."""

    def __init__(self, namespace: str) -> None:
        self.ns = {"c": namespace}

    def all(self, element: etree._Element, path: str) -> list[etree._Element]:
        found = element.xpath(self._xpath(path), namespaces=self.ns)
        return [node for node in found if isinstance(node, etree._Element)]

    def one(self, element: etree._Element, path: str) -> etree._Element | None:
        found = self.all(element, path)
        return found[0] if found else None

    def text(self, element: etree._Element, path: str) -> str | None:
        node = self.one(element, path)
        if node is None or node.text is None:
            return None
        value = " ".join(node.text.split())
        return value or None

    @staticmethod
    def _xpath(path: str) -> str:
        return "/".join(
            f"c:{step}" if step not in (".", "..") else step for step in path.split("/")
        )


def parse(content: bytes) -> ParsedStatement:
    """The statements of a camt.053 file (several ``Stmt`` of one account are merged).

    Raises :class:`StatementRejected` with every problem found.
    """
    try:
        root = etree.fromstring(content, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise reject(
            "file",
            _l("The file is not well-formed XML (line {line}): {error}."),
            line=exc.lineno or 0,
            error=exc.msg,
        ) from exc
    namespace = etree.QName(root).namespace or ""
    if namespace not in NAMESPACES:
        raise reject(
            "file",
            _l("“{namespace}” is not a camt.053 statement (versions 001.02 to 001.08)."),
            namespace=namespace or etree.QName(root).localname,
        )
    reader = _Reader(namespace)
    statements = reader.all(root, "BkToCstmrStmt/Stmt")
    if not statements:
        raise reject("BkToCstmrStmt/Stmt", _l("The file holds no statement."))
    problems = Problems()
    result: ParsedStatement | None = None
    for index, element in enumerate(statements, start=1):
        where = f"Stmt[{index}]"
        statement = _statement(reader, element, where, problems)
        if result is None:
            result = statement
        elif statement.account_iban != result.account_iban:
            problems.add(f"{where}/Acct", _l("The statements are of different accounts."))
        else:
            _merge(result, statement)
    problems.raise_if_any()
    assert result is not None
    return result


def _merge(into: ParsedStatement, other: ParsedStatement) -> None:
    into.lines.extend(other.lines)
    into.period_end = other.period_end or into.period_end
    into.closing_balance_minor = other.closing_balance_minor


def _statement(
    reader: _Reader, element: etree._Element, where: str, problems: Problems
) -> ParsedStatement:
    currency = check_currency(reader.text(element, "Acct/Ccy"))
    account_iban = normalise_iban(reader.text(element, "Acct/Id/IBAN"))
    balances = _balances(reader, element, where, problems)
    if currency is None:
        currency = str(balances.get("currency") or "EUR")
    statement = ParsedStatement(
        format="camt053",
        currency=str(currency),
        account_iban=account_iban,
        reference=reader.text(element, "Id"),
        period_start=_date(reader.text(element, "FrToDt/FrDtTm")),
        period_end=_date(reader.text(element, "FrToDt/ToDtTm")),
        opening_balance_minor=_int_or_none(balances.get("opening")),
        closing_balance_minor=_int_or_none(balances.get("closing")),
    )
    for number, entry in enumerate(reader.all(element, "Ntry"), start=1):
        statement.lines.extend(
            _entry(reader, entry, f"{where}/Ntry[{number}]", statement.currency, problems)
        )
    check_balances(statement, problems, f"{where}/Bal")
    return statement


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) else None


def _balances(
    reader: _Reader, element: etree._Element, where: str, problems: Problems
) -> dict[str, object]:
    found: dict[str, object] = {}
    for number, balance in enumerate(reader.all(element, "Bal"), start=1):
        code = reader.text(balance, "Tp/CdOrPrtry/Cd")
        amount = _amount(reader, balance, f"{where}/Bal[{number}]", problems)
        if amount is None:
            continue
        minor, currency = amount
        found.setdefault("currency", currency)
        if code in OPENING_CODES:
            found.setdefault("opening", minor)
        elif code in CLOSING_CODES:
            found["closing"] = minor
    return found


def _amount(
    reader: _Reader, element: etree._Element, where: str, problems: Problems
) -> tuple[int, str] | None:
    """The signed amount of a balance, entry or transaction (``Amt`` and ``CdtDbtInd``)."""
    node = reader.one(element, "Amt")
    if node is None:
        node = reader.one(element, "AmtDtls/TxAmt/Amt")
    if node is None or not (node.text or "").strip():
        problems.add(f"{where}/Amt", MISSING)
        return None
    currency = check_currency(node.get("Ccy"))
    if currency is None:
        problems.add(f"{where}/Amt/@Ccy", BAD_CURRENCY, value=node.get("Ccy") or "")
        return None
    try:
        minor = to_minor(parse_decimal(node.text or ""), currency)
    except ValueError:
        problems.add(f"{where}/Amt", BAD_AMOUNT, value=(node.text or "").strip())
        return None
    indicator = reader.text(element, "CdtDbtInd")
    if indicator == "DBIT":
        minor = -minor
    elif indicator != "CRDT":
        problems.add(
            f"{where}/CdtDbtInd",
            _l("“{value}” is neither CRDT (credit) nor DBIT (debit)."),
            value=indicator or "",
        )
        return None
    return minor, currency


def _date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def _entry_date(
    reader: _Reader, entry: etree._Element, path: str, where: str, problems: Problems
) -> date | None:
    text = reader.text(entry, f"{path}/Dt") or reader.text(entry, f"{path}/DtTm")
    if text is None:
        return None
    parsed = _date(text)
    if parsed is None:
        problems.add(f"{where}/{path}", BAD_DATE, value=text, expected="YYYY-MM-DD")
    return parsed


def _is_booked(reader: _Reader, entry: etree._Element) -> bool:
    status = reader.text(entry, "Sts/Cd") or reader.text(entry, "Sts")
    return status in (None, "BOOK")


def _entry(
    reader: _Reader, entry: etree._Element, where: str, currency: str, problems: Problems
) -> list[ParsedLine]:
    if not _is_booked(reader, entry):
        return []
    amount = _amount(reader, entry, where, problems)
    booking = _entry_date(reader, entry, "BookgDt", where, problems)
    value = _entry_date(reader, entry, "ValDt", where, problems)
    if booking is None and value is None:
        problems.add(f"{where}/BookgDt", MISSING)
    if amount is None or (booking or value) is None:
        return []
    minor, entry_currency = amount
    if minor == 0:
        problems.add(f"{where}/Amt", ZERO_AMOUNT)
        return []
    if entry_currency != currency:
        problems.add(
            f"{where}/Amt/@Ccy",
            _l("The entry is in {found}, the account in {expected}."),
            found=entry_currency,
            expected=currency,
        )
        return []
    base = ParsedLine(
        booking_date=booking or value,  # type: ignore[arg-type]
        value_date=value,
        amount_minor=minor,
        currency=currency,
        label=reader.text(entry, "AddtlNtryInf") or "",
        bank_reference=reader.text(entry, "AcctSvcrRef") or reader.text(entry, "NtryRef"),
        bank_code=_bank_code(reader, entry),
    )
    details = reader.all(entry, "NtryDtls/TxDtls")
    if len(details) <= 1:
        return [_with_details(reader, base, details[0] if details else None, minor)]
    return _batch(reader, base, details, where, problems)


def _bank_code(reader: _Reader, entry: etree._Element) -> str | None:
    parts = [
        reader.text(entry, "BkTxCd/Domn/Cd"),
        reader.text(entry, "BkTxCd/Domn/Fmly/Cd"),
        reader.text(entry, "BkTxCd/Domn/Fmly/SubFmlyCd"),
    ]
    if all(parts):
        return "/".join(str(part) for part in parts)
    return reader.text(entry, "BkTxCd/Prtry/Cd")


def _batch(
    reader: _Reader,
    base: ParsedLine,
    details: list[etree._Element],
    where: str,
    problems: Problems,
) -> list[ParsedLine]:
    """A batch entry split into its transactions, when each has an amount adding up to the
    entry's; otherwise the entry stays one line (with the first transaction's details)."""
    amounts: list[int] = []
    for number, detail in enumerate(details, start=1):
        has_amount = (
            reader.one(detail, "Amt") is not None
            or reader.one(detail, "AmtDtls/TxAmt/Amt") is not None
        )
        if not has_amount:
            return [_with_details(reader, base, details[0], base.amount_minor)]
        if reader.text(detail, "CdtDbtInd") is None:
            # An older file may leave the direction to the entry.
            node = reader.one(detail, "Amt") or reader.one(detail, "AmtDtls/TxAmt/Amt")
            text = (node.text or "").strip() if node is not None else ""
            try:
                value = to_minor(parse_decimal(text), base.currency)
            except ValueError:
                problems.add(f"{where}/NtryDtls/TxDtls[{number}]/Amt", BAD_AMOUNT, value=text)
                return []
            amounts.append(value if base.amount_minor > 0 else -value)
            continue
        found = _amount(reader, detail, f"{where}/NtryDtls/TxDtls[{number}]", problems)
        if found is None:
            return []
        amounts.append(found[0])
    if sum(amounts) != base.amount_minor:
        problems.add(
            f"{where}/NtryDtls",
            _l("The transactions of this batch do not add up to the entry's amount."),
        )
        return []
    return [
        _with_details(reader, base, detail, amount)
        for detail, amount in zip(details, amounts, strict=True)
    ]


def _with_details(
    reader: _Reader, base: ParsedLine, detail: etree._Element | None, amount_minor: int
) -> ParsedLine:
    if detail is None:
        return base
    party = "Dbtr" if amount_minor > 0 else "Cdtr"
    name = reader.text(detail, f"RltdPties/{party}/Pty/Nm") or reader.text(
        detail, f"RltdPties/{party}/Nm"
    )
    iban = reader.text(detail, f"RltdPties/{party}Acct/Id/IBAN")
    unstructured = " ".join(
        text
        for node in reader.all(detail, "RmtInf/Ustrd")
        if (text := " ".join((node.text or "").split()))
    )
    structured = reader.text(detail, "RmtInf/Strd/CdtrRefInf/Ref")
    end_to_end = reader.text(detail, "Refs/EndToEndId")
    if end_to_end == "NOTPROVIDED":
        end_to_end = None
    label = base.label
    extra = reader.text(detail, "AddtlTxInf")
    if unstructured and unstructured not in label:
        label = f"{label} {unstructured}".strip()
    if extra and extra not in label:
        label = f"{label} {extra}".strip()
    return ParsedLine(
        booking_date=base.booking_date,
        value_date=base.value_date,
        amount_minor=amount_minor,
        currency=base.currency,
        label=label[:500],
        reference=(structured or unstructured or None),
        end_to_end_id=end_to_end,
        bank_reference=reader.text(detail, "Refs/AcctSvcrRef") or base.bank_reference,
        bank_code=base.bank_code,
        counterpart_name=name,
        counterpart_iban=normalise_iban(iban),
    )
