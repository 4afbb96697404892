"""Domain errors. Each carries a stable problem ``type`` slug, an HTTP status, the field at
fault (if any) and a message template translated at the edge (RFC 9457 problem details)."""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    """Base of every error a user or an integrator may see.

    Subclasses set ``slug`` (stable, kebab-case: it becomes the problem ``type``), ``status``
    and ``title``; ``message`` is a template formatted with ``params``.
    """

    slug: ClassVar[str] = "domain-error"
    status: ClassVar[int] = 400
    title: ClassVar[str] = "The request cannot be carried out."

    def __init__(self, message: str | None = None, *, field: str | None = None,
                 **params: Any) -> None:
        self.message = message or self.title
        self.field = field
        self.params = params
        super().__init__(self.message.format(**params) if params else self.message)


class NotFound(DomainError):
    slug = "not-found"
    status = 404
    title = "The requested resource does not exist."


class Conflict(DomainError):
    slug = "conflict"
    status = 409
    title = "The request conflicts with the current state of the resource."


class InvalidInput(DomainError):
    slug = "invalid-input"
    status = 422
    title = "A value is not valid."
