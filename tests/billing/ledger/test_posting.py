"""The PCG posting rules for invoices, credit notes, settlements, supplier bills and
payments."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from comptoir.billing.ledger import posting, service
from comptoir.billing.ledger.models import Entry
from comptoir.billing.ledger.posting import BillPosting, SupplierPaymentPosting
from comptoir.kit.db.engine import Database
from tests.billing.ledger.factories import make_invoice, make_settlement

Row = tuple[str, str | None, int, int]


def _rows(entry: Entry) -> list[Row]:
    return [
        (x.account_number, x.auxiliary_number, x.debit_minor, x.credit_minor) for x in entry.lines
    ]


@pytest.fixture
def session(db: Database) -> Session:
    return db.session()


def test_an_invoice_posts_the_customer_revenue_per_kind_and_vat_per_rate(
    session: Session,
) -> None:
    customer = uuid.uuid4()
    invoice = make_invoice(
        session,
        customer_id=customer,
        buyer_name="Maison Lefèvre",
        lines=[
            ("goods", 10000, Decimal("0.2")),
            ("goods", 2000, Decimal("0.055")),
            ("service", 5000, Decimal("0.2")),
            ("shipping", 590, Decimal("0.2")),
            ("fee", 100, Decimal("0.2")),
        ],
    )

    entry = posting.post_invoice(session, invoice, actor="ada")

    aux = service.auxiliary_account(session, party_type="customer", party_id=customer, label=None)
    assert (entry.journal_code, entry.piece_ref, entry.entry_date) == (
        "VE",
        invoice.number,
        date(2026, 3, 10),
    )
    assert _rows(entry) == [
        ("411000", aux, 20938, 0),
        ("445711", None, 0, 3138),
        ("445713", None, 0, 110),
        ("706000", None, 0, 5000),
        ("707000", None, 0, 12000),
        ("708500", None, 0, 590),
        ("708800", None, 0, 100),
    ]
    assert invoice.total_gross_minor == 20938
    assert entry.lines[0].due_date == date(2026, 4, 9)
    assert "Maison Lefèvre" in entry.lines[0].label
    assert posting.post_invoice(session, invoice) is entry


def test_a_guest_invoice_goes_to_the_shared_guest_account(session: Session) -> None:
    entry = posting.post_invoice(session, make_invoice(session))

    assert _rows(entry)[0] == ("411000", "CDIVERS", 12000, 0)


def test_a_credit_note_is_the_mirror(session: Session) -> None:
    note = make_invoice(session, kind="credit_note", lines=[("goods", 5000, Decimal("0.2"))])

    entry = posting.post_invoice(session, note)

    assert _rows(entry) == [
        ("411000", "CDIVERS", 0, 6000),
        ("445711", None, 1000, 0),
        ("707000", None, 5000, 0),
    ]


def test_an_oss_invoice_uses_the_eu_sales_and_oss_vat_accounts(session: Session) -> None:
    invoice = make_invoice(
        session,
        vat_scheme="oss",
        lines=[("goods", 10000, Decimal("0.19")), ("shipping", 500, Decimal("0.19"))],
    )

    entry = posting.post_invoice(session, invoice)

    assert _rows(entry) == [
        ("411000", "CDIVERS", 12495, 0),
        ("445719", None, 0, 1995),
        ("707100", None, 0, 10000),
        ("708500", None, 0, 500),
    ]


@pytest.mark.parametrize(
    ("scheme", "goods_account"),
    [("reverse_charge", "707200"), ("intra_eu_goods", "707200"), ("export", "707300")],
)
def test_untaxed_invoices_post_no_vat(session: Session, scheme: str, goods_account: str) -> None:
    invoice = make_invoice(
        session,
        vat_scheme=scheme,
        charge_vat=False,
        lines=[("goods", 8000, Decimal("0.2")), ("service", 1000, Decimal("0.2"))],
    )

    entry = posting.post_invoice(session, invoice)

    assert _rows(entry) == [
        ("411000", "CDIVERS", 9000, 0),
        ("706000", None, 0, 1000),
        (goods_account, None, 0, 8000),
    ]


def test_a_foreign_currency_invoice_is_booked_in_euros_keeping_the_currency(
    session: Session,
) -> None:
    invoice = make_invoice(
        session,
        currency="USD",
        exchange_rate=Decimal("0.92345"),
        lines=[("goods", 10001, Decimal("0.2")), ("service", 333, Decimal("0.1"))],
    )

    entry = posting.post_invoice(session, invoice)

    # VAT 20 % of 100.01 = 20.00, 10 % of 3.33 = 0.33; each line converted half up.
    assert _rows(entry) == [
        ("411000", "CDIVERS", 11420, 0),
        ("445711", None, 0, 1847),
        ("445712", None, 0, 30),
        ("706000", None, 0, 308),
        ("707000", None, 0, 9235),
    ]
    assert [(x.currency_amount_minor, x.currency) for x in entry.lines] == [
        (12367, "USD"),
        (2000, "USD"),
        (33, "USD"),
        (333, "USD"),
        (10001, "USD"),
    ]


@pytest.mark.parametrize(
    ("rate", "bank", "difference"),
    [
        (Decimal("0.95"), 11749, ("766000", None, 0, 329)),  # the dollar rose: a gain
        (Decimal("0.90"), 11130, ("666000", None, 290, 0)),  # it fell: a loss
        (None, 11420, None),  # no rate recorded that day: the invoice's rate
    ],
)
def test_money_in_another_currency_books_the_exchange_difference(
    session: Session, rate: Decimal | None, bank: int, difference: Row | None
) -> None:
    invoice = make_invoice(
        session,
        currency="USD",
        exchange_rate=Decimal("0.92345"),
        lines=[("goods", 10001, Decimal("0.2")), ("service", 333, Decimal("0.1"))],
    )
    issued = posting.post_invoice(session, invoice)
    paid = make_settlement(
        session, invoice, method="bank_transfer", exchange_rate=rate, amount_minor=12367
    )
    invoice.amount_paid_minor, invoice.status = 12367, "paid"

    entry = posting.post_settlement(session, invoice, paid)

    assert entry is not None
    # 123.67 USD received: in euros at the rate of its day; the customer's 114.20 EUR cleared
    assert _rows(entry) == [
        ("511200", None, bank, 0),
        ("411000", "CDIVERS", 0, 11420),
        *([difference] if difference else []),
    ]
    assert sum(x.debit_minor for x in entry.lines) == sum(x.credit_minor for x in entry.lines)
    assert issued.lines[0].lettering is not None
    assert issued.lines[0].lettering == entry.lines[1].lettering


def test_a_settlement_posts_the_treasury_and_letters_the_paid_invoice(
    session: Session,
) -> None:
    invoice = make_invoice(session)
    issued = posting.post_invoice(session, invoice)
    first = make_settlement(session, invoice, amount_minor=2000, method="cash")
    rest = make_settlement(session, invoice, amount_minor=10000, reference="pi_3Nx")

    cash = posting.post_settlement(session, invoice, first)
    assert issued.lines[0].lettering is None
    card = posting.post_settlement(session, invoice, rest)

    assert cash is not None
    assert card is not None
    assert (cash.journal_code, _rows(cash)) == (
        "CA",
        [("530000", None, 2000, 0), ("411000", "CDIVERS", 0, 2000)],
    )
    assert (card.journal_code, _rows(card)[0]) == ("BQ", ("511510", None, 10000, 0))
    code = issued.lines[0].lettering
    assert code is not None
    assert cash.lines[1].lettering == card.lines[1].lettering == code
    assert posting.post_settlement(session, invoice, rest) is card


@pytest.mark.parametrize(
    ("method", "source_type", "account"),
    [
        ("card", "payment", "511500"),
        ("test_card", "payment", "511500"),
        ("stripe", "payment", "511510"),
        ("bank_transfer", "bank_line", "512000"),
        ("bank_transfer", "manual", "511200"),
        ("marketplace", "payment", "467000"),
        ("cheque", "manual", "512000"),
    ],
)
def test_the_treasury_account_follows_the_method(
    session: Session, method: str, source_type: str, account: str
) -> None:
    invoice = make_invoice(session)
    settlement = make_settlement(session, invoice, method=method, source_type=source_type)

    entry = posting.post_settlement(session, invoice, settlement)

    assert entry is not None
    assert entry.lines[0].account_number == account


def test_a_credit_note_set_against_its_invoice_posts_nothing_but_letters(
    session: Session,
) -> None:
    invoice = make_invoice(session)
    note = make_invoice(session, kind="credit_note")
    issued = posting.post_invoice(session, invoice)
    credited = posting.post_invoice(session, note)
    netting = make_settlement(
        session, invoice, method="credit_note", source_type="credit_note", source_id=note.id
    )

    assert posting.post_settlement(session, invoice, netting) is None
    assert issued.lines[0].lettering is not None
    assert issued.lines[0].lettering == credited.lines[0].lettering


def test_a_refund_on_a_credit_note_pays_the_customer_back(session: Session) -> None:
    note = make_invoice(session, kind="credit_note")
    posting.post_invoice(session, note)

    entry = posting.post_settlement(session, note, make_settlement(session, note))

    assert entry is not None
    assert _rows(entry) == [("511500", None, 0, 12000), ("411000", "CDIVERS", 12000, 0)]


def _bill(**more: object) -> BillPosting:
    values: dict[str, object] = {
        "bill_id": uuid.uuid4(),
        "number": "F-778",
        "supplier_id": uuid.UUID(int=7),
        "supplier_name": "Torréfaction Lyonnaise",
        "bill_date": date(2026, 2, 3),
        "due_date": date(2026, 3, 5),
        "currency": "EUR",
        "exchange_rate": Decimal(1),
        "lines": [("607000", 50000, Decimal("0.055"), 2750), ("627000", 1000, Decimal("0.2"), 200)],
    }
    values.update(more)
    return BillPosting(**values)  # type: ignore[arg-type]


def test_a_supplier_bill_posts_expenses_deductible_vat_and_the_supplier(
    session: Session,
) -> None:
    entry = posting.post_supplier_bill(session, _bill())

    assert entry.journal_code == "AC"
    assert _rows(entry) == [
        ("401000", "F000001", 0, 53950),
        ("607000", None, 50000, 0),
        ("627000", None, 1000, 0),
        ("445660", None, 2950, 0),
    ]
    assert entry.lines[0].due_date == date(2026, 3, 5)


def test_a_reverse_charge_bill_self_assesses_the_vat(session: Session) -> None:
    bill = _bill(
        reverse_charge=True,
        lines=[("607000", 40000, Decimal("0.2"), 0)],
        currency="USD",
        exchange_rate=Decimal("0.9"),
    )

    entry = posting.post_supplier_bill(session, bill)

    assert _rows(entry) == [
        ("401000", "F000001", 0, 36000),
        ("607000", None, 36000, 0),
        ("445662", None, 7200, 0),
        ("445200", None, 0, 7200),
    ]
    assert entry.lines[0].currency_amount_minor == 40000


def test_a_supplier_credit_note_is_the_mirror(session: Session) -> None:
    entry = posting.post_supplier_bill(
        session, _bill(is_credit=True, lines=[("607000", 1000, Decimal("0.2"), 200)])
    )

    assert _rows(entry) == [
        ("401000", "F000001", 1200, 0),
        ("607000", None, 0, 1000),
        ("445660", None, 0, 200),
    ]


def test_a_supplier_payment_and_a_card_payout(session: Session) -> None:
    source = uuid.uuid4()
    paid = posting.post_supplier_payment(
        session,
        SupplierPaymentPosting(
            source_id=source,
            supplier_id=uuid.UUID(int=7),
            supplier_name="Torréfaction Lyonnaise",
            amount_minor=53950,
            paid_on=date(2026, 3, 1),
            reference="VIR-88",
        ),
    )
    payout = posting.post_bank_transfer(
        session,
        amount_minor=9800,
        fee_minor=200,
        on=date(2026, 3, 2),
        from_account="511500",
        to_account="512000",
        label="Versement cartes",
        piece_ref="PO-1",
        source_type="payout",
        source_id=uuid.uuid4(),
    )

    assert (paid.journal_code, _rows(paid)) == (
        "BQ",
        [("401000", "F000001", 53950, 0), ("512000", None, 0, 53950)],
    )
    assert _rows(payout) == [
        ("512000", None, 9800, 0),
        ("627000", None, 200, 0),
        ("511500", None, 0, 10000),
    ]
