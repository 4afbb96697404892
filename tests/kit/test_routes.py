"""Route tables prepared once and shared by several applications: each application still answers
with its own dependency overrides, and the shared branches are prepared only once."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI
from fastapi.testclient import TestClient

from comptoir.api import create_app
from comptoir.kit.http.context import RequestContextMiddleware
from comptoir.kit.http.routes import add_shared_routes, template_router
from comptoir.kit.settings import Settings


def who() -> str:
    return "nobody"


def _shared_routes() -> list[object]:
    router = APIRouter()

    @router.get("/who")
    def whoami(name: str = Depends(who)) -> dict[str, str]:
        return {"name": name}

    template = template_router()
    template.include_router(router, prefix="/v1")
    return list(template.routes)


def _app(routes: list[object]) -> FastAPI:
    app = FastAPI()
    app.add_middleware(RequestContextMiddleware)
    add_shared_routes(app, routes)  # type: ignore[arg-type]
    return app


def test_each_application_answers_with_its_own_overrides() -> None:
    routes = _shared_routes()
    first, second, plain = _app(routes), _app(routes), _app(routes)
    first.dependency_overrides[who] = lambda: "alice"
    second.dependency_overrides[who] = lambda: "bob"

    with TestClient(first) as a, TestClient(second) as b, TestClient(plain) as c:
        assert a.get("/v1/who").json() == {"name": "alice"}
        assert b.get("/v1/who").json() == {"name": "bob"}
        assert c.get("/v1/who").json() == {"name": "nobody"}
        assert a.get("/v1/who").json() == {"name": "alice"}


def test_applications_share_the_prepared_business_routes(settings: Settings) -> None:
    first, second = create_app(settings), create_app(settings)
    second_routes = {id(route) for route in second.router.routes}
    shared = [route for route in first.router.routes if id(route) in second_routes]

    # Every module's admin API, store API and pages: the same prepared branches in both.
    assert len(shared) > 20
    with TestClient(first) as a, TestClient(second) as b:
        assert a.get("/api/v1/orders").status_code == 401
        assert b.get("/api/v1/orders").status_code == 401
