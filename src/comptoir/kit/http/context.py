"""What every request carries from its first byte to its last: an id and a language.

The request id comes from ``X-Request-ID`` when the caller (a proxy, a channel) sent a sane one,
and is generated otherwise; it is echoed in the response and stamped on every log line written
while the request runs. The language is negotiated from ``Accept-Language`` once, so that
everything the request translates speaks the same language.
"""

from __future__ import annotations

import logging
import re
import time
from typing import Final
from weakref import WeakKeyDictionary

from fastapi.routing import iter_route_contexts
from starlette.datastructures import Headers
from starlette.routing import Mount, compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from comptoir.kit.http.routes import serve_as
from comptoir.kit.i18n import DEFAULT_LOCALE, Locale, negotiate_locale, use_locale
from comptoir.kit.ids import uuid7
from comptoir.kit.logging import use_request_id

REQUEST_ID_HEADER: Final = "X-Request-ID"
UNMATCHED_ROUTE: Final = "<unmatched>"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

access_logger = logging.getLogger("comptoir.http.access")


def request_id_from(headers: Headers) -> str:
    """The caller's ``X-Request-ID`` if it is short and plain, else a new one."""
    given = headers.get(REQUEST_ID_HEADER, "")
    return given if _SANE_REQUEST_ID.fullmatch(given) else uuid7().hex


def route_template(scope: Scope) -> str:
    """The template of the route that served ``scope`` (``/api/v1/orders/{order_id}``), never
    the raw path: bounded for metrics, free of identifiers and personal data for logs."""
    app, route = scope.get("app"), scope.get("route")
    if app is not None and route is not None:
        template = _included_route_templates(app, route).get(id(route))
        if template:
            return template
    return _matching_route_template(scope)


# Per application: the full path template of each route, by the route's identity. FastAPI
# keeps included routers as they were declared (a route's own ``path`` lacks the prefixes it
# was included under), so the full template comes from its route contexts.
_templates: WeakKeyDictionary[object, dict[int, str]] = WeakKeyDictionary()


def _included_route_templates(app: object, route: object) -> dict[int, str]:
    templates = _templates.get(app)
    if templates is None or id(route) not in templates:
        templates = {}
        for context in iter_route_contexts(getattr(app, "routes", ())):
            if context.path_format:
                templates.setdefault(id(context.original_route), context.path_format)
        # A route that is not in any context (it is remembered as such, not searched again).
        templates.setdefault(id(route), "")
        _templates[app] = templates
    return templates


def _matching_route_template(scope: Scope) -> str:
    # Requests answered before routing (an idempotent replay, a 404) and plain Starlette
    # routes leave no route in the scope: find the template whose pattern the path matches.
    path = str(scope.get("path", ""))
    method = scope.get("method")
    for context in iter_route_contexts(getattr(scope.get("app"), "routes", ())):
        pattern, template = context.path, context.path_format
        if not pattern or not template:
            continue
        methods = context.methods
        if isinstance(context.original_route, Mount):
            pattern = pattern.rstrip("/") + "/{path:path}"
        if compile_path(pattern)[0].match(path) and (not methods or method in methods):
            return template
    return UNMATCHED_ROUTE


class RequestContextMiddleware:
    """Pure ASGI middleware: request id, language, and one access log line per request."""

    def __init__(self, app: ASGIApp, *, default_locale: Locale = DEFAULT_LOCALE) -> None:
        self.app = app
        self.default_locale = default_locale

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        request_id = request_id_from(headers)
        locale = negotiate_locale(headers.get("accept-language"), self.default_locale)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message["headers"] = [
                    *message.get("headers", []),
                    (REQUEST_ID_HEADER.lower().encode(), request_id.encode()),
                ]
            await send(message)

        with use_request_id(request_id), use_locale(locale), serve_as(scope.get("app")):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                route = route_template(scope)
                access_logger.info(
                    "%s %s %s",
                    scope["method"],
                    route,
                    status,
                    extra={
                        "http_method": scope["method"],
                        "route": route,
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    },
                )
