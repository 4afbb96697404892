"""The PCG posting rules: how invoices, credit notes, settlements, supplier bills, supplier
payments and bank transfers become entries. Every rule is idempotent through its source id.

Entry and line labels are the books' data (they end in the FEC), written in French."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.billing.invoices.models import Invoice, Settlement
from comptoir.billing.ledger import advances
from comptoir.billing.ledger.chart import CUSTOMERS, SUPPLIERS
from comptoir.billing.ledger.entries import LineSpec, find_by_source, post_entry
from comptoir.billing.ledger.errors import LedgerError
from comptoir.billing.ledger.lettering import auxiliary_account, letter
from comptoir.billing.ledger.models import Entry, EntryLine
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.money import currency_exponent

BOOK_CURRENCY: Final = "EUR"
DOMESTIC_VAT: Final = {
    Decimal("0.2"): "445711",
    Decimal("0.1"): "445712",
    Decimal("0.055"): "445713",
    Decimal("0.021"): "445714",
}
OSS_VAT: Final = "445719"
INPUT_VAT: Final = "445660"
INTRA_EU_INPUT_VAT: Final = "445662"
INTRA_EU_VAT_DUE: Final = "445200"
BANK: Final = "512000"
CASH: Final = "530000"
BANK_FEES: Final = "627000"
GOODS_BY_SCHEME: Final = {
    "oss": "707100",
    "intra_eu_goods": "707200",
    "reverse_charge": "707200",
    "export": "707300",
}
EXCHANGE_GAIN: Final = "766000"
EXCHANGE_LOSS: Final = "666000"
ROUNDING_GAIN: Final = "758000"
ROUNDING_LOSS: Final = "658000"
REVENUE_BY_KIND: Final = {"service": "706000", "shipping": "708500", "fee": "708800"}
STRIPE_PREFIXES: Final = ("pi_", "ch_", "py_", "re_")


@dataclass(frozen=True, slots=True)
class BillPosting:
    """A supplier bill as the ledger needs it. ``lines`` are (account, net, VAT rate, VAT)
    in the bill's currency."""

    bill_id: uuid.UUID
    number: str
    supplier_id: uuid.UUID
    supplier_name: str
    bill_date: date
    due_date: date | None
    currency: str
    exchange_rate: Decimal
    lines: Sequence[tuple[str, int, Decimal, int]]
    reverse_charge: bool = False
    is_credit: bool = False


@dataclass(frozen=True, slots=True)
class SupplierPaymentPosting:
    """Money paid to a supplier (a negative amount: money a supplier paid back)."""

    source_id: uuid.UUID
    supplier_id: uuid.UUID
    supplier_name: str
    amount_minor: int
    paid_on: date
    reference: str
    bank_account: str = "512000"


class _Converter:
    """Amounts of a document's currency in euros (minor units, half up), keeping the
    original amount on each line when the currency is not the euro."""

    def __init__(self, currency: str, rate: Decimal) -> None:
        self.currency = currency
        self.foreign = currency != BOOK_CURRENCY
        self.factor = (
            Decimal(rate).scaleb(currency_exponent(BOOK_CURRENCY) - currency_exponent(currency))
            if self.foreign
            else Decimal(1)
        )

    def line(
        self,
        account: str,
        amount: int,
        *,
        label: str,
        credit: bool,
        auxiliary: str | None = None,
        due_date: date | None = None,
        euros: int | None = None,
    ) -> LineSpec:
        """A line of ``amount`` (signed: a negative amount goes to the other side)."""
        value = self.euros(amount) if euros is None else euros
        if value < 0:
            value, credit = -value, not credit
        return LineSpec(
            account=account,
            debit_minor=0 if credit else value,
            credit_minor=value if credit else 0,
            label=label,
            auxiliary=auxiliary,
            currency_amount_minor=abs(amount) if self.foreign else None,
            currency=self.currency if self.foreign else None,
            due_date=due_date,
        )

    def euros(self, amount: int) -> int:
        if not self.foreign:
            return amount
        return int((Decimal(amount) * self.factor).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _label(*parts: str | None) -> str:
    return " ".join(part for part in parts if part)[:200]


def _net_amount(lines: Iterable[LineSpec]) -> int:
    """Credits minus debits."""
    return sum(line.credit_minor - line.debit_minor for line in lines)


def _customer_auxiliary(session: Session, invoice: Invoice) -> str:
    return auxiliary_account(
        session,
        party_type="customer" if invoice.customer_id else "guest",
        party_id=invoice.customer_id,
        label=invoice.buyer_name,
    )


def revenue_account(line_kind: str, vat_scheme: str) -> str:
    """The income account of an invoice line: services 706000, shipping 708500, fees
    708800; goods 707000, or by VAT scheme 707100 (OSS), 707200 (intra-EU), 707300
    (export)."""
    if line_kind in REVENUE_BY_KIND:
        return REVENUE_BY_KIND[line_kind]
    return GOODS_BY_SCHEME.get(vat_scheme, "707000")


def output_vat_account(rate: Decimal, vat_scheme: str) -> str:
    """The VAT-collected account of a rate (445711 20 %, 445712 10 %, 445713 5.5 %,
    445714 2.1 %; 445719 for VAT of other member states under OSS). Raises
    :class:`LedgerError` (field "tax_totals") for a rate France does not have."""
    if vat_scheme == "oss":
        return OSS_VAT
    account = DOMESTIC_VAT.get(Decimal(rate).normalize())
    if account is None:
        raise LedgerError(
            _l("No VAT account for the rate {rate}."), field="tax_totals", rate=str(rate)
        )
    return account


def post_invoice(session: Session, invoice: Invoice, *, actor: str | None = None) -> Entry:
    """Post an issued invoice or credit note in VE: the customer's amount payable on
    411000 (with its auxiliary account and the due date), each revenue account's net, each
    VAT rate's tax, and the rounding amount of a tax-included sale (BT-114) on 758000 when
    positive, 658000 when negative. A credit note is the mirror. Foreign-currency amounts
    are converted with the invoice's exchange rate; the customer line takes the sum of the
    converted lines so that the entry balances. Idempotent. Raises :class:`LedgerError`
    (field "kind" or "tax_totals") and whatever :func:`post_entry` raises."""
    existing = find_by_source(session, "invoice", invoice.id, "issue")
    if existing is not None:
        return existing
    if invoice.kind not in ("invoice", "credit_note") or invoice.issue_date is None:
        raise LedgerError(_l("Only issued invoices and credit notes are posted."), field="kind")
    is_credit_note = invoice.kind == "credit_note"
    convert = _Converter(invoice.currency, invoice.exchange_rate)
    label = _label(invoice.number, invoice.buyer_name)
    per_account: dict[str, int] = defaultdict(int)
    for item in invoice.lines:
        per_account[revenue_account(item.kind, invoice.vat_scheme)] += item.net_minor
    for total in invoice.tax_totals:
        if total.tax_minor:
            per_account[output_vat_account(total.rate, invoice.vat_scheme)] += total.tax_minor
    rounding = invoice.rounding_minor or 0
    if rounding:
        # BT-114: the customer owes what they paid; the cents rounding the VAT could not
        # reach are a miscellaneous income (or charge), never revenue or VAT.
        per_account[ROUNDING_GAIN if rounding > 0 else ROUNDING_LOSS] += rounding
    income = [
        convert.line(account, amount, label=label, credit=not is_credit_note)
        for account, amount in sorted(per_account.items())
        if amount
    ]
    gross = sum(per_account.values())
    customer = convert.line(
        CUSTOMERS,
        gross,
        label=label,
        credit=is_credit_note,
        auxiliary=_customer_auxiliary(session, invoice),
        due_date=invoice.due_date,
        euros=abs(_net_amount(income)) if gross >= 0 else -abs(_net_amount(income)),
    )
    return post_entry(
        session,
        journal="VE",
        entry_date=invoice.issue_date,
        label=label,
        piece_ref=invoice.number or "",
        piece_date=invoice.issue_date,
        lines=[customer, *income],
        source_type="invoice",
        source_id=invoice.id,
        purpose="issue",
        actor=actor,
    )


def treasury_for(settlement: Settlement) -> tuple[str, str]:
    """(account, journal) where a settlement's money sits until it reaches the bank."""
    return treasury_of(settlement.method, settlement.reference, settlement.source_type)


def treasury_of(method: str, reference: str | None, source_type: str = "") -> tuple[str, str]:
    """(account, journal) where money received by ``method`` sits until it reaches the bank
    (``source_type`` ``bank_line``: it is there already)."""
    if method == "stripe" or (method == "card" and (reference or "").startswith(STRIPE_PREFIXES)):
        return "511510", "BQ"
    if method in ("card", "test_card", "card_terminal"):
        return "511500", "BQ"
    if method == "bank_transfer":
        return (BANK, "BQ") if source_type == "bank_line" else ("511200", "BQ")
    if method == "cash":
        return CASH, "CA"
    if method == "marketplace":
        return "467000", "BQ"
    return BANK, "BQ"


def post_settlement(session: Session, invoice: Invoice, settlement: Settlement) -> Entry | None:
    """Post money received for an invoice (or paid back on a credit note): D treasury,
    C 411000 (the mirror for a credit note). A credit note set against an invoice posts
    nothing: the two are lettered instead. Whenever the invoice's customer lines then settle
    each other, they are lettered. Idempotent."""
    if settlement.method == "credit_note":
        _letter_when_settled(session, invoice, settlement.settled_on)
        return None
    existing = find_by_source(session, "settlement", settlement.id, "payment")
    if existing is not None:
        return existing
    treasury, journal = treasury_for(settlement)
    convert = _Converter(invoice.currency, invoice.exchange_rate)
    received = invoice.kind != "credit_note"
    label = _label("Règlement", invoice.number, settlement.reference)
    advance = (
        advances.advance_of(session, settlement.source_id)
        if received and settlement.source_type == "payment" and invoice.currency == BOOK_CURRENCY
        else None
    )
    if advance is not None:
        entry = advances.apply_advance(
            session, advance=advance, settlement_id=settlement.id,
            amount_minor=settlement.amount_minor, on=settlement.settled_on,
            customers_account=CUSTOMERS, auxiliary=_customer_auxiliary(session, invoice),
            label=label,
        )  # fmt: skip
        _letter_when_settled(session, invoice, settlement.settled_on)
        return entry
    # Money in another currency is worth what the rate of its day says; the customer's
    # account is cleared at the invoice's rate; the difference is an exchange gain or loss.
    cash = _Converter(invoice.currency, settlement.exchange_rate or invoice.exchange_rate)
    cash_euros = cash.euros(settlement.amount_minor)
    owed_euros = _owed_euros(session, invoice, settlement, convert)
    lines = [
        cash.line(
            treasury, settlement.amount_minor, label=label, credit=not received, euros=cash_euros
        ),
        convert.line(
            CUSTOMERS,
            settlement.amount_minor,
            label=label,
            credit=received,
            auxiliary=_customer_auxiliary(session, invoice),
            euros=owed_euros,
        ),
    ]
    difference = (cash_euros - owed_euros) * (1 if received else -1)
    if difference > 0:
        lines.append(LineSpec(account=EXCHANGE_GAIN, credit_minor=difference, label=label))
    elif difference < 0:
        lines.append(LineSpec(account=EXCHANGE_LOSS, debit_minor=-difference, label=label))
    entry = post_entry(
        session,
        journal=journal,
        entry_date=settlement.settled_on,
        label=label,
        piece_ref=(settlement.reference or invoice.number or "")[:60],
        lines=lines,
        source_type="settlement",
        source_id=settlement.id,
        purpose="payment",
    )
    _letter_when_settled(session, invoice, settlement.settled_on)
    return entry


def _owed_euros(
    session: Session, invoice: Invoice, settlement: Settlement, convert: _Converter
) -> int:
    """What a settlement clears on the customer's account, in euros at the invoice's rate:
    the sole settlement of a whole invoice in another currency clears exactly what its entry
    put on the account (the converted lines may differ by a cent from the converted total)."""
    owed = convert.euros(settlement.amount_minor)
    if (
        not convert.foreign
        or settlement.amount_minor != invoice.total_gross_minor + invoice.rounding_minor
    ):
        return owed
    issued = find_by_source(session, "invoice", invoice.id, "issue")
    customer = [
        line for line in (issued.lines if issued else []) if line.account_number == CUSTOMERS
    ]
    return abs(customer[0].debit_minor - customer[0].credit_minor) if len(customer) == 1 else owed


def _letter_when_settled(session: Session, invoice: Invoice, on: date) -> None:
    """Letter the customer lines of the invoice, its payments and the credit notes set
    against it, once they add up to nothing."""
    settlements = list(
        session.scalars(select(Settlement).where(Settlement.invoice_id == invoice.id))
    )
    sources = [("invoice", invoice.id, "issue")]
    sources += [("settlement", s.id, "payment") for s in settlements]
    sources += [("invoice", s.source_id, "issue") for s in settlements if s.method == "credit_note"]
    entry_ids = [
        entry.id
        for kind, source_id, purpose in sources
        if (entry := find_by_source(session, kind, source_id, purpose)) is not None
    ]
    lines = list(
        session.scalars(
            select(EntryLine).where(
                EntryLine.entry_id.in_(entry_ids),
                EntryLine.account_number == CUSTOMERS,
                EntryLine.lettering.is_(None),
            )
        )
    )
    if (
        len(lines) >= 2
        and len({line.auxiliary_number for line in lines}) == 1
        and _net_amount(_specs(lines)) == 0
    ):
        letter(session, [line.id for line in lines], on=on)


def _specs(lines: Iterable[EntryLine]) -> list[LineSpec]:
    return [LineSpec(line.account_number, line.debit_minor, line.credit_minor) for line in lines]


def post_supplier_bill(session: Session, bill: BillPosting) -> Entry:
    """Post a supplier bill in AC: D each expense account's net, D 445660 its VAT, C 401000
    (the supplier's auxiliary account, with the due date). For an intra-EU acquisition
    (reverse charge) the VAT is self-assessed: D 445662 and C 445200, and the supplier is
    owed the net only. A supplier credit note is the mirror. Idempotent."""
    existing = find_by_source(session, "supplier_bill", bill.bill_id, "bill")
    if existing is not None:
        return existing
    convert = _Converter(bill.currency, bill.exchange_rate)
    label = _label(bill.number, bill.supplier_name)
    debit = bill.is_credit  # "credit=" of an expense line: True for a supplier credit note
    lines: list[LineSpec] = []
    per_account: dict[str, int] = defaultdict(int)
    vat_by_rate: dict[Decimal, int] = defaultdict(int)
    for account, net, rate, vat in bill.lines:
        per_account[account] += net
        if bill.reverse_charge and not vat:
            vat = int((Decimal(net) * Decimal(rate)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        vat_by_rate[Decimal(rate)] += vat
    for account, amount in sorted(per_account.items()):
        if amount:
            lines.append(convert.line(account, amount, label=label, credit=debit))
    vat_total = sum(vat_by_rate.values())
    if vat_total and bill.reverse_charge:
        lines.append(convert.line(INTRA_EU_INPUT_VAT, vat_total, label=label, credit=debit))
        lines.append(convert.line(INTRA_EU_VAT_DUE, vat_total, label=label, credit=not debit))
    elif vat_total:
        lines.append(convert.line(INPUT_VAT, vat_total, label=label, credit=debit))
    owed = sum(per_account.values()) + (0 if bill.reverse_charge else vat_total)
    expenses = -_net_amount(lines)
    lines.insert(
        0,
        convert.line(
            SUPPLIERS,
            owed,
            label=label,
            credit=not debit,
            auxiliary=auxiliary_account(
                session,
                party_type="supplier",
                party_id=bill.supplier_id,
                label=bill.supplier_name,
            ),
            due_date=bill.due_date,
            euros=abs(expenses) if owed >= 0 else -abs(expenses),
        ),
    )
    return post_entry(
        session,
        journal="AC",
        entry_date=bill.bill_date,
        label=label,
        piece_ref=bill.number,
        piece_date=bill.bill_date,
        lines=lines,
        source_type="supplier_bill",
        source_id=bill.bill_id,
        purpose="bill",
    )


def post_supplier_payment(session: Session, payment: SupplierPaymentPosting) -> Entry:
    """Post a payment to a supplier: D 401000 (its auxiliary account), C the bank (BQ; CA
    when paid from the till). Idempotent."""
    label = _label("Paiement", payment.supplier_name, payment.reference)
    supplier = auxiliary_account(
        session, party_type="supplier", party_id=payment.supplier_id, label=payment.supplier_name
    )
    convert = _Converter(BOOK_CURRENCY, Decimal(1))
    return post_entry(
        session,
        journal="CA" if payment.bank_account == CASH else "BQ",
        entry_date=payment.paid_on,
        label=label,
        piece_ref=payment.reference[:60],
        lines=[
            convert.line(
                SUPPLIERS, payment.amount_minor, label=label, credit=False, auxiliary=supplier
            ),
            convert.line(payment.bank_account, payment.amount_minor, label=label, credit=True),
        ],
        source_type="supplier_payment",
        source_id=payment.source_id,
        purpose="payment",
    )


def post_bank_transfer(
    session: Session,
    *,
    amount_minor: int,
    on: date,
    from_account: str,
    to_account: str,
    fee_minor: int = 0,
    label: str,
    piece_ref: str,
    source_type: str,
    source_id: uuid.UUID,
) -> Entry:
    """Post money moving between treasury accounts in BQ, e.g. a card payout: D 512000 the
    amount received, D 627000 the fee kept, C 511500 both. Idempotent."""
    lines = [LineSpec(account=to_account, debit_minor=amount_minor, label=label)]
    if fee_minor:
        lines.append(LineSpec(account=BANK_FEES, debit_minor=fee_minor, label=label))
    lines.append(LineSpec(account=from_account, credit_minor=amount_minor + fee_minor, label=label))
    return post_entry(
        session,
        journal="BQ",
        entry_date=on,
        label=label,
        piece_ref=piece_ref,
        lines=lines,
        source_type=source_type,
        source_id=source_id,
        purpose="transfer",
    )
