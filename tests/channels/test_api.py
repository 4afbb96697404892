"""The sales channels' admin API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from comptoir.api import create_app
from comptoir.kit.db.engine import Database
from comptoir.kit.settings import Settings
from tests.support.auth import act_as

CHANNELS = "/api/v1/channels"
WEB = {"code": "web", "name": "Boutique en ligne", "kind": "web", "currency": "EUR"}


@pytest.fixture
def api(settings: Settings, db: Database) -> Iterator[TestClient]:
    with TestClient(create_app(settings, db)) as client:
        yield client


def _app(api: TestClient) -> FastAPI:
    assert isinstance(api.app, FastAPI)
    return api.app


def test_a_channel_is_created_and_listed(api: TestClient) -> None:
    act_as(_app(api), "channels:read", "channels:write")

    created = api.post(CHANNELS, json=WEB)

    assert created.status_code == 201
    assert [(c["code"], c["kind"], c["is_active"]) for c in api.get(CHANNELS).json()] == [
        ("web", "web", True)
    ]


def test_a_taken_code_is_a_409_naming_it_and_nothing_is_added(api: TestClient) -> None:
    act_as(_app(api), "channels:read", "channels:write")
    api.post(CHANNELS, json=WEB)

    again = api.post(CHANNELS, json={**WEB, "name": "Autre"})

    assert (again.status_code, again.json()["field"]) == (409, "code")
    assert [c["name"] for c in api.get(CHANNELS).json()] == ["Boutique en ligne"]


def test_an_unknown_kind_is_a_422_naming_it(api: TestClient) -> None:
    act_as(_app(api), "channels:read", "channels:write")

    response = api.post(CHANNELS, json={**WEB, "kind": "fax"})

    assert (response.status_code, response.json()["field"]) == (422, "kind")
    assert api.get(CHANNELS).json() == []


def test_creating_without_the_write_scope_is_a_403(api: TestClient) -> None:
    act_as(_app(api), "channels:read")

    assert api.post(CHANNELS, json=WEB).status_code == 403
    assert api.get(CHANNELS).json() == []
