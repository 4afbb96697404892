"""The outbox: events written in the business transaction and delivered to handlers."""

from comptoir.kit.events.outbox import emit
from comptoir.kit.events.registry import Event, HandlerSpec, subscribe

__all__ = ["Event", "HandlerSpec", "emit", "subscribe"]
