"""The Operations page: the job queue and the event outbox at a glance, with the failed and
dead-lettered items and a way to retry them.

``/admin/operations?jobs=failed&events=dead`` is a deep link to a filtered view; the filter
chips update the page with htmx, and each Retry button replaces its own row.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Any, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from comptoir.backoffice.nav import SECTION_SYSTEM, NavItem, register
from comptoir.backoffice.shell import (
    Crumb,
    is_htmx,
    redirect_with_flash,
    register_flash,
    register_pages,
    render,
    require_scope,
)
from comptoir.kit.errors import Conflict, NotFound
from comptoir.kit.events import service as events
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.i18n import LazyString
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.jobs import service as jobs

PAGE_PATH: Final = "/admin/operations"
LIST_LIMIT: Final = 50
JOB_FILTERS: Final = ("failed", "dead", "pending", "running", "succeeded")
EVENT_FILTERS: Final = ("failed", "dead", "pending", "running", "delivered")
RETRYABLE: Final = frozenset({"failed", "dead"})

STATUS_LABELS: Final[dict[str, LazyString]] = {
    "pending": _l("Pending"),
    "running": _l("Running"),
    "failed": _l("Failed"),
    "dead": _l("Dead-lettered"),
    "succeeded": _l("Succeeded"),
    "delivered": _l("Delivered"),
}


@dataclass(frozen=True, slots=True)
class EmptyState:
    """What an empty table says: what would be there, and why it may be empty."""

    title: LazyString
    text: LazyString


JOB_EMPTY: Final[dict[str | None, EmptyState]] = {
    None: EmptyState(
        _l("No jobs yet"),
        _l(
            "Jobs are the work Comptoir does in the background: sending e-mails, importing a "
            "catalogue, computing forecasts. They show here as soon as one is queued."
        ),
    ),
    "failed": EmptyState(
        _l("No failed job"),
        _l("A job whose last attempt failed shows here while it waits for its next attempt."),
    ),
    "dead": EmptyState(
        _l("No dead-lettered job"),
        _l(
            "A job lands here when every allowed attempt has failed. It does not run again "
            "unless you retry it."
        ),
    ),
    "pending": EmptyState(
        _l("No job waiting"), _l("Queued jobs show here until a worker picks them up.")
    ),
    "running": EmptyState(
        _l("No job running"), _l("Jobs show here while a worker is running them.")
    ),
    "succeeded": EmptyState(_l("No finished job"), _l("Jobs that ran successfully show here.")),
}

EVENT_EMPTY: Final[dict[str | None, EmptyState]] = {
    None: EmptyState(
        _l("No event deliveries yet"),
        _l(
            "Events record what happens in the shop, such as an order placed or a stock change, "
            "and are delivered to each module that reacts to them. Each delivery shows here."
        ),
    ),
    "failed": EmptyState(
        _l("No failed delivery"),
        _l("A delivery whose handler ran into an error shows here until its next attempt."),
    ),
    "dead": EmptyState(
        _l("No dead-lettered delivery"),
        _l(
            "A delivery lands here when every allowed attempt has failed. It is not tried again "
            "unless you retry it."
        ),
    ),
    "pending": EmptyState(
        _l("No delivery waiting"),
        _l("Deliveries show here until a worker hands them to their handler."),
    ),
    "running": EmptyState(
        _l("No delivery running"), _l("Deliveries show here while their handler is running.")
    ),
    "delivered": EmptyState(
        _l("No delivered event"), _l("Events that reached their handler show here.")
    ),
}

router = APIRouter()
register(
    NavItem(
        section=SECTION_SYSTEM,
        label=_l("Operations"),
        path=PAGE_PATH,
        order=10,
        scope="operations:read",
    )
)
register_pages(router)
register_flash("job-retried", _l("The job is queued again."))
register_flash("delivery-retried", _l("The delivery is queued again."))


@dataclass(frozen=True, slots=True)
class Filters:
    """The statuses shown in each table (``None``: every status)."""

    jobs: str | None
    events: str | None

    @classmethod
    def parse(cls, jobs_status: str | None, events_status: str | None) -> Filters:
        """Unknown values mean "every status": an old or mistyped link still opens the page."""
        return cls(
            jobs=jobs_status if jobs_status in JOB_FILTERS else None,
            events=events_status if events_status in EVENT_FILTERS else None,
        )

    def with_jobs(self, status: str | None) -> Filters:
        """These filters with the jobs table showing ``status`` (``None``: every status)."""
        return replace(self, jobs=status)

    def with_events(self, status: str | None) -> Filters:
        """These filters with the deliveries table showing ``status`` (``None``: all)."""
        return replace(self, events=status)

    def url(self) -> str:
        """The page's URL with these filters."""
        query = {
            name: value
            for name, value in (("jobs", self.jobs), ("events", self.events))
            if value is not None
        }
        return f"{PAGE_PATH}?{urlencode(query)}" if query else PAGE_PATH


def _page_context(session: Session, filters: Filters) -> dict[str, Any]:
    return {
        "filters": filters,
        "job_counts": jobs.status_counts(session),
        "event_counts": events.status_counts(session),
        "job_rows": jobs.list_jobs(session, status=filters.jobs, limit=LIST_LIMIT),
        "delivery_rows": events.list_deliveries(session, status=filters.events, limit=LIST_LIMIT),
        "job_empty": JOB_EMPTY[filters.jobs],
        "event_empty": EVENT_EMPTY[filters.events],
        "job_filters": JOB_FILTERS,
        "event_filters": EVENT_FILTERS,
        "status_labels": STATUS_LABELS,
        "retryable": RETRYABLE,
        "list_limit": LIST_LIMIT,
    }


@router.get(
    "/operations", response_class=HTMLResponse, dependencies=[require_scope("operations:read")]
)
def operations_page(
    request: Request,
    session: DbSession,
    jobs_status: str | None = Query(None, alias="jobs"),
    events_status: str | None = Query(None, alias="events"),
) -> HTMLResponse:
    """The whole page, or only its content when the filter chips ask through htmx."""
    filters = Filters.parse(jobs_status, events_status)
    context = _page_context(session, filters)
    template = "operations/content.html" if is_htmx(request) else "operations/page.html"
    return render(
        request,
        template,
        title=_l("Operations"),
        breadcrumb=[
            Crumb(_l("Back office"), "/admin"),
            Crumb(_l("System")),
            Crumb(_l("Operations")),
        ],
        **context,
    )


def _retry_response(
    request: Request,
    session: Session,
    *,
    row: object,
    kind: str,
    message: LazyString,
    is_error: bool,
    next_path: str,
    status_code: int = 200,
) -> Response:
    """htmx gets the new row, the new counts and the message; a plain form post goes back to
    the page, which then shows the message."""
    if not is_htmx(request):
        if is_error:
            raise HTTPException(status_code=status_code)
        return redirect_with_flash(request, next_path, f"{kind}-retried")
    counts = jobs.status_counts(session) if kind == "job" else events.status_counts(session)
    return render(
        request,
        "operations/retried.html",
        status_code=status_code,
        row=row,
        counts=counts,
        kind=kind,
        message=message,
        is_error=is_error,
        status_labels=STATUS_LABELS,
        retryable=RETRYABLE,
        next_path=next_path,
    )


def _next_path(candidate: str) -> str:
    return candidate if candidate.startswith(PAGE_PATH) else PAGE_PATH


@router.post("/operations/jobs/{job_id}/retry", dependencies=[require_scope("operations:write")])
def retry_job(
    request: Request,
    session: DbSession,
    job_id: uuid.UUID,
    next_path: str = Form(PAGE_PATH, alias="next"),
) -> Response:
    """Queue a failed or dead-lettered job again. 404 if it does not exist; 409, with the row
    as it now is, if it is no longer failed or dead."""
    try:
        row = jobs.retry_job(session, job_id)
        message, is_error, status = _l("Job {task} queued again.", task=row.task), False, 200
    except NotFound as error:
        raise HTTPException(status_code=404) from error
    except Conflict:
        row = jobs.get_job(session, job_id)
        message, is_error, status = _l("This job can no longer be retried."), True, 409
    return _retry_response(
        request,
        session,
        row=row,
        kind="job",
        message=message,
        is_error=is_error,
        status_code=status,
        next_path=_next_path(next_path),
    )


@router.post(
    "/operations/deliveries/{delivery_id}/retry",
    dependencies=[require_scope("operations:write")],
)
def retry_delivery(
    request: Request,
    session: DbSession,
    delivery_id: uuid.UUID,
    next_path: str = Form(PAGE_PATH, alias="next"),
) -> Response:
    """Queue a failed or dead-lettered event delivery again. 404 if it does not exist; 409,
    with the row as it now is, if it is no longer failed or dead."""
    try:
        row = events.retry_delivery(session, delivery_id)
        message = _l(
            "Event {type} queued again for {handler}.", type=row.event_type, handler=row.handler
        )
        is_error, status = False, 200
    except NotFound as error:
        raise HTTPException(status_code=404) from error
    except Conflict:
        row = events.get_delivery(session, delivery_id)
        message, is_error, status = _l("This delivery can no longer be retried."), True, 409
    return _retry_response(
        request,
        session,
        row=row,
        kind="delivery",
        message=message,
        is_error=is_error,
        status_code=status,
        next_path=_next_path(next_path),
    )
