"""The interactive API reference at ``/docs``, served from vendored Swagger UI files so that it
works offline (behind a firewall, on a train, in CI)."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

SWAGGER_UI_VERSION: Final = "5.35.0"
STATIC_PATH: Final = "/api-docs/static"
STATIC_DIR: Final = Path(__file__).parent / "static"


def install_api_docs(app: FastAPI, *, path: str = "/docs") -> None:
    """Serve Swagger UI for ``app.openapi_url`` at ``path`` from the vendored files.

    The application must be built with ``docs_url=None`` so that FastAPI does not add its own
    page, which loads the same files from a CDN.
    """
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name="api-docs-static")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get(path, include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} — API",
            swagger_js_url=f"{STATIC_PATH}/swagger-ui-bundle-{SWAGGER_UI_VERSION}.js",
            swagger_css_url=f"{STATIC_PATH}/swagger-ui-{SWAGGER_UI_VERSION}.css",
            swagger_favicon_url=f"{STATIC_PATH}/favicon.png",
        )
