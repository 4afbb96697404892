"""Who listens to which event. Modules subscribe their handlers at import time with
:func:`subscribe`; :func:`emit` fans an event out to every matching handler."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session


@dataclass(frozen=True, slots=True)
class Event:
    """An event as a handler receives it."""

    id: uuid.UUID
    type: str
    key: str
    payload: dict[str, Any]
    occurred_at: datetime


HandlerFunction = Callable[[Session, Event], None]


@dataclass(frozen=True, slots=True)
class HandlerSpec:
    name: str
    patterns: tuple[str, ...]
    function: HandlerFunction

    def accepts(self, event_type: str) -> bool:
        return any(_matches(pattern, event_type) for pattern in self.patterns)


def _matches(pattern: str, event_type: str) -> bool:
    if pattern == "*":
        return True
    if pattern.endswith(".*"):
        return event_type.startswith(pattern[:-1])
    return pattern == event_type


_handlers: dict[str, HandlerSpec] = {}


def subscribe(
    *patterns: str, name: str | None = None
) -> Callable[[HandlerFunction], HandlerFunction]:
    """Register the decorated function as a handler of events matching ``patterns``
    (``"order.placed"``, ``"order.*"`` or ``"*"``).

    The handler runs in its own transaction, receives ``(session, event)`` and must not commit.
    Its ``name`` (by default ``module.function``) is stored with each delivery: renaming a
    handler orphans its pending deliveries, so keep names stable.
    Raises ``ValueError`` if another function already holds the name.
    """
    if not patterns:
        raise ValueError("subscribe() needs at least one event type")

    def register(function: HandlerFunction) -> HandlerFunction:
        handler_name = name or f"{function.__module__}.{function.__qualname__}"
        existing = _handlers.get(handler_name)
        if existing is not None and existing.function is not function:
            raise ValueError(f"an event handler is already named {handler_name!r}")
        _handlers[handler_name] = HandlerSpec(handler_name, tuple(patterns), function)
        return function

    return register


def handlers_for(event_type: str) -> list[HandlerSpec]:
    """The handlers subscribed to ``event_type``, in name order (deterministic fan-out)."""
    return sorted((h for h in _handlers.values() if h.accepts(event_type)), key=lambda h: h.name)


def handler_named(name: str) -> HandlerSpec | None:
    return _handlers.get(name)


def all_handlers() -> list[HandlerSpec]:
    return sorted(_handlers.values(), key=lambda h: h.name)


@contextmanager
def isolated_handlers() -> Iterator[None]:
    """Run a block (a test) with its own handler registrations, restored afterwards."""
    saved = dict(_handlers)
    _handlers.clear()
    try:
        yield
    finally:
        _handlers.clear()
        _handlers.update(saved)
