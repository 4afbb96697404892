"""Consents per channel (e-mail, SMS, push, phone) and purpose (marketing, profiling).

Each grant or withdrawal is a new record, never changed afterwards, so the history is whole.
Where a customer stands is the latest record of each (channel, purpose); without any record,
there is no consent: nothing is ever ticked by default.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.customers import events, schemas
from comptoir.customers.models import ConsentRecord
from comptoir.customers.service.customers import active_customer
from comptoir.kit import clock
from comptoir.kit.errors import InvalidInput
from comptoir.kit.events import emit
from comptoir.kit.i18n import lazy_gettext as _l


def consent_history(session: Session, customer_id: uuid.UUID) -> list[ConsentRecord]:
    """Every record of the customer, newest first."""
    return list(
        session.scalars(
            select(ConsentRecord)
            .where(ConsentRecord.customer_id == customer_id)
            .order_by(ConsentRecord.occurred_at.desc(), ConsentRecord.id.desc())
        )
    )


def current_consents(session: Session, customer_id: uuid.UUID) -> list[schemas.ConsentState]:
    """Where the customer stands for every channel and purpose (all of them, granted or
    not), in a fixed order."""
    latest: dict[tuple[str, str], ConsentRecord] = {}
    for record in consent_history(session, customer_id):
        latest.setdefault((record.channel, record.purpose), record)
    states = []
    for channel in schemas.CHANNELS:
        for purpose in schemas.PURPOSES:
            last = latest.get((channel, purpose))
            if last is None or last.action != "granted":
                states.append(
                    schemas.ConsentState(
                        channel=channel,
                        purpose=purpose,
                        granted=False,
                        source=last.source if last else None,
                        since=last.occurred_at if last else None,
                    )
                )
            else:
                states.append(
                    schemas.ConsentState(
                        channel=channel,
                        purpose=purpose,
                        granted=True,
                        wording_version=last.wording_version,
                        source=last.source,
                        since=last.occurred_at,
                    )
                )
    return states


def has_consent(
    session: Session,
    customer_id: uuid.UUID,
    channel: schemas.ConsentChannel,
    purpose: schemas.ConsentPurpose,
) -> bool:
    """Whether the customer's latest word on (channel, purpose) is a grant."""
    record = session.scalars(
        select(ConsentRecord)
        .where(
            ConsentRecord.customer_id == customer_id,
            ConsentRecord.channel == channel,
            ConsentRecord.purpose == purpose,
        )
        .order_by(ConsentRecord.occurred_at.desc(), ConsentRecord.id.desc())
        .limit(1)
    ).first()
    return record is not None and record.action == "granted"


def _append(
    session: Session,
    customer_id: uuid.UUID,
    *,
    channel: schemas.ConsentChannel,
    purpose: schemas.ConsentPurpose,
    action: str,
    wording_version: str | None,
    source: schemas.Source,
    actor: str,
    occurred_at: datetime | None,
) -> ConsentRecord:
    active_customer(session, customer_id)
    record = ConsentRecord(
        customer_id=customer_id,
        channel=channel,
        purpose=purpose,
        action=action,
        wording_version=wording_version,
        source=source,
        occurred_at=occurred_at or clock.now(),
        recorded_by=actor,
    )
    session.add(record)
    session.flush()
    emit(
        session,
        events.CONSENT_CHANGED,
        events.ConsentChanged(
            customer_id=customer_id,
            channel=channel,
            purpose=purpose,
            granted=action == "granted",
            wording_version=wording_version,
            source=source,
            occurred_at=record.occurred_at,
        ),
        key=customer_id,
    )
    return record


def record_consent(
    session: Session,
    customer_id: uuid.UUID,
    *,
    channel: schemas.ConsentChannel,
    purpose: schemas.ConsentPurpose,
    wording_version: str,
    source: schemas.Source,
    actor: str = "",
    occurred_at: datetime | None = None,
) -> ConsentRecord:
    """Record that the customer ticked a consent, as worded by ``wording_version``, on
    ``source`` (the store API calls it at sign-up and checkout for each box ticked); emits
    ``consent.changed``. Raises :class:`CustomerNotFound`, :class:`CustomerNotActive`."""
    return _append(
        session,
        customer_id,
        channel=channel,
        purpose=purpose,
        action="granted",
        wording_version=wording_version,
        source=source,
        actor=actor,
        occurred_at=occurred_at,
    )


def check_consent_choices(choices: Sequence[schemas.ConsentChoice]) -> None:
    """Raise :class:`InvalidInput` (``consents.<i>``) when a channel and purpose come twice
    among the boxes of one form."""
    seen: set[tuple[str, str]] = set()
    for index, choice in enumerate(choices):
        if (choice.channel, choice.purpose) in seen:
            raise InvalidInput(
                _l("This channel and purpose already come earlier in the list."),
                field=f"consents.{index}",
            )
        seen.add((choice.channel, choice.purpose))


def record_consent_choices(
    session: Session,
    customer_id: uuid.UUID,
    choices: Sequence[schemas.ConsentChoice],
    *,
    source: schemas.Source,
    actor: str = "",
) -> list[ConsentRecord]:
    """Record the boxes a shopper ticked at sign-up or checkout (``granted``); unticked ones
    record nothing. A box already granted with the same wording adds no record. Returns the
    new records. Raises :class:`InvalidInput` (``consents.<i>``) when a channel and purpose
    come twice, before recording anything, and what :func:`record_consent` raises."""
    check_consent_choices(choices)
    ticked = [choice for choice in choices if choice.granted]
    if not ticked:
        return []
    current = {(s.channel, s.purpose): s for s in current_consents(session, customer_id)}
    records = []
    for choice in ticked:
        state = current[(choice.channel, choice.purpose)]
        if state.granted and state.wording_version == choice.wording_version:
            continue
        records.append(
            record_consent(
                session,
                customer_id,
                channel=choice.channel,
                purpose=choice.purpose,
                wording_version=choice.wording_version,
                source=source,
                actor=actor,
            )
        )
    return records


def withdraw_consent(
    session: Session,
    customer_id: uuid.UUID,
    *,
    channel: schemas.ConsentChannel,
    purpose: schemas.ConsentPurpose,
    source: schemas.Source,
    actor: str = "",
    occurred_at: datetime | None = None,
) -> ConsentRecord:
    """Record that the customer withdrew a consent (the earlier grants stay in the history);
    emits ``consent.changed``. Raises :class:`CustomerNotFound`, :class:`CustomerNotActive`."""
    return _append(
        session,
        customer_id,
        channel=channel,
        purpose=purpose,
        action="withdrawn",
        wording_version=None,
        source=source,
        actor=actor,
        occurred_at=occurred_at,
    )
