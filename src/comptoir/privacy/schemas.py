"""Shapes of the audit trail: who acted, from where, what changed, and what a reader sees."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict

from comptoir.kit.http.access import Principal

REDACTED: Final = "[redacted]"
ActorKind = Literal["staff", "client", "channel", "shopper", "system", "anonymous"]


@dataclass(frozen=True, slots=True)
class AuditActor:
    """Who did it: a principal of the API or back office, the system (CLI, jobs), or someone
    not signed in (a failed sign-in)."""

    kind: ActorKind
    id: uuid.UUID | None
    display_name: str

    @classmethod
    def from_principal(cls, principal: Principal) -> AuditActor:
        """The principal as an actor. A staff member is named by id only: their name is
        personal data, encrypted where identity keeps it, and read from there for display."""
        name = "" if principal.kind == "staff" else principal.display_name
        return cls(kind=principal.kind, id=principal.id, display_name=name)

    @classmethod
    def system(cls, name: str = "system") -> AuditActor:
        return cls(kind="system", id=None, display_name=name)


@dataclass(frozen=True, slots=True)
class RequestMeta:
    """Where from: the client's address and user agent, when the action came over HTTP."""

    ip: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True, slots=True)
class FieldChange:
    """A field's value before and after. A ``personal`` field is recorded by name only."""

    old: Any = None
    new: Any = None
    personal: bool = False


@dataclass(frozen=True, slots=True)
class AuditDraft:
    """An entry waiting to be chained."""

    actor: AuditActor
    action: str
    object_type: str
    object_id: str
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    meta: RequestMeta = RequestMeta()


class AuditEntry(BaseModel):
    """An entry of the audit trail as readers see it."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    seq: int
    occurred_at: datetime
    actor_kind: str
    actor_id: uuid.UUID | None
    actor_name: str
    action: str
    object_type: str
    object_id: str
    ip: str | None
    user_agent: str | None
    changes: dict[str, Any]
    entry_hash: str


class ChainReport(BaseModel):
    """The result of checking the chain: the first entry found altered, missing or out of
    place, if any."""

    is_intact: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str | None = None
