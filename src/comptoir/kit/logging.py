"""Logging set-up: JSON lines in production, a readable console line in development.

Standard library logging only. Every line written while a request runs carries its request id.
What gets logged is chosen at the call site and must never hold a request body, a secret or
personal data: access lines name the route template, not the raw path or its query string.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Final

from comptoir.kit.settings import Settings

_request_id: ContextVar[str | None] = ContextVar("comptoir_request_id", default=None)

# Attributes every LogRecord has; anything else was passed through ``extra=`` on purpose.
_STANDARD_ATTRIBUTES: Final = frozenset(
    vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None))
) | {"message", "asctime", "request_id", "taskName"}

CONSOLE_FORMAT: Final = "%(asctime)s %(levelname)-7s %(name)s [%(request_id)s] %(message)s"


def current_request_id() -> str | None:
    """The id of the request being served in this context, if any."""
    return _request_id.get()


@contextmanager
def use_request_id(request_id: str) -> Iterator[str]:
    """Stamp ``request_id`` on every log line written in this block (this context only)."""
    token = _request_id.set(request_id)
    try:
        yield request_id
    finally:
        _request_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to each record (``-`` outside of a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, the ``extra=``
    fields, and the exception's traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for name, value in vars(record).items():
            if name not in _STANDARD_ATTRIBUTES and not name.startswith("_"):
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class _ComptoirHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Marks the handler this module installed, so that configuring again replaces it."""


def configure_logging(settings: Settings) -> None:
    """Send every log record to standard error, as JSON lines when ``settings.json_logs``,
    else as console lines, at ``settings.log_level``. Calling it again replaces the previous
    set-up instead of doubling every line.

    The ASGI server's own access log is silenced: it writes raw paths with their query string,
    which may hold personal data; ``comptoir.http.access`` writes the route template instead.
    """
    handler = _ComptoirHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(
        JsonFormatter() if settings.json_logs else logging.Formatter(CONSOLE_FORMAT)
    )
    root = logging.getLogger()
    for previous in [h for h in root.handlers if isinstance(h, _ComptoirHandler)]:
        root.removeHandler(previous)
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    # Alembic announces each of its autogenerate plugins at INFO on every start.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
