"""Recording every write of a request: the ORM objects a session creates, changes or deletes
become audit entries for the request's principal, in the same transaction.

A session is audited once :func:`audit_session` has given it an actor: the
:data:`audit_writes` dependency does it for each writing ``/api/v1`` request, and
:func:`audit_page_write` (a hook of the back-office shell) for each writing page request,
from ``request.state.principal``. At each flush, the changed column values of every object are
captured from SQLAlchemy's attribute history; just before the commit, the captured entries are
chained into the audit trail. A rollback discards them with the rest.

Personal or secret fields are recorded by name only (``"[redacted]"``): encrypted columns and
their blind indexes, columns whose ``info`` says ``personal`` or ``secret``, and columns whose
name says password, secret, token, e-mail, phone, address and the like. Tables whose ``info``
says ``{"audit": False}`` (technical tables, the trail itself) are not recorded.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Annotated, Any, Final

from fastapi import Depends, Request
from sqlalchemy import event, inspect
from sqlalchemy.orm import InstanceState, Mapper, Session, SessionTransaction, UOWTransaction
from sqlalchemy.orm.properties import ColumnProperty

from comptoir.backoffice.shell import on_page_write
from comptoir.kit.crypto.columns import BLIND_INDEX_INFO, ENCRYPTED_INFO
from comptoir.kit.db.engine import Database
from comptoir.kit.http.access import Principal, current_principal, on_access_denied
from comptoir.kit.http.context import route_template
from comptoir.kit.http.transaction import current_transaction
from comptoir.privacy.schemas import AuditActor, AuditDraft, FieldChange, RequestMeta
from comptoir.privacy.service import append_entries, record, redact

logger = logging.getLogger("comptoir.privacy.capture")

ACCESS_DENIED: Final = "access_denied"
CONTEXT_KEY: Final = "comptoir.audit.context"
PENDING_KEY: Final = "comptoir.audit.pending"
WRITING_METHODS: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})
UNAUDITED_PREFIXES: Final = (
    "privacy_audit_",
    "crypto_",
    "outbox_",
    "event_",
    "jobs",
    "job_",
    "idempotency_",
)
PERSONAL_NAMES: Final = re.compile(
    r"password|passwd|secret|token|otp|recovery|credential|private|_hash$|"
    r"e_?mail|phone|mobile|address|street|postcode|postal|birth|first_name|last_name|"
    r"full_name|display_name|^ip$|ip_address|iban|bic",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class AuditContext:
    actor: AuditActor
    meta: RequestMeta


def audit_session(session: Session, actor: AuditActor, meta: RequestMeta | None = None) -> None:
    """Record every write of ``session`` from now on, as done by ``actor``."""
    session.info[CONTEXT_KEY] = AuditContext(actor=actor, meta=meta or RequestMeta())


def request_meta(request: Request) -> RequestMeta:
    """The client's address (as resolved by the trusted proxies) and user agent."""
    client = request.client.host if request.client else None
    return RequestMeta(ip=client, user_agent=request.headers.get("user-agent"))


def _audit_writes(
    request: Request, principal: Annotated[Principal, Depends(current_principal)]
) -> None:
    if request.method not in WRITING_METHODS:
        return
    session = current_transaction(request.scope).session()
    audit_session(session, AuditActor.from_principal(principal), request_meta(request))


audit_writes: Final[Any] = Depends(_audit_writes)
"""Router dependency: every write of the request is recorded for its principal (raises
``Unauthorized`` without one, like :func:`comptoir.kit.http.access.requires`). The
application puts it on every ``/api/v1`` router."""


def audit_page_write(request: Request) -> None:
    """Back-office write hook: every write of a page's request is recorded for the signed-in
    staff member, or for someone not signed in on the public pages (sign-in, password
    reset)."""
    principal = getattr(request.state, "principal", None)
    actor = (
        AuditActor.from_principal(principal)
        if isinstance(principal, Principal)
        else AuditActor(kind="anonymous", id=None, display_name="")
    )
    session = current_transaction(request.scope).session()
    audit_session(session, actor, request_meta(request))


on_page_write(audit_page_write)


def record_access_denied(request: Request, principal: Principal, scope: str) -> None:
    """Access-control failure hook: once the refused request has been rolled back, record
    in a transaction of its own who was refused which scope, on which route (ASVS V16.3.2).
    The entry names the route's template (``/api/v1/orders/{order_id}``), never the
    values in the path."""
    database: Database = request.app.state.database
    actor = AuditActor.from_principal(principal)
    meta = request_meta(request)
    route = route_template(request.scope) or request.url.path
    changes = {
        "scope": FieldChange(new=scope),
        "method": FieldChange(new=request.method),
        "route": FieldChange(new=route),
    }

    def write() -> None:
        try:
            with database.transaction() as session:
                record(
                    session,
                    actor=actor,
                    action=ACCESS_DENIED,
                    object_type="access",
                    object_id=route,
                    changes=changes,
                    request_meta=meta,
                )
        except Exception:  # the refusal stands; losing its record must not turn it into a 500
            logger.exception("could not record an access-control failure on %s", route)

    current_transaction(request.scope).after_rollback(write)


on_access_denied(record_access_denied)


# -- capture at flush ---------------------------------------------------------------------


def _is_audited(mapper: Mapper[Any]) -> bool:
    table = mapper.local_table
    name = str(getattr(table, "name", ""))
    if getattr(table, "info", {}).get("audit") is False:
        return False
    return not name.startswith(UNAUDITED_PREFIXES)


def _is_personal(prop: ColumnProperty[Any]) -> bool:
    column = prop.columns[0]
    info = column.info
    if ENCRYPTED_INFO in info or BLIND_INDEX_INFO in info:
        return True
    if info.get("personal") or info.get("secret"):
        return True
    return bool(PERSONAL_NAMES.search(prop.key))


def _object_id(state: InstanceState[Any]) -> str:
    value = getattr(state.obj(), "id", None)
    if value is not None:
        return str(value)
    identity = state.identity or ()
    return ",".join(str(part) for part in identity)


def _changes(state: InstanceState[Any], *, created: bool) -> dict[str, FieldChange]:
    changes: dict[str, FieldChange] = {}
    for prop in state.mapper.column_attrs:
        if prop.key in {"created_at", "updated_at"}:
            continue
        history = state.attrs[prop.key].history
        if created:
            if not history.added or history.added[0] is None:
                continue
            old, new = None, history.added[0]
        elif history.added:
            old = history.deleted[0] if history.deleted else None
            new = history.added[0]
        else:
            continue
        changes[prop.key] = FieldChange(old=old, new=new, personal=_is_personal(prop))
    return changes


@event.listens_for(Session, "before_flush")
def _capture(session: Session, _flush: UOWTransaction, _instances: Any) -> None:
    context = session.info.get(CONTEXT_KEY)
    if not isinstance(context, AuditContext):
        return
    pending: list[AuditDraft] = session.info.setdefault(PENDING_KEY, [])
    for action, objects in (
        ("create", session.new),
        ("update", session.dirty),
        ("delete", session.deleted),
    ):
        for instance in objects:
            state: InstanceState[Any] = inspect(instance)
            if not _is_audited(state.mapper):
                continue
            changes = {} if action == "delete" else _changes(state, created=action == "create")
            if action == "update" and not changes:
                continue
            pending.append(
                AuditDraft(
                    actor=context.actor,
                    action=action,
                    object_type=str(state.mapper.local_table.name),  # type: ignore[attr-defined]
                    object_id=_object_id(state),
                    changes=redact(changes),
                    meta=context.meta,
                )
            )


@event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    if not isinstance(session.info.get(CONTEXT_KEY), AuditContext):
        return
    session.flush()  # capture what is still unflushed
    pending: list[AuditDraft] = session.info.pop(PENDING_KEY, [])
    append_entries(session, pending)


@event.listens_for(Session, "after_soft_rollback")
def _discard_pending(session: Session, previous: SessionTransaction) -> None:
    # A rolled-back savepoint keeps what was captured before it: recording a change that
    # was undone is better than losing one that was not.
    if not previous.nested:
        session.info.pop(PENDING_KEY, None)
