"""Transactions appending at once still build one linear chain (the head row is locked)."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import select

from comptoir.kit.db.engine import Database
from comptoir.privacy.models import PrivacyAuditEntry
from comptoir.privacy.schemas import AuditActor, FieldChange
from comptoir.privacy.service import record, verify_chain

THREADS = 4
PER_THREAD = 10


@pytest.mark.committed
def test_concurrent_appends_keep_one_linear_chain(committed_db: Database) -> None:
    # given writers that start together
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def append(writer: int) -> None:
        actor = AuditActor(kind="staff", id=uuid.UUID(int=writer + 1), display_name=f"W{writer}")
        start.wait()
        try:
            for n in range(PER_THREAD):
                with committed_db.transaction() as session:
                    record(
                        session,
                        actor=actor,
                        action="update",
                        object_type="things",
                        object_id=f"{writer}-{n}",
                        changes={"n": FieldChange(old=n, new=n + 1)},
                    )
        except BaseException as error:  # reported below, on the test's thread
            errors.append(error)

    # when they append at once
    threads = [threading.Thread(target=append, args=(w,)) for w in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    # then every entry is in one chain without gaps or forks
    assert errors == []
    with committed_db.transaction(readonly=True) as session:
        seqs = list(session.scalars(select(PrivacyAuditEntry.seq).order_by(PrivacyAuditEntry.seq)))
        report = verify_chain(session)
        previous = list(session.scalars(select(PrivacyAuditEntry.previous_hash)))
    assert seqs == list(range(1, THREADS * PER_THREAD + 1))
    assert len(set(previous)) == THREADS * PER_THREAD
    assert (report.is_intact, report.checked) == (True, THREADS * PER_THREAD)
