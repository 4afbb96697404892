"""Every back-office page declares the scope it needs (``require_scope``), like every admin API
route does; only the pages every signed-in person has (sign-in, their own account, the home
page) and the shell's technical routes are exempt, and they are listed here by name."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import iter_route_contexts

from comptoir.api import create_app
from comptoir.kit.db.engine import Database
from comptoir.kit.settings import Settings

EVERYONE_PREFIXES = (
    "/admin/login",
    "/admin/logout",
    "/admin/account",
    "/admin/mfa",
    "/admin/password/",
    "/admin/locale",
    "/admin/static",
    "/admin/oauth",
    "/admin/sign-in",
)
EVERYONE = {"/admin", "/admin/"}


def _scopes_of(dependant: Dependant) -> set[str]:
    found: set[str] = set()
    for dependency in dependant.dependencies:
        scope = getattr(dependency.call, "required_scope", None)
        if scope:
            found.add(scope)
        found |= _scopes_of(dependency)
    return found


def _pages(app: FastAPI) -> list[tuple[str, str, set[str]]]:
    pages = []
    for route in iter_route_contexts(app.routes):
        path = route.path or ""
        dependant = getattr(route, "dependant", None)
        if path.startswith("/admin") and isinstance(dependant, Dependant):
            for method in sorted(route.methods or ()):
                pages.append((method, path, _scopes_of(dependant)))
    return pages


def test_every_page_declares_its_scope(admin_settings: Settings, db: Database) -> None:
    pages = _pages(create_app(admin_settings, db))
    undeclared = [
        f"{method} {path}"
        for method, path, scopes in pages
        if not scopes and path not in EVERYONE and not path.startswith(EVERYONE_PREFIXES)
    ]

    assert len(pages) > 50
    assert undeclared == []


def test_a_page_that_changes_data_needs_more_than_a_read_scope(
    admin_settings: Settings, db: Database
) -> None:
    readers_may_post = [
        f"{method} {path} ({', '.join(sorted(scopes))})"
        for method, path, scopes in _pages(create_app(admin_settings, db))
        if method == "POST" and scopes and all(scope.endswith(":read") for scope in scopes)
    ]

    assert readers_may_post == []
