"""Route tables built once per process and shared by every application built in it.

FastAPI prepares a route (its dependency tree, the validators of its parameters and response)
the first time a request walks past it, and keeps the result on the included router. Comptoir's
~450 routes take about a second to prepare: a process that builds many applications (the test
suite builds one per test; ``create_app`` may be called again after a settings change) would pay
it for each of them. The business routes do not depend on settings or on the application they
serve (they find both on ``request.app``), so they are included once, into a template router, and
every application receives the same prepared branches.

FastAPI looks up ``app.dependency_overrides`` through the router that included a route; for the
shared branches that is :data:`SERVING_APP_OVERRIDES`, which answers with the overrides of the
application serving the current request (set by :func:`serve_as`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Final

from fastapi import APIRouter, FastAPI
from starlette.routing import BaseRoute

_serving_app: ContextVar[Any | None] = ContextVar("comptoir_serving_app", default=None)


class _ServingAppOverrides:
    """The ``dependency_overrides`` of the application serving the current request."""

    @property
    def dependency_overrides(self) -> dict[Callable[..., Any], Callable[..., Any]]:
        app = _serving_app.get()
        overrides = getattr(app, "dependency_overrides", None)
        return overrides if isinstance(overrides, dict) else {}


SERVING_APP_OVERRIDES: Final = _ServingAppOverrides()


@contextmanager
def serve_as(app: object) -> Iterator[None]:
    """Within this block, shared routes resolve dependency overrides against ``app``."""
    token = _serving_app.set(app)
    try:
        yield
    finally:
        _serving_app.reset(token)


def template_router() -> APIRouter:
    """A router to include shared branches into: its routes go to :func:`add_shared_routes`."""
    return APIRouter(dependency_overrides_provider=SERVING_APP_OVERRIDES)


def add_shared_routes(app: FastAPI, routes: Sequence[BaseRoute]) -> None:
    """Append the prepared ``routes`` of a :func:`template_router` to ``app``'s route table."""
    app.router.routes.extend(routes)
