"""The audit trail page: who changed what, when and from where, filtered by actor, object and
dates (``/admin/privacy/audit?actor=...&object_type=...&since=2026-11-01``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Final
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from comptoir.backoffice.nav import SECTION_SYSTEM, NavItem, register
from comptoir.backoffice.shell import Crumb, is_htmx, register_pages, render, require_scope
from comptoir.identity import service as identity
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.i18n import LazyString
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.privacy import capture as _capture  # noqa: F401  (records writes when loaded)
from comptoir.privacy import service

PAGE_PATH: Final = "/admin/privacy/audit"
PAGE_SIZE: Final = 50
AUDIT_SCOPE: Final = "privacy:audit"

ACTION_LABELS: Final[dict[str, LazyString]] = {
    "create": _l("Created"),
    "update": _l("Changed"),
    "delete": _l("Deleted"),
}

ACTOR_KIND_LABELS: Final[dict[str, LazyString]] = {
    "staff": _l("Staff member"),
    "client": _l("API client"),
    "channel": _l("Sales channel"),
    "shopper": _l("Shopper"),
    "system": _l("Comptoir itself"),
    "anonymous": _l("Someone not signed in"),
}

router = APIRouter(dependencies=[require_scope(AUDIT_SCOPE)])
register(
    NavItem(
        section=SECTION_SYSTEM, label=_l("Audit trail"), path=PAGE_PATH, order=20, scope=AUDIT_SCOPE
    )
)
register_pages(router, templates=Path(__file__).parent / "templates")


@dataclass(frozen=True, slots=True)
class AuditFilters:
    """The filters of the page, as typed (kept in the form) and as understood."""

    actor: str = ""
    object_type: str = ""
    object_id: str = ""
    since: str = ""
    until: str = ""

    def day(self, value: str) -> date | None:
        try:
            return date.fromisoformat(value) if value else None
        except ValueError:
            return None

    @property
    def errors(self) -> dict[str, LazyString]:
        bad = _l("Enter a date like 2026-11-23.")
        return {
            name: bad
            for name in ("since", "until")
            if getattr(self, name) and self.day(getattr(self, name)) is None
        }

    def url(self, cursor: str | None = None) -> str:
        query: dict[str, str] = {}
        for name in ("actor", "object_type", "object_id", "since", "until"):
            if getattr(self, name):
                query[name] = getattr(self, name)
        if cursor:
            query["cursor"] = cursor
        return f"{PAGE_PATH}?{urlencode(query)}" if query else PAGE_PATH


def _bounds(filters: AuditFilters, zone: ZoneInfo) -> tuple[datetime | None, datetime | None]:
    """``since`` from the start of its day, ``until`` to the end of its day, in the shop's
    timezone."""
    since, until = filters.day(filters.since), filters.day(filters.until)
    start = datetime.combine(since, time(), zone) if since else None
    end = datetime.combine(until + timedelta(days=1), time(), zone) if until else None
    return start, end


@router.get("/privacy/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    session: DbSession,
    actor: str = Query("", max_length=200),
    object_type: str = Query("", max_length=64),
    object_id: str = Query("", max_length=64),
    since: str = Query("", max_length=10),
    until: str = Query("", max_length=10),
    cursor: str | None = Query(None, max_length=2048),
) -> HTMLResponse:
    """The trail, newest first, a page at a time; only the results when htmx asks."""
    filters = AuditFilters(actor.strip(), object_type.strip(), object_id.strip(), since, until)
    start, end = _bounds(filters, ZoneInfo(request.app.state.settings.timezone))
    page = service.list_entries(
        session,
        actor=filters.actor or None,
        actor_ids=identity.ids_named_like(session, filters.actor) if filters.actor else (),
        object_type=filters.object_type or None,
        object_id=filters.object_id or None,
        since=start,
        until=end,
        cursor=cursor,
        limit=PAGE_SIZE,
    )
    template = "privacy/audit_results.html" if is_htmx(request) else "privacy/audit.html"
    response = render(
        request,
        template,
        title=_l("Audit trail"),
        breadcrumb=[
            Crumb(_l("Back office"), "/admin"),
            Crumb(_l("System")),
            Crumb(_l("Audit trail")),
        ],
        filters=filters,
        errors=filters.errors,
        page=page,
        next_url=filters.url(page.next_cursor) if page.next_cursor else None,
        is_first_page=cursor is None,
        object_types=service.object_types(session),
        action_labels=ACTION_LABELS,
        actor_kind_labels=ACTOR_KIND_LABELS,
        staff_names=identity.display_names(
            session, {e.actor_id for e in page.items if e.actor_kind == "staff" and e.actor_id}
        ),
    )
    if is_htmx(request):
        # The address bar shows the filters in use, without the empty ones.
        response.headers["HX-Push-Url"] = filters.url(cursor)
    return response
