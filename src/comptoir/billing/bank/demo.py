"""Demo bank statements: what the shop's bank would have sent, month by month, for the
money its books expect (card takings paid out by the acquirers, invoices paid by transfer,
supplier bills paid), as ISO 20022 camt.053.001.08 files, with the noise a real bank adds:
its fees, a customer paying two invoices with one transfer, a customer mistyping the
invoice number, a transfer nobody expected.

:func:`build_statements` is pure and knows, for every line, what it really pays
(``truth``): the matching is measured against it. :func:`seed_bank` imports the statements
into the demo shop's bank account.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Final
from xml.sax.saxutils import escape

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.billing.bank import reconcile, service
from comptoir.billing.bank.matching import BANK_FEE_ACCOUNT, Candidates, OpenBill, OpenInvoice
from comptoir.billing.bank.models import BankAccount
from comptoir.kit import clock
from comptoir.kit.settings import Settings

DEMO_IBAN: Final = "FR7630004000031234567890143"
DEMO_BIC: Final = "BNPAFRPPXXX"
NAMESPACE: Final = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
STRANGERS: Final = (
    "LEROY PIERRE",
    "SCI LES TILLEULS",
    "MOREAU CHRISTINE",
    "ASSOCIATION SPORTIVE DU LAC",
)
GROUP_SHARE: Final = 0.25
TYPO_SHARE: Final = 0.06
UNPAID_SHARE: Final = 0.08

Truth = frozenset[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class DemoLine:
    booking_date: date
    amount_minor: int
    label: str
    kind: str
    truth: Truth
    structured_reference: str | None = None
    unstructured: str | None = None
    name: str | None = None
    iban: str | None = None
    bank_reference: str = ""


@dataclass(slots=True)
class DemoStatement:
    month: date
    xml: bytes
    lines: list[DemoLine] = field(default_factory=list)

    @property
    def truth(self) -> dict[str, Truth]:
        return {line.bank_reference: line.truth for line in self.lines}


def iban_for(seed: str) -> str:
    """A valid French IBAN (checksum included) made from ``seed``: the same party always
    pays from the same account."""
    digits = "".join(str(ord(c) % 10) for c in seed.upper())[:11].ljust(11, "7")
    bban = f"30002{(sum(map(ord, seed)) % 99999):05d}{digits}{int(digits) % 97:02d}"
    numeric = int(bban + "152700")  # F=15 R=27, then 00
    return f"FR{98 - numeric % 97:02d}{bban}"


def _business_day(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _typo(number: str, rng: random.Random) -> str:
    """``number`` with two neighbouring digits of its sequence swapped (or one changed)."""
    chars = list(number)
    positions = [i for i in range(len(chars) - 1) if chars[i].isdigit() and chars[i + 1].isdigit()]
    for i in rng.sample(positions[-5:], k=min(5, len(positions[-5:]))):
        if chars[i] != chars[i + 1]:
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
            return "".join(chars)
    last = len(chars) - 1
    chars[last] = str((int(chars[last]) + 1) % 10)
    return "".join(chars)


def _payout_lines(candidates: Candidates) -> list[DemoLine]:
    lines = []
    for payout in candidates.payouts:
        fee = payout.expected_fee_minor or 0
        is_stripe = payout.label.startswith("Stripe")
        delay = 2 if is_stripe else 1
        booked = _business_day(payout.sales_date + timedelta(days=delay))
        label = (
            f"VIR STRIPE PAYMENTS EUROPE PAYOUT {payout.sales_date:%d%m%y}"
            if is_stripe
            else f"REMISE CB {payout.sales_date:%d/%m} TPE 0042187"
        )
        lines.append(
            DemoLine(
                booking_date=booked,
                amount_minor=payout.gross_minor - fee,
                label=label,
                kind="payout",
                truth=frozenset({("card_payout", payout.key)}),
                name="STRIPE PAYMENTS EUROPE LTD" if is_stripe else None,
            )
        )
    return lines


def _invoice_lines(invoices: Sequence[OpenInvoice], rng: random.Random) -> list[DemoLine]:
    by_buyer: dict[str, list[OpenInvoice]] = defaultdict(list)
    for invoice in invoices:
        by_buyer[invoice.buyer_name or invoice.number].append(invoice)
    lines = []
    for buyer, pending in by_buyer.items():
        pending = sorted(pending, key=lambda i: (i.due_date or date.min, i.number))
        while pending:
            first = pending.pop(0)
            if rng.random() < UNPAID_SHARE:
                continue
            paid = [first]
            if pending and rng.random() < GROUP_SHARE:
                paid.append(pending.pop(0))
            lines.append(_transfer(buyer, paid, rng))
    return lines


def _transfer(buyer: str, paid: list[OpenInvoice], rng: random.Random) -> DemoLine:
    due = max(i.due_date or i.issue_date or date.today() for i in paid)  # noqa: DTZ011
    booked = _business_day(due + timedelta(days=rng.randint(-12, 10)))
    earliest = max(i.issue_date or booked for i in paid) + timedelta(days=1)
    booked = _business_day(max(booked, earliest))
    name = buyer.upper()
    numbers = [i.number for i in paid]
    kind, structured, unstructured = "invoice", None, None
    if len(paid) > 1:
        kind = "group"
        unstructured = "REGLEMENT FACTURES " + " ".join(numbers)
    elif rng.random() < TYPO_SHARE:
        kind = "typo"
        unstructured = f"FACTURE {_typo(numbers[0], rng)}"
    elif rng.random() < 0.7:
        structured = numbers[0]
    else:
        unstructured = rng.choice(("Facture {n}", "REGLEMENT {n} MERCI", "{n}")).format(
            n=numbers[0]
        )
    return DemoLine(
        booking_date=booked,
        amount_minor=sum(i.remaining_minor for i in paid),
        label=f"VIR SEPA RECU /DE {name}",
        kind=kind,
        truth=frozenset(("invoice", i.key) for i in paid),
        structured_reference=structured,
        unstructured=unstructured,
        name=name,
        iban=iban_for(buyer),
    )


def _bill_lines(bills: Sequence[OpenBill], rng: random.Random) -> list[DemoLine]:
    lines = []
    for bill in bills:
        due = bill.due_date or date.today()  # noqa: DTZ011
        booked = _business_day(due - timedelta(days=rng.randint(0, 5)))
        lines.append(
            DemoLine(
                booking_date=booked,
                amount_minor=-bill.remaining_minor,
                label=f"VIR SEPA EMIS /A {bill.supplier_name.upper()}",
                kind="bill",
                truth=frozenset({("bill", bill.key)}),
                unstructured=f"FACTURE {bill.number}",
                name=bill.supplier_name,
                iban=iban_for(bill.supplier_name),
            )
        )
    return lines


def _noise_lines(month: date, rng: random.Random) -> list[DemoLine]:
    fee = frozenset({("bank_fee", BANK_FEE_ACCOUNT)})
    first = _business_day(month)
    lines = [
        DemoLine(first, -1290, "FRAIS TENUE DE COMPTE", "fee", fee),
        DemoLine(first, -1900, "COTISATION OFFRE PRO CONNECT", "fee", fee),
    ]
    if rng.random() < 0.4:
        day = _business_day(month + timedelta(days=rng.randint(5, 20)))
        lines.append(DemoLine(day, -800, "COMMISSION D'INTERVENTION", "fee", fee))
    stranger = rng.choice(STRANGERS)
    day = _business_day(month + timedelta(days=rng.randint(3, 24)))
    lines.append(
        DemoLine(
            day,
            rng.randint(20, 900) * 100 + rng.choice((0, 50, 90)),
            f"VIR SEPA RECU /DE {stranger}",
            "unknown",
            frozenset(),
            unstructured="REMBOURSEMENT",
            name=stranger,
            iban=iban_for(stranger),
        )
    )
    return lines


def build_statements(
    candidates: Candidates,
    *,
    first_month: date,
    last_month: date,
    seed: int = 2026,
    iban: str = DEMO_IBAN,
    opening_minor: int = 1_500_000,
    until: date | None = None,
) -> list[DemoStatement]:
    """One camt.053 statement per month from ``first_month`` to ``last_month`` (their first
    days), with the lines the bank would have booked for ``candidates`` up to ``until`` (the
    bank books nothing in the future: a bill due later is not paid yet)."""
    rng = random.Random(seed)
    lines = _payout_lines(candidates)
    lines += _invoice_lines(candidates.invoices, rng)
    lines += _bill_lines(candidates.bills, rng)
    months = []
    month = first_month.replace(day=1)
    while month <= last_month and (until is None or month <= until):
        months.append(month)
        lines += _noise_lines(month, rng)
        month = (month + timedelta(days=32)).replace(day=1)
    if until is not None:
        lines = [line for line in lines if line.booking_date <= until]
    by_month: dict[date, list[DemoLine]] = defaultdict(list)
    for line in lines:
        key = line.booking_date.replace(day=1)
        if key in months:
            by_month[key].append(line)
    statements = []
    balance = opening_minor
    for number, month in enumerate(months, start=1):
        ordered = sorted(by_month[month], key=lambda x: (x.booking_date, -x.amount_minor, x.label))
        ordered = [
            replace(line, bank_reference=f"{month:%Y%m}{position:05d}")
            for position, line in enumerate(ordered, start=1)
        ]
        closing = balance + sum(line.amount_minor for line in ordered)
        xml = camt053_xml(
            ordered, month=month, number=number, iban=iban, opening=balance, closing=closing
        )
        statements.append(DemoStatement(month=month, xml=xml, lines=ordered))
        balance = closing
    return statements


def _amount(minor: int) -> str:
    return f"{Decimal(abs(minor)).scaleb(-2):.2f}"


def _side(minor: int) -> str:
    return "CRDT" if minor >= 0 else "DBIT"


def _balance(code: str, minor: int, day: date) -> str:
    return (
        f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>"
        f'<Amt Ccy="EUR">{_amount(minor)}</Amt><CdtDbtInd>{_side(minor)}</CdtDbtInd>'
        f"<Dt><Dt>{day.isoformat()}</Dt></Dt></Bal>"
    )


def _entry(line: DemoLine) -> str:
    party, account = ("Dbtr", "DbtrAcct") if line.amount_minor > 0 else ("Cdtr", "CdtrAcct")
    details = ""
    if line.name or line.structured_reference or line.unstructured:
        parties = ""
        if line.name:
            parties += f"<{party}><Pty><Nm>{escape(line.name)}</Nm></Pty></{party}>"
        if line.iban:
            parties += f"<{account}><Id><IBAN>{line.iban}</IBAN></Id></{account}>"
        remittance = ""
        if line.unstructured:
            remittance += f"<Ustrd>{escape(line.unstructured)}</Ustrd>"
        if line.structured_reference:
            remittance += (
                "<Strd><CdtrRefInf><Ref>"
                f"{escape(line.structured_reference)}</Ref></CdtrRefInf></Strd>"
            )
        details = (
            "<NtryDtls><TxDtls>"
            f"<Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>"
            f'<Amt Ccy="EUR">{_amount(line.amount_minor)}</Amt>'
            f"<CdtDbtInd>{_side(line.amount_minor)}</CdtDbtInd>"
            + (f"<RltdPties>{parties}</RltdPties>" if parties else "")
            + (f"<RmtInf>{remittance}</RmtInf>" if remittance else "")
            + "</TxDtls></NtryDtls>"
        )
    return (
        f'<Ntry><Amt Ccy="EUR">{_amount(line.amount_minor)}</Amt>'
        f"<CdtDbtInd>{_side(line.amount_minor)}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>"
        f"<BookgDt><Dt>{line.booking_date.isoformat()}</Dt></BookgDt>"
        f"<ValDt><Dt>{line.booking_date.isoformat()}</Dt></ValDt>"
        f"<AcctSvcrRef>{line.bank_reference}</AcctSvcrRef>"
        f"{details}<AddtlNtryInf>{escape(line.label)}</AddtlNtryInf></Ntry>"
    )


def camt053_xml(
    lines: Sequence[DemoLine],
    *,
    month: date,
    number: int,
    iban: str,
    opening: int,
    closing: int,
) -> bytes:
    """A month's statement as camt.053.001.08."""
    end = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    body = "".join(_entry(line) for line in lines)
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{NAMESPACE}">'
        f"<BkToCstmrStmt><GrpHdr><MsgId>DEMO-{month:%Y%m}</MsgId>"
        f"<CreDtTm>{end.isoformat()}T23:00:00</CreDtTm></GrpHdr>"
        f"<Stmt><Id>{month:%Y-%m}</Id><ElctrncSeqNb>{number}</ElctrncSeqNb>"
        f"<FrToDt><FrDtTm>{month.isoformat()}T00:00:00</FrDtTm>"
        f"<ToDtTm>{end.isoformat()}T23:59:59</ToDtTm></FrToDt>"
        f"<Acct><Id><IBAN>{iban}</IBAN></Id><Ccy>EUR</Ccy>"
        f"<Svcr><FinInstnId><BICFI>{DEMO_BIC}</BICFI></FinInstnId></Svcr></Acct>"
        f"{_balance('OPBD', opening, month)}{_balance('CLBD', closing, end)}"
        f"{body}</Stmt></BkToCstmrStmt></Document>\n"
    )
    return xml.encode()


# ---------------------------------------------------------------- the demo shop


def demo_account(session: Session) -> BankAccount:
    """The demo shop's current account (created once)."""
    account = session.scalar(select(BankAccount).where(BankAccount.iban == DEMO_IBAN))
    if account is None:
        account = service.create_account(
            session, service.AccountData(label="Compte courant BNP", iban=DEMO_IBAN, bic=DEMO_BIC)
        )
    return account


def _span(candidates: Candidates) -> tuple[date, date] | None:
    days = [p.sales_date for p in candidates.payouts]
    days += [i.due_date or i.issue_date for i in candidates.invoices if i.due_date or i.issue_date]  # type: ignore[misc]
    days += [b.due_date for b in candidates.bills if b.due_date]
    if not days:
        return None
    return min(days).replace(day=1), max(days).replace(day=1)


def statements_for_books(session: Session, *, seed: int = 2026) -> list[DemoStatement]:
    """The demo statements of what the books hold today."""
    books = reconcile.gather(session, "EUR")
    span = _span(books.candidates)
    if span is None:
        return []
    return build_statements(
        books.candidates,
        first_month=span[0],
        last_month=span[1],
        seed=seed,
        until=clock.now().date(),
    )


def seed_bank(session: Session, settings: Settings) -> str:
    """The demo's bank: its account and a statement per month, imported and reconciled.
    Idempotent: a second run imports nothing new."""
    del settings
    account = demo_account(session)
    statements = statements_for_books(session)
    imported = matched = 0
    for statement in statements:
        outcome = service.import_statement(
            session,
            account.id,
            file_name=f"releve-{statement.month:%Y-%m}.xml",
            content=statement.xml,
            actor="demo",
        )
        imported += outcome.is_new
        matched += outcome.reconciled.matched if outcome.reconciled else 0
    return f"Bank: {imported} statements imported, {matched} lines reconciled automatically."
