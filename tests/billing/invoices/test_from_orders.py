"""Invoices issued from orders by the invoicing handler: on payment (settled with the
payment), on shipment when the channel says so, with the order's VAT and buyer."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.billing.invoices import handlers as _handlers  # noqa: F401  (subscribes)
from comptoir.billing.invoices import service
from comptoir.billing.invoices.models import Settlement
from comptoir.billing.invoices.schemas import ChannelPolicyIn
from comptoir.billing.ledger.models import Entry, EntryLine
from comptoir.kit.clock import FrozenClock
from comptoir.kit.db.engine import Database
from comptoir.kit.events.models import OutboxEvent
from comptoir.orders import service as orders
from comptoir.orders.fulfilment import service as fulfilment
from comptoir.orders.returns import service as returns
from tests.billing.invoices.factories import invoices_of, make_seller, paid_order, relay
from tests.orders.factories import checkout_body


def test_a_paid_order_is_invoiced_once_and_settled_with_its_payment(
    db: Database, session: Session, clock: FrozenClock
) -> None:
    # given the seller's identity and an order of 2 mugs at 12.00 (VAT included) paid by card
    make_seller(session)
    _, order_id = paid_order(session, items=((1200, 2),))
    session.commit()

    # when the events are relayed, twice
    relay(db)
    relay(db)

    # then one invoice FA-2026-000001 of 24.00 gross, 20.00 net + 4.00 VAT, is paid
    [invoice] = invoices_of(session, order_id)
    assert invoice.number == "FA-2026-000001"
    assert invoice.status == "paid"
    assert (invoice.total_net_minor, invoice.total_tax_minor, invoice.total_gross_minor) == (
        2000, 400, 2400,
    )  # fmt: skip
    assert [(t.category, t.rate, t.base_minor, t.tax_minor) for t in invoice.tax_totals] == [
        ("S", Decimal("0.2000"), 2000, 400)
    ]
    [line] = invoice.lines
    assert (line.quantity, line.unit_price_excl_minor, line.net_minor) == (Decimal(2), 1000, 2000)
    assert invoice.buyer_name == "Ada Lovelace"
    assert invoice.buyer_address == "12 rue des Lilas\n75011 Paris\nFR"
    assert invoice.seller["siren"] == "552100554"
    assert invoice.issue_date == clock.now().date()
    settlements = session.scalars(
        select(Settlement).where(Settlement.invoice_id == invoice.id)
    ).all()
    assert [(s.amount_minor, s.method, s.source_type) for s in settlements] == [
        (2400, "card", "payment")
    ]
    types = session.scalars(
        select(OutboxEvent.type).where(OutboxEvent.key == str(invoice.id))
    ).all()
    assert sorted(types) == ["invoice.issued", "invoice.paid"]
    posted = session.scalars(select(Entry.journal_code).where(Entry.source_id == invoice.id)).all()
    assert posted == ["VE"]


def test_a_channel_invoicing_on_shipment_invoices_each_shipment_and_applies_the_payment(
    db: Database, session: Session, clock: FrozenClock
) -> None:
    # given a channel invoicing on shipment, and a paid order of 2 mugs and 1 bowl
    make_seller(session)
    shop, order_id = paid_order(session, items=((1200, 2), (3000, 1)))
    service.set_channel_policy(session, shop.channel.id, ChannelPolicyIn(issue_on="shipment"))
    session.commit()
    relay(db)
    assert invoices_of(session, order_id) == []
    order = orders.get_order(session, order_id)
    mugs, bowl = order.lines
    # the money is in the books on the day it was paid, as a customer advance (no VAT yet)
    [advance] = session.scalars(select(Entry).where(Entry.purpose == "advance")).all()
    assert (advance.journal_code, advance.piece_ref) == ("BQ", order.number)
    assert sorted((x.account_number, x.debit_minor, x.credit_minor) for x in advance.lines) == [
        ("419100", 0, 5400), ("511500", 5400, 0),
    ]  # fmt: skip

    # when the mugs are shipped, then the bowl
    fulfilment.ship(
        session, order_id, carrier=None, tracking_number=None, lines={mugs.id: 2}, actor="t"
    )
    session.commit()
    relay(db)
    fulfilment.ship(session, order_id, carrier=None, tracking_number=None, actor="t")
    session.commit()
    relay(db)

    # then two invoices, one per shipment, each paid from the order's payment
    first, second = invoices_of(session, order_id)
    assert (first.number, second.number) == ("FA-2026-000001", "FA-2026-000002")
    assert [(line.order_line_id, line.quantity) for line in first.lines] == [(mugs.id, Decimal(2))]
    assert [(line.order_line_id, line.quantity) for line in second.lines] == [(bowl.id, Decimal(1))]
    assert (first.total_gross_minor, second.total_gross_minor) == (2400, 3000)
    assert (first.status, second.status) == ("paid", "paid")
    assert first.delivery_date == clock.now().date()
    applied = session.scalars(
        select(Settlement.amount_minor).where(Settlement.source_type == "payment")
    ).all()
    assert sorted(applied) == [2400, 3000]
    # each invoice takes its part of the advance; the advance is used up and lettered
    session.expire_all()
    moved = session.scalars(
        select(Entry).where(Entry.journal_code == "OD", Entry.piece_ref == order.number)
    ).all()
    assert len(moved) == 2
    advance_lines = session.scalars(
        select(EntryLine).where(EntryLine.account_number == "419100")
    ).all()
    assert sum(x.credit_minor - x.debit_minor for x in advance_lines) == 0
    assert len({x.lettering for x in advance_lines}) == 1
    assert advance_lines[0].lettering is not None
    card = session.scalars(select(EntryLine).where(EntryLine.account_number == "511500")).all()
    assert [x.debit_minor for x in card] == [5400]  # the takings, once, on the payment day


def test_an_order_cancelled_before_its_invoice_is_paid_back_from_its_advance(
    db: Database, session: Session, clock: FrozenClock
) -> None:
    make_seller(session)
    shop, order_id = paid_order(session, items=((1200, 2),))
    service.set_channel_policy(session, shop.channel.id, ChannelPolicyIn(issue_on="shipment"))
    session.commit()
    relay(db)

    orders.cancel_order(session, order_id, production=False, reason="changed mind")
    session.commit()
    relay(db)

    assert invoices_of(session, order_id) == []
    balances = dict(
        session.execute(
            select(
                EntryLine.account_number,
                func.sum(EntryLine.debit_minor - EntryLine.credit_minor),
            ).group_by(EntryLine.account_number)
        ).all()
    )
    assert balances == {"419100": 0, "511500": 0}
    advance_lines = session.scalars(
        select(EntryLine).where(EntryLine.account_number == "419100")
    ).all()
    assert len(advance_lines) == 2
    assert all(x.lettering for x in advance_lines)


def _shipped_and_returned(db: Database, session: Session, order_id: uuid.UUID) -> None:
    fulfilment.ship(session, order_id, carrier=None, tracking_number=None, actor="t")
    order = orders.get_order(session, order_id)
    rma = returns.request_return(
        session, order_id, [returns.LineRequest(order.lines[0].id, 1, "damaged")], actor="t"
    )
    returns.receive_return(session, rma.id, actor="t")
    returns.inspect_return(
        session, rma.id, [returns.LineDecision(rma.lines[0].id, "restock")], actor="t"
    )
    returns.settle_return(session, rma.id, production=False, actor="t")
    session.commit()
    relay(db)


def test_a_refunded_return_is_a_credit_note_citing_the_invoice_and_paid_back(
    db: Database, session: Session, clock: FrozenClock
) -> None:
    # given an invoiced, paid and shipped order of 3 mugs at 12.00
    make_seller(session)
    _, order_id = paid_order(session, items=((1200, 3),))
    session.commit()
    relay(db)

    # when one mug comes back and is refunded
    _shipped_and_returned(db, session, order_id)

    # then a credit note AV-2026-000001 of one mug cites the invoice and is paid back by card
    [invoice] = invoices_of(session, order_id)
    [note] = invoices_of(session, order_id, kind="credit_note")
    assert (note.number, note.original_invoice_id, note.source_type) == (
        "AV-2026-000001", invoice.id, "return",
    )  # fmt: skip
    assert [(line.original_line_id, line.quantity) for line in note.lines] == [
        (invoice.lines[0].id, Decimal(1))
    ]
    assert (note.total_net_minor, note.total_tax_minor, note.total_gross_minor) == (1000, 200, 1200)
    assert note.status == "paid"
    paid_back = session.scalars(select(Settlement).where(Settlement.invoice_id == note.id)).all()
    assert [(s.amount_minor, s.method, s.source_type) for s in paid_back] == [
        (1200, "card", "refund")
    ]
    assert invoice.status == "paid"  # the invoice itself never changes


def test_a_paid_order_cancelled_is_credited_once_and_refunded(
    db: Database, session: Session, clock: FrozenClock
) -> None:
    make_seller(session)
    _, order_id = paid_order(session, items=((1200, 2),))
    session.commit()
    relay(db)

    # when the whole order is cancelled (refund.issued then order.cancelled)
    orders.cancel_order(session, order_id, production=False, reason="changed mind")
    session.commit()
    relay(db)

    # then one credit note of everything, paid back with the refund
    [invoice] = invoices_of(session, order_id)
    [note] = invoices_of(session, order_id, kind="credit_note")
    assert (note.source_type, note.total_gross_minor, note.status) == ("cancellation", 2400, "paid")
    assert service.remaining(session, invoice) == {invoice.lines[0].id: (Decimal(0), 0)}
    refunds = session.scalars(
        select(Settlement.amount_minor).where(
            Settlement.invoice_id == note.id, Settlement.source_type == "refund"
        )
    ).all()
    assert refunds == [2400]


def test_an_invoiced_unpaid_order_cancelled_is_set_off_by_a_credit_note(
    db: Database, session: Session, clock: FrozenClock
) -> None:
    # given a business order awaiting a bank transfer, invoiced by hand
    make_seller(session)
    body = checkout_body(method="bank_transfer", card=None)
    _, order_id = paid_order(session, items=((1200, 1),), body=body)
    invoice = service.issue_for_order(session, order_id, trigger="manual", actor="staff")
    assert invoice is not None
    assert invoice.status == "issued"
    session.commit()

    # when the order is cancelled
    orders.cancel_order(session, order_id, production=False)
    session.commit()
    relay(db)

    # then a credit note of the whole is set off against the invoice: nothing is due
    [note] = invoices_of(session, order_id, kind="credit_note")
    [invoice] = invoices_of(session, order_id)
    assert (invoice.status, note.status) == ("paid", "paid")
    methods = session.scalars(
        select(Settlement.method).where(Settlement.invoice_id.in_([invoice.id, note.id]))
    ).all()
    assert methods == ["credit_note", "credit_note"]
