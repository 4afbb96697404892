"""Security events of staff accounts in the audit trail: sign-in and its failures, lockouts,
sign-out, two-step verification set up or removed, recovery codes used, passwords changed or
reset, sessions ended, roles changed, users created, deactivated or reactivated.

Each event is one entry (``object_type`` ``identity_staff_users``, ``object_id`` the user's
id) written in the caller's transaction, so it commits or rolls back with what it describes.
No entry holds an e-mail address, a name, a password, a code or a token: the user is named by
id only.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Final

from fastapi import Request
from sqlalchemy.orm import Session

from comptoir.kit.http.access import Principal
from comptoir.privacy.capture import request_meta
from comptoir.privacy.schemas import AuditActor, FieldChange
from comptoir.privacy.service import record

OBJECT_TYPE: Final = "identity_staff_users"
UNKNOWN_ACCOUNT: Final = "unknown"

SIGN_IN: Final = "sign_in"
SIGN_IN_FAILED: Final = "sign_in_failed"
LOCKED_OUT: Final = "locked_out"
SIGN_OUT: Final = "sign_out"
MFA_ENROLLED: Final = "mfa_enrolled"
MFA_REMOVED: Final = "mfa_removed"
RECOVERY_CODE_USED: Final = "recovery_code_used"
PASSWORD_CHANGED: Final = "password_changed"
PASSWORD_RESET: Final = "password_reset"
SESSION_REVOKED: Final = "session_revoked"
ROLES_CHANGED: Final = "roles_changed"
USER_CREATED: Final = "user_created"
USER_DEACTIVATED: Final = "user_deactivated"
USER_REACTIVATED: Final = "user_reactivated"

EVENTS: Final = frozenset(
    {
        SIGN_IN,
        SIGN_IN_FAILED,
        LOCKED_OUT,
        SIGN_OUT,
        MFA_ENROLLED,
        MFA_REMOVED,
        RECOVERY_CODE_USED,
        PASSWORD_CHANGED,
        PASSWORD_RESET,
        SESSION_REVOKED,
        ROLES_CHANGED,
        USER_CREATED,
        USER_DEACTIVATED,
        USER_REACTIVATED,
    }
)


def staff_actor(user_id: uuid.UUID) -> AuditActor:
    """A staff user acting for themself (signing in, changing their password), by id only."""
    return AuditActor(kind="staff", id=user_id, display_name="")


def request_actor(request: Request) -> AuditActor:
    """The request's principal (a staff member by id only), or someone not signed in."""
    return _actor(request, None)


def _actor(request: Request | None, user_id: uuid.UUID | None) -> AuditActor:
    principal = getattr(request.state, "principal", None) if request is not None else None
    if isinstance(principal, Principal):
        return AuditActor(kind=principal.kind, id=principal.id, display_name="")
    if user_id is not None:
        return staff_actor(user_id)
    return AuditActor(kind="anonymous", id=None, display_name="")


def log_event(
    session: Session,
    action: str,
    *,
    user_id: uuid.UUID | None,
    request: Request | None = None,
    actor: AuditActor | None = None,
    details: Mapping[str, object] | None = None,
) -> uuid.UUID:
    """Record ``action`` (one of :data:`EVENTS`) about the user ``user_id`` (``None``: an
    address that matches no account). The actor is ``actor``, else the request's principal,
    else the user themself, else someone not signed in. ``details`` are non-personal values
    (role keys, a session id). Raises ``ValueError`` for an unknown action."""
    if action not in EVENTS:
        raise ValueError(f"unknown security event {action!r}")
    return record(
        session,
        actor=actor or _actor(request, user_id),
        action=action,
        object_type=OBJECT_TYPE,
        object_id=str(user_id) if user_id is not None else UNKNOWN_ACCOUNT,
        changes={name: FieldChange(new=value) for name, value in (details or {}).items()},
        request_meta=request_meta(request) if request is not None else None,
    )
