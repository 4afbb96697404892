"""Looking after the outbox: counts, lists, retrying dead letters and replaying events.
Used by the Operations page, the ``comptoir events`` commands and the metrics."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, delete, func, select
from sqlalchemy.orm import Session

from comptoir.kit import clock
from comptoir.kit.errors import Conflict, NotFound
from comptoir.kit.events.models import (
    DELIVERY_DEAD,
    DELIVERY_DELIVERED,
    DELIVERY_PENDING,
    EventDelivery,
    EventInboxEntry,
    OutboxEvent,
)
from comptoir.kit.events.registry import handlers_for
from comptoir.kit.i18n import lazy_gettext as _l

STATUSES = ("pending", "running", "failed", "dead", "delivered")


class DeliveryNotFound(NotFound):
    slug = "event-delivery-not-found"
    title = _l("This event delivery does not exist.")


class DeliveryNotRetryable(Conflict):
    slug = "event-delivery-not-retryable"
    title = _l("Only a failed or dead-lettered delivery can be retried.")


@dataclass(frozen=True, slots=True)
class DeliveryView:
    id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    key: str
    handler: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime


def _display_status(now: datetime) -> ColumnElement[str]:
    """The status people see: running and failed are pending deliveries, told apart by their
    lease and their last error. A retried delivery keeps its last error for the record but
    starts again from zero attempts, and so shows as pending."""
    return case(
        (EventDelivery.status != DELIVERY_PENDING, EventDelivery.status),
        (
            and_(EventDelivery.locked_until.is_not(None), EventDelivery.locked_until >= now),
            "running",
        ),
        (and_(EventDelivery.last_error.is_not(None), EventDelivery.attempts > 0), "failed"),
        else_="pending",
    )


def status_counts(session: Session) -> dict[str, int]:
    """Deliveries per displayed status; every status is present, zero if none."""
    shown = _display_status(clock.now()).label("shown")
    rows = session.execute(select(shown, func.count()).group_by(shown)).all()
    counts = dict.fromkeys(STATUSES, 0)
    for status, count in rows:
        counts[str(status)] = int(count)
    return counts


def _view(delivery: EventDelivery, event_type: str, now: datetime) -> DeliveryView:
    status = delivery.status
    if status == DELIVERY_PENDING:
        if delivery.locked_until is not None and delivery.locked_until >= now:
            status = "running"
        elif delivery.last_error is not None and delivery.attempts > 0:
            status = "failed"
    return DeliveryView(
        id=delivery.id,
        event_id=delivery.event_id,
        event_type=event_type,
        key=delivery.key,
        handler=delivery.handler,
        status=status,
        attempts=delivery.attempts,
        next_attempt_at=delivery.next_attempt_at,
        last_error=delivery.last_error,
        created_at=delivery.created_at,
    )


def list_deliveries(
    session: Session, *, status: str | None = None, event_type: str | None = None, limit: int = 50
) -> list[DeliveryView]:
    """The most recent deliveries, newest first, optionally of one displayed status."""
    if status is not None and status not in STATUSES:
        raise ValueError(f"unknown delivery status {status!r}")
    now = clock.now()
    stmt = (
        select(EventDelivery, OutboxEvent.type)
        .join(OutboxEvent, OutboxEvent.id == EventDelivery.event_id)
        .order_by(EventDelivery.event_id.desc(), EventDelivery.handler)
        .limit(limit)
    )
    if status is not None:
        stmt = stmt.where(_display_status(now) == status)
    if event_type is not None:
        stmt = stmt.where(OutboxEvent.type == event_type)
    return [_view(delivery, etype, now) for delivery, etype in session.execute(stmt).all()]


def get_delivery(session: Session, delivery_id: uuid.UUID) -> DeliveryView:
    """One delivery; raises :class:`DeliveryNotFound`."""
    row = session.execute(
        select(EventDelivery, OutboxEvent.type)
        .join(OutboxEvent, OutboxEvent.id == EventDelivery.event_id)
        .where(EventDelivery.id == delivery_id)
    ).first()
    if row is None:
        raise DeliveryNotFound(field="delivery_id")
    return _view(row[0], row[1], clock.now())


def retry_delivery(session: Session, delivery_id: uuid.UUID) -> DeliveryView:
    """Put a failed or dead-lettered delivery back in line, due now, with a fresh count of
    attempts. Raises :class:`DeliveryNotFound` or :class:`DeliveryNotRetryable`."""
    delivery = session.get(EventDelivery, delivery_id, with_for_update=True)
    if delivery is None:
        raise DeliveryNotFound(field="delivery_id")
    now = clock.now()
    current = _view(delivery, "", now).status
    if current not in ("failed", "dead"):
        raise DeliveryNotRetryable(field="delivery_id")
    delivery.status = DELIVERY_PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = now
    delivery.locked_until = None
    delivery.locked_by = None
    session.flush()
    return get_delivery(session, delivery_id)


def retry_all_dead(session: Session) -> int:
    """Retry every dead-lettered delivery; returns how many."""
    ids = session.scalars(select(EventDelivery.id).where(EventDelivery.status == DELIVERY_DEAD))
    count = 0
    for delivery_id in list(ids):
        retry_delivery(session, delivery_id)
        count += 1
    return count


def replay(
    session: Session,
    *,
    event_ids: list[uuid.UUID] | None = None,
    event_type: str | None = None,
    since: datetime | None = None,
    handler: str | None = None,
) -> int:
    """Deliver past events again, as if new: their inbox entries are removed so handlers apply
    them once more, and handlers subscribed after the event was written receive it too.

    Select events by ids, or by type and/or time; ``handler`` limits the replay to one handler.
    Returns the number of deliveries put back in line. Raises ``ValueError`` when nothing
    selects the events (a replay of the whole history must be asked for explicitly with
    ``since``).
    """
    if not event_ids and event_type is None and since is None:
        raise ValueError("say which events to replay: ids, a type or a start time")
    stmt = select(OutboxEvent).order_by(OutboxEvent.id)
    if event_ids:
        stmt = stmt.where(OutboxEvent.id.in_(event_ids))
    if event_type is not None:
        stmt = stmt.where(OutboxEvent.type == event_type)
    if since is not None:
        stmt = stmt.where(OutboxEvent.occurred_at >= since)
    now = clock.now()
    count = 0
    for event in session.scalars(stmt):
        names = [h.name for h in handlers_for(event.type)]
        if handler is not None:
            names = [name for name in names if name == handler]
        existing = {d.handler: d for d in event.deliveries}
        for name in names:
            session.execute(
                delete(EventInboxEntry).where(
                    EventInboxEntry.event_id == event.id, EventInboxEntry.handler == name
                )
            )
            delivery = existing.get(name)
            if delivery is None:
                event.deliveries.append(EventDelivery(handler=name, key=event.key))
            else:
                delivery.status = DELIVERY_PENDING
                delivery.attempts = 0
                delivery.next_attempt_at = now
                delivery.locked_until = None
                delivery.locked_by = None
            count += 1
    session.flush()
    return count


@dataclass(frozen=True, slots=True)
class EventView:
    id: uuid.UUID
    type: str
    key: str
    occurred_at: datetime
    deliveries: int
    delivered: int


def list_events(
    session: Session, *, event_type: str | None = None, limit: int = 50
) -> list[EventView]:
    """The most recent events, newest first, with how many of their deliveries are done."""
    delivered = func.sum(case((EventDelivery.status == DELIVERY_DELIVERED, 1), else_=0))
    stmt = (
        select(OutboxEvent, func.count(EventDelivery.id), delivered)
        .outerjoin(EventDelivery, EventDelivery.event_id == OutboxEvent.id)
        .group_by(OutboxEvent.id)
        .order_by(OutboxEvent.id.desc())
        .limit(limit)
    )
    if event_type is not None:
        stmt = stmt.where(OutboxEvent.type == event_type)
    return [
        EventView(
            id=e.id,
            type=e.type,
            key=e.key,
            occurred_at=e.occurred_at,
            deliveries=int(total),
            delivered=int(done or 0),
        )
        for e, total, done in session.execute(stmt).all()
    ]
