"""The outbox delivers every committed event at least once, in order per key, applies it once
per handler, retries with backoff and dead-letters what keeps failing."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.kit.clock import FrozenClock
from comptoir.kit.db.engine import Database
from comptoir.kit.events import Event, emit, subscribe
from comptoir.kit.events import service as events
from comptoir.kit.events.models import EventDelivery, EventInboxEntry, OutboxEvent
from comptoir.kit.events.registry import isolated_handlers
from comptoir.kit.events.relay import Relay, deliver_in_session
from comptoir.kit.jobs.models import Job


@pytest.fixture(autouse=True)
def _own_handlers() -> Iterator[None]:
    with isolated_handlers():
        yield


def record_in_jobs(session: Session, event: Event) -> None:
    """A handler whose visible effect is a row: one Job per application."""
    session.add(Job(task=f"seen:{event.type}", payload={"event": str(event.id), **event.payload}))


def relay(database: Database, name: str = "relay-1", **options: float) -> Relay:
    return Relay(
        database,
        worker_name=name,
        max_attempts=int(options.pop("max_attempts", 3)),
        retry_base_seconds=2.0,
        retry_max_seconds=60.0,
        **options,
    )


def effects(database: Database) -> list[Job]:
    with database.transaction(readonly=True) as session:
        return list(
            session.scalars(
                select(Job).where(Job.task.like("seen:%")).order_by(Job.created_at, Job.id)
            )
        )


def test_a_committed_event_reaches_each_subscribed_handler_once(db: Database) -> None:
    subscribe("order.placed", name="test.first")(record_in_jobs)
    subscribe("order.*", name="test.second")(record_in_jobs)
    subscribe("invoice.issued", name="test.unrelated")(record_in_jobs)
    with db.transaction() as session:
        emit(session, "order.placed", {"number": "SO-1"}, key="order-1")

    assert relay(db).deliver_batch() == 2

    assert len(effects(db)) == 2
    with db.transaction(readonly=True) as session:
        assert events.status_counts(session)["delivered"] == 2
        assert session.scalar(select(func.count()).select_from(EventInboxEntry)) == 2


def test_an_event_emitted_in_a_rolled_back_transaction_is_never_delivered(db: Database) -> None:
    subscribe("order.placed", name="test.h")(record_in_jobs)

    def place_order_then_fail() -> None:
        with db.transaction() as session:
            emit(session, "order.placed", {"number": "SO-1"}, key="order-1")
            raise RuntimeError("the order could not be placed")

    with pytest.raises(RuntimeError):
        place_order_then_fail()

    assert relay(db).deliver_batch() == 0

    assert effects(db) == []
    with db.transaction(readonly=True) as session:
        assert session.scalar(select(func.count()).select_from(OutboxEvent)) == 0


def test_a_failing_handler_is_retried_with_backoff_then_dead_lettered(
    db: Database, clock: FrozenClock
) -> None:
    calls: list[int] = []

    @subscribe("order.placed", name="test.broken")
    def broken(session: Session, event: Event) -> None:
        calls.append(1)
        session.add(Job(task="must-vanish"))
        session.flush()
        raise RuntimeError("the partner is down")

    with db.transaction() as session:
        emit(session, "order.placed", {}, key="order-1")
    the_relay = relay(db, max_attempts=3)

    assert the_relay.deliver_batch() == 1
    with db.transaction(readonly=True) as session:
        [view] = events.list_deliveries(session)
        assert view.status == "failed"
        assert view.attempts == 1
        assert view.last_error is not None
        assert "the partner is down" in view.last_error
        wait = view.next_attempt_at - clock.now()
        assert timedelta(seconds=2) <= wait <= timedelta(seconds=2.2)
    assert the_relay.deliver_batch() == 0  # not due yet

    clock.advance(timedelta(seconds=3))
    assert the_relay.deliver_batch() == 1
    clock.advance(timedelta(seconds=5))
    assert the_relay.deliver_batch() == 1
    clock.advance(timedelta(hours=1))
    assert the_relay.deliver_batch() == 0

    assert len(calls) == 3
    with db.transaction(readonly=True) as session:
        [view] = events.list_deliveries(session)
        assert view.status == "dead"
        assert view.attempts == 3
        assert session.scalar(select(func.count()).where(Job.task == "must-vanish")) == 0
        assert events.status_counts(session)["dead"] == 1


def test_a_dead_letter_retried_by_hand_is_delivered_once_the_handler_works(
    db: Database, clock: FrozenClock
) -> None:
    healthy = threading.Event()

    @subscribe("order.placed", name="test.flaky")
    def flaky(session: Session, event: Event) -> None:
        if not healthy.is_set():
            raise RuntimeError("down")
        record_in_jobs(session, event)

    with db.transaction() as session:
        emit(session, "order.placed", {}, key="k")
    the_relay = relay(db, max_attempts=1)
    the_relay.deliver_batch()
    with db.transaction() as session:
        [dead] = events.list_deliveries(session, status="dead")
        healthy.set()
        retried = events.retry_delivery(session, dead.id)
        assert retried.status == "pending"  # back in line, its last error kept for the record
        assert retried.last_error is not None
        assert retried.attempts == 0

    assert the_relay.deliver_batch() == 1
    assert len(effects(db)) == 1


def test_a_delivered_event_cannot_be_retried(db: Database) -> None:
    subscribe("order.placed", name="test.h")(record_in_jobs)
    with db.transaction() as session:
        emit(session, "order.placed", {}, key="k")
    relay(db).deliver_batch()
    with db.transaction() as session:
        [view] = events.list_deliveries(session)
        with pytest.raises(events.DeliveryNotRetryable):
            events.retry_delivery(session, view.id)


def test_a_handler_that_receives_the_same_event_twice_applies_it_once(db: Database) -> None:
    subscribe("order.placed", name="test.h")(record_in_jobs)
    with db.transaction() as session:
        emit(session, "order.placed", {}, key="k")
    the_relay = relay(db)
    the_relay.deliver_batch()
    with db.transaction() as session:
        # A second copy arrives: the delivery is pending again (as after a lost
        # acknowledgement), but the inbox remembers the first application.
        delivery = session.scalars(select(EventDelivery)).one()
        delivery.status = "pending"

    assert the_relay.deliver_batch() == 1

    assert len(effects(db)) == 1
    with db.transaction(readonly=True) as session:
        assert session.scalars(select(EventDelivery.status)).one() == "delivered"


def test_replay_applies_events_again_and_reaches_handlers_added_later(db: Database) -> None:
    subscribe("order.placed", name="test.h")(record_in_jobs)
    with db.transaction() as session:
        emit(session, "order.placed", {"n": 1}, key="k")
    the_relay = relay(db)
    the_relay.deliver_batch()
    subscribe("order.placed", name="test.late")(record_in_jobs)

    with db.transaction() as session:
        assert events.replay(session, event_type="order.placed") == 2
    assert the_relay.deliver_batch() == 2

    assert len(effects(db)) == 3


def test_events_with_the_same_key_arrive_in_order_even_after_a_failure(
    db: Database, clock: FrozenClock
) -> None:
    seen: list[int] = []
    failures = {2: 1}  # the second event fails once

    @subscribe("stock.changed", name="test.ordered")
    def ordered(session: Session, event: Event) -> None:
        n = int(event.payload["n"])
        if failures.get(n, 0) > 0:
            failures[n] -= 1
            raise RuntimeError("transient")
        seen.append(n)

    with db.transaction() as session:
        for n in range(1, 6):
            emit(session, "stock.changed", {"n": n}, key="variant-1")
    the_relay = relay(db)

    while the_relay.deliver_batch():
        pass
    assert seen == [1]  # 2 failed: 3, 4, 5 wait behind it
    clock.advance(timedelta(minutes=1))
    while the_relay.deliver_batch():
        pass

    assert seen == [1, 2, 3, 4, 5]


def test_a_delivery_whose_relay_died_is_taken_again_after_its_lease(
    db: Database, clock: FrozenClock
) -> None:
    subscribe("order.placed", name="test.h")(record_in_jobs)
    with db.transaction() as session:
        emit(session, "order.placed", {}, key="k")
    dead_relay = relay(db, "relay-dead", lease_seconds=30)
    assert len(dead_relay.claim(10)) == 1  # claimed, then the process dies
    survivor = relay(db, "relay-alive", lease_seconds=30)
    assert survivor.deliver_batch() == 0

    clock.advance(timedelta(seconds=31))

    assert survivor.deliver_batch() == 1
    assert len(effects(db)) == 1


def test_an_unknown_handler_name_fails_the_delivery_instead_of_losing_it(db: Database) -> None:
    subscribe("order.placed", name="test.renamed")(record_in_jobs)
    with db.transaction() as session:
        emit(session, "order.placed", {}, key="k")
    with isolated_handlers():
        relay(db).deliver_batch()
    with db.transaction(readonly=True) as session:
        [view] = events.list_deliveries(session)
        assert view.status == "failed"
        assert view.last_error is not None
        assert "test.renamed" in view.last_error


def test_a_payload_that_is_not_json_is_refused_in_the_business_transaction(
    session: Session,
) -> None:
    with pytest.raises(TypeError, match="JSON"):
        emit(session, "order.placed", {"amount": object()}, key="k")


@pytest.mark.postgresql_only
@pytest.mark.committed
def test_racing_relays_keep_the_order_per_key_and_deliver_each_event_once(
    committed_db: Database,
) -> None:
    seen: dict[str, list[int]] = {}
    guard = threading.Lock()

    @subscribe("stock.changed", name="test.race")
    def race(session: Session, event: Event) -> None:
        with guard:
            seen.setdefault(event.key, []).append(int(event.payload["n"]))
        record_in_jobs(session, event)

    keys = [f"variant-{i}" for i in range(8)]
    with committed_db.transaction() as session:
        for n in range(25):
            for key in keys:
                emit(session, "stock.changed", {"n": n}, key=key)

    def run(name: str) -> None:
        the_relay = relay(committed_db, name)
        idle = 0
        while idle < 3:
            idle = 0 if the_relay.deliver_batch(limit=7) else idle + 1

    threads = [threading.Thread(target=run, args=(f"relay-{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert {key: seen[key] for key in keys} == {key: list(range(25)) for key in keys}
    assert len(effects(committed_db)) == 200


def test_a_long_transaction_applies_its_own_events_in_order_and_keeps_failures_pending(
    db: Database,
) -> None:
    # given a handler that records, one that emits a follow-up event, and one that fails
    subscribe("order.placed", name="test.record")(record_in_jobs)
    subscribe("invoice.issued", name="test.record-follow-up")(record_in_jobs)

    def issue_invoice(session: Session, event: Event) -> None:
        emit(session, "invoice.issued", {"for": event.payload["number"]}, key=event.key)

    def fail(session: Session, event: Event) -> None:
        session.add(Job(task="seen:half-done", payload={}))
        raise RuntimeError("the ledger is locked")

    subscribe("order.placed", name="test.issue")(issue_invoice)
    subscribe("order.placed", name="test.fail")(fail)

    # when one transaction emits two orders and delivers its own events
    with db.transaction() as session:
        emit(session, "order.placed", {"number": "SO-1"}, key="order-1")
        emit(session, "order.placed", {"number": "SO-2"}, key="order-2")
        delivered = deliver_in_session(session)

    # then each order reached the recorder and the issuer, the follow-ups their handler, in
    # order; the failing handler left nothing and waits for a later attempt
    assert delivered == 6
    with db.transaction(readonly=True) as session:
        jobs = session.scalars(
            select(Job).where(Job.task.like("seen:%")).order_by(Job.created_at, Job.id)
        ).all()
        seen = [(job.task, job.payload.get("number") or job.payload.get("for")) for job in jobs]
    assert seen == [
        ("seen:order.placed", "SO-1"),
        ("seen:order.placed", "SO-2"),
        ("seen:invoice.issued", "SO-1"),
        ("seen:invoice.issued", "SO-2"),
    ]
    with db.transaction(readonly=True) as session:
        failed = session.scalars(
            select(EventDelivery).where(EventDelivery.handler == "test.fail")
        ).all()
        assert [(d.status, d.attempts) for d in failed] == [("pending", 1), ("pending", 1)]
        assert all("the ledger is locked" in (d.last_error or "") for d in failed)
