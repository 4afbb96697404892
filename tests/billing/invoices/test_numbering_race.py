"""The acceptance race, on PostgreSQL: twenty drafts issued at the same moment from twenty
threads, each in its own transaction, get twenty numbers without a gap; an issuance rolled
back gives its number back."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import select

from comptoir.billing.invoices import service
from comptoir.billing.invoices.models import Invoice
from comptoir.kit.clock import FrozenClock
from comptoir.kit.db.engine import Database
from tests.billing.invoices.factories import b2b_draft, make_seller

pytestmark = [pytest.mark.postgresql_only, pytest.mark.committed]

ISSUERS = 20


class _Abandoned(Exception):
    pass


def test_twenty_concurrent_issuances_are_numbered_without_a_gap(
    committed_db: Database, clock: FrozenClock
) -> None:
    # given the seller and 21 drafts
    with committed_db.transaction() as session:
        make_seller(session)
        drafts = [service.create_draft(session, b2b_draft()).id for _ in range(ISSUERS + 1)]
    start = threading.Barrier(ISSUERS + 1)
    errors: list[BaseException] = []

    def issue(draft_id: uuid.UUID, *, abandon: bool) -> None:
        start.wait()
        try:
            with committed_db.transaction() as session:
                service.issue(session, draft_id, actor="race")
                if abandon:
                    raise _Abandoned
        except _Abandoned:
            pass
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    # when they are all issued at once, one of the issuers rolling back its work
    threads = [
        threading.Thread(target=issue, args=(draft_id,), kwargs={"abandon": n == 0})
        for n, draft_id in enumerate(drafts)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then 20 invoices numbered 1 to 20, the abandoned draft still a draft without a number
    assert errors == []
    with committed_db.transaction(readonly=True) as session:
        numbers = sorted(
            n for n in session.scalars(select(Invoice.number).where(Invoice.id.in_(drafts))) if n
        )
        abandoned = session.get(Invoice, drafts[0])
        assert abandoned is not None
        assert (abandoned.status, abandoned.number) == ("draft", None)
    assert numbers == [f"FA-2026-{n:06d}" for n in range(1, ISSUERS + 1)]
