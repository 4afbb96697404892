"""The ledger's numbering race, on PostgreSQL: twenty entries posted in one journal at the same
moment from twenty threads, each in its own transaction, are numbered 1 to 20 without a gap
or a duplicate; a posting rolled back gives its number back."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import select

from comptoir.billing.ledger import service
from comptoir.billing.ledger.models import Entry
from comptoir.kit.clock import FrozenClock
from comptoir.kit.db.engine import Database

pytestmark = [pytest.mark.postgresql_only, pytest.mark.committed]

POSTERS = 20


class _Abandoned(Exception):
    pass


def test_twenty_concurrent_postings_in_one_journal_are_numbered_without_a_gap(
    committed_db: Database, clock: FrozenClock
) -> None:
    # given the chart of accounts, and 21 posters ready on one barrier
    with committed_db.transaction() as session:
        service.ensure_chart(session)
    day = clock.now().date()
    start = threading.Barrier(POSTERS + 1)
    errors: list[BaseException] = []
    sources = [uuid.uuid4() for _ in range(POSTERS + 1)]

    def post(n: int, *, abandon: bool) -> None:
        start.wait()
        try:
            with committed_db.transaction() as session:
                service.post_entry(
                    session,
                    journal="OD",
                    entry_date=day,
                    label=f"Écriture {n}",
                    piece_ref=f"RACE-{n}",
                    lines=[
                        service.LineSpec(account="627000", debit_minor=100 + n),
                        service.LineSpec(account="512000", credit_minor=100 + n),
                    ],
                    source_type="race",
                    source_id=sources[n],
                    purpose="race",
                    actor="race",
                )
                if abandon:
                    raise _Abandoned
        except _Abandoned:
            pass
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    # when they all post at once in OD, one of them rolling back its work
    threads = [
        threading.Thread(target=post, args=(n,), kwargs={"abandon": n == 0})
        for n in range(POSTERS + 1)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then the twenty committed entries are numbered 1 to 20, the abandoned one is not there
    assert errors == []
    with committed_db.transaction(readonly=True) as session:
        rows = session.execute(
            select(Entry.number, Entry.source_id).where(Entry.journal_code == "OD")
        ).all()
    numbers = sorted(number for number, _ in rows)
    assert numbers == list(range(1, POSTERS + 1))
    assert sources[0] not in {source_id for _, source_id in rows}
    assert len({source_id for _, source_id in rows}) == POSTERS
