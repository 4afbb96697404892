"""The relay: delivers each pending delivery to its handler, at least once, in order per
(handler, key), with exponential backoff and a dead-letter state.

A delivery is claimed in a short transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; the
single SQLite writer elsewhere) that sets a lease; it is then applied in a second transaction
that runs the handler inside a savepoint and records the outcome. A relay that dies leaves a
lease that expires, and another relay takes the delivery again. The inbox row written with the
handler's work makes a second delivery of the same event a no-op.
"""

from __future__ import annotations

import logging
import traceback
import uuid
from datetime import timedelta

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session, aliased, joinedload

from comptoir.kit import clock
from comptoir.kit.db.dialect import lock_for_update
from comptoir.kit.db.engine import Database
from comptoir.kit.events.models import (
    DELIVERY_DEAD,
    DELIVERY_DELIVERED,
    DELIVERY_PENDING,
    EventDelivery,
    EventInboxEntry,
)
from comptoir.kit.events.registry import Event, handler_named
from comptoir.kit.retry import backoff_delay

log = logging.getLogger(__name__)

MAX_ERROR_LENGTH = 4000


class Relay:
    """Delivers events for one worker. Thread-confined: one Relay per thread."""

    def __init__(
        self,
        database: Database,
        *,
        worker_name: str,
        max_attempts: int = 8,
        lease_seconds: float = 60.0,
        retry_base_seconds: float = 2.0,
        retry_max_seconds: float = 3600.0,
    ) -> None:
        self.database = database
        self.worker_name = worker_name
        self.max_attempts = max_attempts
        self.lease = timedelta(seconds=lease_seconds)
        self.retry_base_seconds = retry_base_seconds
        self.retry_max_seconds = retry_max_seconds

    def deliver_batch(self, limit: int = 50) -> int:
        """Claim up to ``limit`` due deliveries and apply them. Returns how many were tried."""
        claimed = self.claim(limit)
        if claimed:
            self.apply(claimed)
        return len(claimed)

    def claim(self, limit: int) -> list[uuid.UUID]:
        """Lease the deliveries that are due and first in line for their (handler, key)."""
        with self.database.transaction() as session:
            now = clock.now()
            earlier = aliased(EventDelivery)
            blocked_by_earlier = exists().where(
                earlier.handler == EventDelivery.handler,
                earlier.key == EventDelivery.key,
                earlier.event_id < EventDelivery.event_id,
                earlier.status == DELIVERY_PENDING,
            )
            stmt = (
                select(EventDelivery)
                .where(
                    EventDelivery.status == DELIVERY_PENDING,
                    EventDelivery.next_attempt_at <= now,
                    or_(EventDelivery.locked_until.is_(None), EventDelivery.locked_until < now),
                    ~blocked_by_earlier,
                )
                .order_by(EventDelivery.event_id)
                .limit(limit)
            )
            deliveries = session.scalars(lock_for_update(session, stmt, skip_locked=True)).all()
            claimed: list[uuid.UUID] = []
            for delivery in deliveries:
                delivery.attempts += 1
                delivery.locked_until = now + self.lease
                delivery.locked_by = self.worker_name
                claimed.append(delivery.id)
            return claimed

    def apply(self, delivery_ids: list[uuid.UUID]) -> list[str]:
        """Run the handlers of claimed deliveries, in order, and record each outcome.

        One transaction for the batch, one savepoint per handler: a failing handler leaves
        no trace but its failure, and the batch costs a single commit. If the process dies
        before that commit, nothing of the batch happened and the leases expire.
        Returns the new status of each delivery ("lost" if another relay took it over).
        """
        with self.database.transaction() as session:
            stmt = (
                select(EventDelivery)
                .where(EventDelivery.id.in_(delivery_ids))
                .options(joinedload(EventDelivery.event, innerjoin=True))
                .with_for_update(of=EventDelivery)
            )
            deliveries = {d.id: d for d in session.scalars(stmt).unique()}
            applied = self._already_applied(session, list(deliveries.values()))
            return [
                self._apply_one(session, deliveries.get(delivery_id), applied)
                for delivery_id in delivery_ids
            ]

    @staticmethod
    def _already_applied(
        session: Session, deliveries: list[EventDelivery]
    ) -> set[tuple[uuid.UUID, str]]:
        """The (event, handler) pairs of the batch that the inbox says were applied."""
        if not deliveries:
            return set()
        rows = session.execute(
            select(EventInboxEntry.event_id, EventInboxEntry.handler).where(
                EventInboxEntry.event_id.in_({d.event_id for d in deliveries})
            )
        )
        return {(event_id, handler) for event_id, handler in rows}

    def _apply_one(
        self,
        session: Session,
        delivery: EventDelivery | None,
        applied: set[tuple[uuid.UUID, str]],
    ) -> str:
        if (
            delivery is None
            or delivery.status != DELIVERY_PENDING
            or delivery.locked_by != self.worker_name
        ):
            return "lost"  # taken over by another relay after our lease ran out
        if (delivery.event_id, delivery.handler) in applied:
            error = None
        else:
            error = self._run_handler(session, delivery)
        now = clock.now()
        delivery.locked_until = None
        delivery.locked_by = None
        if error is None:
            delivery.status = DELIVERY_DELIVERED
            delivery.delivered_at = now
            delivery.last_error = None
            return delivery.status
        delivery.last_error = error[-MAX_ERROR_LENGTH:]
        if delivery.attempts >= self.max_attempts:
            delivery.status = DELIVERY_DEAD
            log.error(
                "event delivery dead-lettered",
                extra={
                    "delivery_id": str(delivery.id),
                    "handler": delivery.handler,
                    "attempts": delivery.attempts,
                },
            )
        else:
            delivery.next_attempt_at = now + backoff_delay(
                delivery.attempts,
                base_seconds=self.retry_base_seconds,
                max_seconds=self.retry_max_seconds,
            )
        return delivery.status

    def _run_handler(self, session: Session, delivery: EventDelivery) -> str | None:
        return self._run_handler_in(session, delivery)

    @staticmethod
    def _run_handler_in(session: Session, delivery: EventDelivery) -> str | None:
        """Apply the handler in a savepoint; returns an error text, or None on success."""
        spec = handler_named(delivery.handler)
        if spec is None:
            return f"no handler named {delivery.handler!r} is registered in this process"
        stored = delivery.event
        event = Event(
            id=stored.id,
            type=stored.type,
            key=stored.key,
            payload=dict(stored.payload),
            occurred_at=stored.occurred_at,
        )
        try:
            with session.begin_nested():
                spec.function(session, event)
                session.add(EventInboxEntry(event_id=event.id, handler=spec.name))
                session.flush()
        except Exception as exc:  # a handler's failure is recorded, never lost
            log.warning(
                "event handler failed",
                extra={"handler": spec.name, "event_id": str(event.id), "event_type": event.type},
            )
            return "".join(traceback.format_exception(exc)).strip()
        return None


def deliver_in_session(session: Session, *, max_rounds: int = 10) -> int:
    """Apply every due pending delivery inside ``session``, the caller's own transaction, in
    event order, each handler in a savepoint; returns how many were delivered.

    For batch work that holds one long transaction and needs the handlers' effects at the
    moment they would have happened (the demo's generated history, with its moving clock).
    Events that handlers emit are delivered in the next round, up to ``max_rounds``. A
    failing handler is treated as the relay treats it: its delivery stays pending with the
    error and a later attempt time (nothing of the handler's work remains).
    """
    relay_name = "in-session"
    delivered = 0
    for _ in range(max_rounds):
        session.flush()
        now = clock.now()
        due = session.scalars(
            select(EventDelivery)
            .where(
                EventDelivery.status == DELIVERY_PENDING,
                EventDelivery.next_attempt_at <= now,
                EventDelivery.locked_until.is_(None),
            )
            .options(joinedload(EventDelivery.event, innerjoin=True))
            .order_by(EventDelivery.event_id)
        ).all()
        if not due:
            break
        applied = Relay._already_applied(session, list(due))
        for delivery in due:
            delivery.attempts += 1
            error = (
                None
                if (delivery.event_id, delivery.handler) in applied
                else Relay._run_handler_in(session, delivery)
            )
            if error is None:
                delivery.status = DELIVERY_DELIVERED
                delivery.delivered_at = now
                delivery.last_error = None
                delivered += 1
            else:
                delivery.last_error = f"{relay_name}: {error}"[-MAX_ERROR_LENGTH:]
                delivery.next_attempt_at = now + backoff_delay(
                    delivery.attempts, base_seconds=2.0, max_seconds=3600.0
                )
    return delivered
