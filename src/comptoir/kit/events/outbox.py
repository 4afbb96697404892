"""Writing events: :func:`emit` stores the event and one delivery per subscribed handler in
the caller's transaction, so that an event exists if and only if the business change does."""

from __future__ import annotations

import json
import uuid
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from comptoir.kit.events.models import EventDelivery, OutboxEvent
from comptoir.kit.events.registry import handlers_for

MAX_KEY_LENGTH = 200


def _as_json_object(payload: BaseModel | dict[str, Any]) -> dict[str, Any]:
    data = payload.model_dump(mode="json") if isinstance(payload, BaseModel) else payload
    if not isinstance(data, dict):
        raise TypeError("an event payload is a JSON object")
    try:
        # Round-trip now: a payload that cannot be stored must fail in the business
        # transaction, not later in the relay.
        parsed: dict[str, Any] = json.loads(json.dumps(data, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"event payload is not JSON-serialisable: {exc}") from exc
    return parsed


def emit(
    session: Session, type: str, payload: BaseModel | dict[str, Any], *, key: str | uuid.UUID
) -> OutboxEvent:
    """Record that ``type`` happened to the object identified by ``key``.

    Guarantees: the event and its deliveries are added to ``session`` and so are committed,
    or rolled back, with the caller's work; every handler subscribed at this moment will
    receive it at least once, in order with the other events of the same ``key``.
    Raises ``TypeError`` if the payload is not a JSON object, ``ValueError`` on a bad key.
    """
    key_text = str(key)
    if not key_text or len(key_text) > MAX_KEY_LENGTH:
        raise ValueError(f"event key must be 1 to {MAX_KEY_LENGTH} characters")
    event = OutboxEvent(type=type, key=key_text, payload=_as_json_object(payload))
    session.add(event)
    for spec in handlers_for(type):
        event.deliveries.append(EventDelivery(handler=spec.name, key=key_text))
    session.info["comptoir_emitted"] = True
    return event
