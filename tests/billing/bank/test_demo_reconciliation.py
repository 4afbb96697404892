"""Acceptance: on the demo's bank statements, automatic matching reconciles at least 95 % of
the lines with no wrong match. The statements are generated from a shop's books (card
takings, B2B invoices, supplier bills) with a bank's noise, imported month by month through
the service; each line is then compared with what the generator knows it pays."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.billing.bank import demo, service
from comptoir.billing.bank.models import APPLIED_STATUSES, BankLine
from comptoir.kit.clock import FrozenClock
from tests.billing.bank.factories import make_books

logger = logging.getLogger("tests.billing.bank")


@dataclass
class Tally:
    lines: int = 0
    matched: int = 0
    correct: int = 0
    wrong: int = 0
    unmatched: int = 0
    unknown_left_alone: int = 0

    @property
    def rate(self) -> float:
        return self.correct / self.lines


def _tally(session: Session, account_id: object, truth: dict[str, demo.Truth]) -> Tally:
    tally = Tally()
    lines = session.scalars(select(BankLine).where(BankLine.account_id == account_id))
    for line in lines:
        tally.lines += 1
        expected = truth[line.bank_reference or ""]
        applied = frozenset(
            (m.target_type, m.target_key) for m in line.matches if m.status in APPLIED_STATUSES
        )
        if applied:
            tally.matched += 1
            if applied == expected:
                tally.correct += 1
            else:
                tally.wrong += 1
        elif expected:
            tally.unmatched += 1
        else:
            tally.unknown_left_alone += 1
    return tally


def test_the_demo_statements_are_reconciled_at_95_percent_without_a_wrong_match(
    session: Session, clock: FrozenClock
) -> None:
    # given four months of a shop's books and the bank statements the demo makes of them
    make_books(session, clock, start=date(2027, 1, 4), days=120)
    account = demo.demo_account(session)
    statements = demo.statements_for_books(session, seed=11)
    truth: dict[str, demo.Truth] = {}
    kinds: dict[str, int] = {}
    for statement in statements:
        truth.update(statement.truth)
        for line in statement.lines:
            kinds[line.kind] = kinds.get(line.kind, 0) + 1

    # when they are imported month after month
    for statement in statements:
        service.import_statement(
            session, account.id, file_name=f"{statement.month:%Y-%m}.xml", content=statement.xml
        )

    # then at least 95 % of the lines are matched with what they really pay, none wrongly
    tally = _tally(session, account.id, truth)
    logger.info("bank matching on the demo statements: %s, kinds %s", tally, kinds)
    assert tally.lines == len(truth) > 250
    assert {"payout", "invoice", "group", "typo", "bill", "fee", "unknown"} <= set(kinds)
    assert tally.wrong == 0, tally
    assert tally.rate >= 0.95, tally
