"""Acceptance on the demo's own books: a month of generated trading history, invoiced as it
happens, with its supplier bills and its bank statements; the FEC of the year passes the
validator with the trial balance's totals, every invoice and entry balances, and the bank
statements are reconciled automatically at 95 % or more with no wrong match."""

from __future__ import annotations

import logging
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.billing.bank import demo as bank_demo
from comptoir.billing.bank import service as bank
from comptoir.billing.demo import seed_billing
from comptoir.billing.fec.export import checked_fec
from comptoir.billing.invoices import handlers as _handlers  # noqa: F401  (subscribes)
from comptoir.billing.invoices.models import Invoice
from comptoir.billing.ledger import reports
from comptoir.billing.ledger.models import Entry, EntryLine
from comptoir.kit.clock import FrozenClock
from comptoir.kit.settings import Settings
from comptoir.orders.demo_history import HistoryOptions, seed_history
from comptoir.orders.models import Order
from tests.billing.bank.test_demo_reconciliation import _tally
from tests.orders.test_demo_history import _small_shop

logger = logging.getLogger("tests.billing")


def test_a_month_of_demo_history_ends_in_books_the_administration_and_the_bank_accept(
    session: Session, settings: Settings, clock: FrozenClock
) -> None:
    # given the small demo shop with its seller, chart and invoicing rules, and a month of
    # trading history generated through the real services
    _small_shop(session)
    seed_billing(session, settings)
    seed_history(session, settings, options=HistoryOptions(days=30, orders_per_day=4, seed=7))

    # then every paid order has its invoice, issued on a day of the history
    paid = (
        session.scalar(select(func.count()).select_from(Order).where(Order.paid_at.is_not(None)))
        or 0
    )
    invoices = list(session.scalars(select(Invoice).where(Invoice.kind == "invoice")))
    assert paid >= 60
    assert len({invoice.order_id for invoice in invoices}) >= paid - 5  # the last evening's
    assert {invoice.status for invoice in invoices} <= {"issued", "partially_paid", "paid"}
    assert len({invoice.issue_date for invoice in invoices}) >= 20
    # and every entry balances
    unbalanced = session.execute(
        select(EntryLine.entry_id)
        .group_by(EntryLine.entry_id)
        .having(func.sum(EntryLine.debit_minor) != func.sum(EntryLine.credit_minor))
    ).all()
    assert unbalanced == []
    assert (session.scalar(select(func.count()).select_from(Entry)) or 0) > paid

    # when the month's bank statements are generated from the books and imported
    account = bank_demo.demo_account(session)
    statements = bank_demo.statements_for_books(session, seed=3)
    truth: dict[str, bank_demo.Truth] = {}
    for statement in statements:
        truth.update(statement.truth)
        bank.import_statement(
            session, account.id, file_name=f"{statement.month:%Y-%m}.xml", content=statement.xml
        )

    # then 95 % of the lines the books explain or more are matched with what they really
    # pay, none wrongly; the transfers from strangers are left to a person (on a month they
    # weigh more than on the two years of `make demo`, where they are one line in thirty)
    tally = _tally(session, account.id, truth)
    logger.info("bank matching on the demo month: %s", tally)
    assert tally.lines >= 20
    assert tally.wrong == 0, tally
    assert tally.correct / (tally.lines - tally.unknown_left_alone) >= 0.95, tally

    # and the FEC of the year passes the validator, its totals those of the trial balance
    year = clock.now().year
    fec = checked_fec(session, year=year)
    assert fec.report.problems == [], fec.report.problems[:5]
    balance = reports.trial_balance(session, reports.year_period(session, year))
    debit = sum(row.debit_minor for row in balance) + sum(
        max(row.opening_minor, 0) for row in balance
    )
    credit = sum(row.credit_minor for row in balance) + sum(
        max(-row.opening_minor, 0) for row in balance
    )
    assert debit == credit
    assert fec.report.debit_total == Decimal(debit) / 100
    assert fec.report.credit_total == Decimal(credit) / 100
