"""Health endpoints for load balancers and orchestrators.

``/healthz`` says the process is alive and answers without touching the database (a database
outage must not get every API process restarted). ``/readyz`` says the process can serve: the
database answers and its schema is at the latest migration.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from comptoir.kit.db.engine import READONLY_OPTION, Database
from comptoir.kit.db.migrate import is_up_to_date
from comptoir.kit.errors import ServiceUnavailable, problem_responses
from comptoir.kit.i18n import lazy_gettext as _l

logger = logging.getLogger("comptoir.http.health")

_checking_readiness: ContextVar[bool] = ContextVar("comptoir_checking_readiness", default=False)


class _QuietWhileCheckingReadiness(logging.Filter):
    """Alembic logs two INFO lines each time it reads the schema version; a probe every few
    seconds would drown the log in them."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (_checking_readiness.get() and record.levelno < logging.WARNING)


logging.getLogger("alembic.runtime.migration").addFilter(_QuietWhileCheckingReadiness())

health_router = APIRouter(tags=["operations"])


class NotReady(ServiceUnavailable):
    slug = "not-ready"
    title = _l("The service is not ready to serve requests.")


class HealthStatus(BaseModel):
    """The answer of a health endpoint."""

    status: str


@health_router.get("/healthz", response_model=HealthStatus)
def healthz() -> HealthStatus:
    """200 while the process is alive. Never touches the database."""
    return HealthStatus(status="ok")


@health_router.get("/readyz", response_model=HealthStatus, responses=problem_responses(503))
def readyz(request: Request) -> HealthStatus:
    """200 when the database answers and its migrations are at head; 503 problem
    ``not-ready`` otherwise, saying which."""
    database: Database = request.app.state.database
    token = _checking_readiness.set(True)
    try:
        # A read-only connection: on SQLite a probe must not queue behind the writers.
        up_to_date = is_up_to_date(database.engine.execution_options(**{READONLY_OPTION: True}))
    except SQLAlchemyError:
        logger.warning("not ready: the database does not answer", exc_info=True)
        raise NotReady(_l("The database does not answer.")) from None
    finally:
        _checking_readiness.reset(token)
    if not up_to_date:
        raise NotReady(_l("The database schema is not up to date: run the migrations."))
    return HealthStatus(status="ready")
