"""The navigation shows each person the pages their scopes open, and nothing else."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from comptoir.api import create_app
from comptoir.backoffice.nav import SECTION_SALES, SECTION_SYSTEM, NavItem, NavRegistry, navigation
from comptoir.identity.scopes import BUILTIN_ROLES, STAFF_SCOPES
from comptoir.kit.db.engine import Database
from comptoir.kit.http.access import Principal
from comptoir.kit.i18n import lazy_gettext as _l
from tests.backoffice.conftest import make_settings
from tests.support.staff import sign_in_client, staff_session_token

NAV_LINK = re.compile(r'<nav[^>]*aria-label="[^"]*"[^>]*>(.*?)</nav>', re.DOTALL)
HREF = re.compile(r'href="(/admin/[^"?#]*)"')


def _principal(*scopes: str) -> Principal:
    return Principal(kind="staff", id=uuid.uuid4(), scopes=frozenset(scopes))


def test_an_item_is_listed_only_for_a_principal_holding_its_scope() -> None:
    # given an orders page that needs orders:read, and an account page open to everyone
    registry = NavRegistry()
    orders = registry.register(
        NavItem(SECTION_SALES, _l("Orders"), "/admin/orders", scope="orders:read")
    )
    account = registry.register(NavItem(SECTION_SYSTEM, _l("My account"), "/admin/account"))

    # when the navigation is built for someone with and someone without the scope
    seller = registry.groups(_principal("orders:read"))
    stranger = registry.groups(_principal("catalog:read"))

    # then only the seller sees the orders, and both see their account
    assert [g.items for g in seller] == [(orders,), (account,)]
    assert [g.items for g in stranger] == [(account,)]


def test_every_registered_page_names_a_scope_of_the_catalogue() -> None:
    # the items other modules register say which scope opens their page (or none)
    for group in navigation.groups():
        for item in group.items:
            assert item.scope is None or item.scope in STAFF_SCOPES, item.path


def _client_for(db: Database, database_url: str, tmp_path: Path, role: str) -> Iterator[TestClient]:
    settings = make_settings(database_url, tmp_path)
    with TestClient(create_app(settings, db)) as client:
        sign_in_client(client, staff_session_token(db, settings, role_keys=[role]))
        yield client


@pytest.fixture
def read_only(db: Database, database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    yield from _client_for(db, database_url, tmp_path, "read_only")


@pytest.fixture
def warehouse(db: Database, database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    yield from _client_for(db, database_url, tmp_path, "warehouse")


def _nav_paths(client: TestClient) -> set[str]:
    html = client.get("/admin/account").text
    match = NAV_LINK.search(html)
    assert match is not None, "the page has no navigation"
    return set(HREF.findall(match.group(1)))


def _paths_for(scopes: frozenset[str]) -> set[str]:
    return {
        item.path
        for group in navigation.groups()
        for item in group.items
        if item.scope is None or item.scope in scopes
    }


def test_a_read_only_user_sees_the_pages_of_her_read_scopes(read_only: TestClient) -> None:
    # when a read-only user opens a page
    paths = _nav_paths(read_only)

    # then the navigation lists the pages her read scopes open, and no other
    assert paths == _paths_for(BUILTIN_ROLES["read_only"].scopes)
    assert {"/admin/catalog/products", "/admin/users", "/admin/account"} <= paths
    assert "/admin/privacy/audit" not in paths


def test_a_warehouse_user_sees_stock_and_catalogue_only(warehouse: TestClient) -> None:
    # when a warehouse user opens a page
    paths = _nav_paths(warehouse)

    # then she sees the stock, the catalogue and her account, not the system pages
    assert paths == _paths_for(BUILTIN_ROLES["warehouse"].scopes)
    assert {"/admin/inventory", "/admin/catalog/products", "/admin/account"} <= paths
    assert not paths & {
        "/admin/users",
        "/admin/roles",
        "/admin/operations",
        "/admin/purchasing/orders",
    }
    # and a page she may not open is refused, link or not
    assert warehouse.get("/admin/users").status_code == 403
