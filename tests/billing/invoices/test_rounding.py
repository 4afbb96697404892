"""The rounding amount (EN 16931 BT-114) of tax-included sales: VAT rounded once per rate
cannot reach every amount a customer pays (9.99 at 20 %: 832 + 166 = 9.98, 833 + 167 =
10.00), so the invoice says net + VAT and a rounding amount, and asks for exactly what was
paid. The ledger puts the cents on 758000 / 658000; the customer's account letters to zero."""

from __future__ import annotations

import uuid

import facturx
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from lxml import etree  # type: ignore[import-untyped, unused-ignore]
from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.billing.documents import cii_xml, ubl_xml
from comptoir.billing.documents.pdf import invoice_html
from comptoir.billing.invoices import handlers as _handlers  # noqa: F401  (subscribes)
from comptoir.billing.invoices import service
from comptoir.billing.invoices.models import Invoice, Settlement
from comptoir.billing.ledger.models import Entry, EntryLine
from comptoir.kit.clock import FrozenClock
from comptoir.kit.db.engine import Database
from comptoir.kit.events.models import OutboxEvent
from comptoir.kit.ids import uuid7
from comptoir.orders import service as orders
from comptoir.orders.schemas import CheckoutRequest
from tests.billing.documents.en16931 import NS, broken_rules, read_cii, read_ubl
from tests.billing.documents.test_xml import ubl_schema
from tests.billing.invoices.factories import invoices_of, make_seller, paid_order, relay
from tests.orders.factories import checkout_body, make_article, make_shop, make_tax_class_with

UNREACHABLE_AT_20 = 999
"""9.99 incl. 20 % VAT: no base b gives b + round(b x 0.2) = 999 (832 → 998, 833 → 1000)."""


def _entry_lines(session: Session, source_id: uuid.UUID) -> list[tuple[str, int, int]]:
    entry = session.scalar(select(Entry).where(Entry.source_id == source_id))
    assert entry is not None
    return sorted(
        (line.account_number, line.debit_minor, line.credit_minor) for line in entry.lines
    )


def _customer_lines(session: Session, invoice: Invoice) -> list[EntryLine]:
    """Every 411000 line of the invoice's customer account."""
    issue_line = session.scalar(
        select(EntryLine)
        .join(Entry, Entry.id == EntryLine.entry_id)
        .where(Entry.source_id == invoice.id, EntryLine.account_number == "411000")
    )
    assert issue_line is not None
    return list(
        session.scalars(
            select(EntryLine).where(
                EntryLine.account_number == "411000",
                EntryLine.auxiliary_number == issue_line.auxiliary_number,
            )
        )
    )


def _text(xml: bytes, path: str) -> list[str]:
    return [str(n.text) for n in etree.fromstring(xml).xpath(path, namespaces=NS)]


def test_an_unreachable_gross_is_invoiced_with_a_rounding_cent_and_fully_paid(
    db: Database, session: Session, clock: FrozenClock
) -> None:
    # given a mug at 9.99 VAT included, paid by card
    make_seller(session)
    _, order_id = paid_order(session, items=((UNREACHABLE_AT_20, 1),))
    session.commit()

    # when the order's events are relayed
    relay(db)

    # then the invoice says 8.32 + 1.66 = 9.98 and a rounding of 0.01, paid by the 9.99
    [invoice] = invoices_of(session, order_id)
    assert (invoice.total_net_minor, invoice.total_tax_minor, invoice.total_gross_minor) == (
        832, 166, 998,
    )  # fmt: skip
    assert invoice.rounding_minor == 1
    assert service.payable(invoice) == UNREACHABLE_AT_20
    assert (invoice.status, invoice.amount_paid_minor, service.amount_due(invoice)) == (
        "paid", UNREACHABLE_AT_20, 0,
    )  # fmt: skip
    settlements = session.scalars(
        select(Settlement.amount_minor).where(Settlement.invoice_id == invoice.id)
    ).all()
    assert settlements == [UNREACHABLE_AT_20]
    # the customer owes the 9.99; the cent is a miscellaneous income, not revenue nor VAT
    assert _entry_lines(session, invoice.id) == [
        ("411000", 999, 0), ("445711", 0, 166), ("707000", 0, 832), ("758000", 0, 1),
    ]  # fmt: skip
    customer = _customer_lines(session, invoice)
    assert sum(line.debit_minor - line.credit_minor for line in customer) == 0
    assert len(customer) == 2
    assert all(line.lettering for line in customer)
    assert len({line.lettering for line in customer}) == 1
    # what automations read: the 9.99 asked and paid, not the 9.98 of net + VAT
    for kind in ("invoice.issued", "invoice.paid"):
        payload = session.scalars(
            select(OutboxEvent.payload).where(
                OutboxEvent.type == kind, OutboxEvent.key == str(invoice.id)
            )
        ).one()
        assert (payload["total_gross_minor"], payload["payable_minor"]) == (998, 999)


def test_the_documents_of_a_rounded_invoice_state_the_rounding_amount(
    db: Database, session: Session, clock: FrozenClock
) -> None:
    # given the invoice of a 9.99 mug, paid at checkout
    make_seller(session)
    _, order_id = paid_order(session, items=((UNREACHABLE_AT_20, 1),))
    session.commit()
    relay(db)
    [invoice] = invoices_of(session, order_id)

    # when its documents are made
    cii = cii_xml(invoice)
    ubl = ubl_xml(invoice)
    html = invoice_html(invoice)

    # then both XMLs are valid, keep BR-CO-16 with BT-114, and ask for nothing more
    assert facturx.xml_check_xsd(cii, flavor="factur-x", level="en16931") is True
    ubl_schema("Invoice").assertValid(etree.fromstring(ubl))
    assert broken_rules(read_cii(cii)) == []
    assert broken_rules(read_ubl(ubl)) == []
    summation = "//ram:SpecifiedTradeSettlementHeaderMonetarySummation"
    assert _text(cii, f"{summation}/ram:GrandTotalAmount") == ["9.98"]
    assert _text(cii, f"{summation}/ram:RoundingAmount") == ["0.01"]
    assert _text(cii, f"{summation}/ram:TotalPrepaidAmount") == ["9.99"]
    assert _text(cii, f"{summation}/ram:DuePayableAmount") == ["0.00"]
    total = "//cac:LegalMonetaryTotal"
    assert _text(ubl, f"{total}/cbc:TaxInclusiveAmount") == ["9.98"]
    assert _text(ubl, f"{total}/cbc:PayableRoundingAmount") == ["0.01"]
    assert _text(ubl, f"{total}/cbc:PayableAmount") == ["0.00"]
    assert "Arrondi" in html
    assert "0,01" in html


def test_a_credit_note_of_the_whole_invoice_cancels_it_to_the_cent(
    db: Database, session: Session, clock: FrozenClock
) -> None:
    # given the paid invoice of a 9.99 mug
    make_seller(session)
    _, order_id = paid_order(session, items=((UNREACHABLE_AT_20, 1),))
    session.commit()
    relay(db)
    [invoice] = invoices_of(session, order_id)

    # when all of it is credited and the 9.99 paid back by card
    note = service.credit_note(
        session, invoice.id, lines=None, reason="Retour", source_type="manual",
        source_id=uuid7(),
    )  # fmt: skip
    service.settle(
        session, note.id, amount_minor=UNREACHABLE_AT_20, settled_on=service.today(),
        method="card", reference="re_test", source_type="refund", source_id=uuid7(),
    )  # fmt: skip

    # then the credit note mirrors the invoice, rounding included, and is paid back
    assert (note.total_net_minor, note.total_tax_minor, note.rounding_minor) == (832, 166, 1)
    assert service.payable(note) == service.payable(invoice) == UNREACHABLE_AT_20
    assert note.status == "paid"
    assert _entry_lines(session, note.id) == [
        ("411000", 0, 999), ("445711", 166, 0), ("707000", 832, 0), ("758000", 1, 0),
    ]  # fmt: skip
    # and the customer's account, and 758000, are back to zero, everything lettered
    customer = _customer_lines(session, invoice)
    assert len(customer) == 4
    assert sum(line.debit_minor - line.credit_minor for line in customer) == 0
    assert all(line.lettering for line in customer)
    rounding = session.scalars(select(EntryLine).where(EntryLine.account_number == "758000"))
    assert sum(line.credit_minor - line.debit_minor for line in rounding) == 0
    cii = cii_xml(note)
    assert broken_rules(read_cii(cii)) == []
    assert facturx.xml_check_xsd(cii, flavor="factur-x", level="en16931") is True


def test_a_gross_the_rounding_reaches_has_no_rounding_amount(
    db: Database, session: Session, clock: FrozenClock
) -> None:
    # given a mug at 12.00 VAT included (10.00 + 2.00)
    make_seller(session)
    _, order_id = paid_order(session, items=((1200, 1),))
    session.commit()

    relay(db)

    # then no rounding is stated anywhere
    [invoice] = invoices_of(session, order_id)
    assert (invoice.total_gross_minor, invoice.rounding_minor, invoice.status) == (1200, 0, "paid")
    assert "RoundingAmount" not in cii_xml(invoice).decode()
    assert "PayableRoundingAmount" not in ubl_xml(invoice).decode()
    assert [account for account, _, _ in _entry_lines(session, invoice.id)] == [
        "411000", "445711", "707000",
    ]  # fmt: skip


RATES = ("20", "10", "5.5")
basket = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=99_999),  # unit price incl. VAT
        st.integers(min_value=1, max_value=4),  # units
        st.sampled_from(RATES),
    ),
    min_size=1,
    max_size=5,
)


@hypothesis_settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(items=basket)
def test_any_tax_included_basket_is_invoiced_for_exactly_what_was_paid(
    session: Session, clock: FrozenClock, items: list[tuple[int, int, str]]
) -> None:
    # given a paid tax-included order of articles at 20, 10 and 5.5 %
    if service.find_seller(session) is None:
        make_seller(session)
    shop = make_shop(session)
    classes = {
        rate: make_tax_class_with(session, {"FR": rate}, code=f"fr-{rate}") for rate in RATES
    }
    cart = orders.create_cart(session, channel_id=shop.channel.id)
    for n, (price, units, rate) in enumerate(items):
        article = make_article(
            session, shop, price_minor=price, units=units, tax_class=classes[rate],
            title=f"Article {n}",
        )  # fmt: skip
        orders.add_line(session, cart, article.id, units)
    order = orders.checkout(
        session, cart.id, CheckoutRequest.model_validate(checkout_body()), production=False
    )
    paid = sum(p.amount_minor for p in orders.payments_of(session, order.id))

    # when it is invoiced and settled with its payment
    invoice = service.issue_for_order(session, order.id, trigger="manual")
    assert invoice is not None
    service.apply_order_payments(session, invoice)

    # then the invoice asks exactly what was paid, the rounding under a cent per rate,
    # and it is paid in full
    assert paid == sum(price * units for price, units, _ in items)
    assert service.payable(invoice) == paid
    assert abs(invoice.rounding_minor) <= len(invoice.tax_totals)
    assert invoice.total_gross_minor == invoice.total_net_minor + invoice.total_tax_minor
    assert (invoice.status, service.amount_due(invoice)) == ("paid", 0)
    entry = session.scalar(select(Entry).where(Entry.source_id == invoice.id))
    assert entry is not None
    assert sum(line.debit_minor for line in entry.lines) == sum(
        line.credit_minor for line in entry.lines
    )
    customer = [line for line in entry.lines if line.account_number == "411000"]
    assert [line.debit_minor for line in customer] == [paid]
