"""The admin API of a channel's selling locations: ``PUT`` and ``DELETE
/api/v1/inventory/channels/{channel_id}/locations/{location_id}``."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from comptoir.api import create_app
from comptoir.inventory import service as inventory
from comptoir.kit.db.engine import Database
from comptoir.kit.settings import Settings
from tests.catalog.factories import make_channel
from tests.inventory.factories import make_location
from tests.support.auth import act_as

CHANNELS = "/api/v1/inventory/channels"


@pytest.fixture
def api(settings: Settings, db: Database) -> Iterator[TestClient]:
    app = create_app(settings, db)
    act_as(app, "inventory:read", "inventory:write")
    with TestClient(app) as test_client:
        yield test_client


def _rules(db: Database, channel_id: uuid.UUID) -> dict[uuid.UUID, int]:
    with db.session() as session:
        return {
            rule.location_id: rule.buffer
            for rule in inventory.list_channel_locations(session, channel_id=channel_id)
        }


@pytest.fixture
def places(db: Database) -> tuple[uuid.UUID, uuid.UUID]:
    """A channel and a location it does not sell from yet."""
    with db.transaction() as session:
        return make_channel(session).id, make_location(session).id


def test_a_location_is_set_then_removed(
    api: TestClient, db: Database, places: tuple[uuid.UUID, uuid.UUID]
) -> None:
    channel_id, location_id = places
    url = f"{CHANNELS}/{channel_id}/locations/{location_id}"

    # when the channel sells from the location with a buffer of 2, then stops
    put = api.put(url, params={"buffer": 2})
    assert _rules(db, channel_id) == {location_id: 2}
    deleted = api.delete(url)

    # then the rule was written, then removed
    assert put.status_code == 200
    assert put.json() == {
        "channel_id": str(channel_id),
        "location_id": str(location_id),
        "buffer": 2,
    }
    assert deleted.status_code == 204
    assert _rules(db, channel_id) == {}


def test_removing_a_location_the_channel_does_not_sell_from_is_a_404(
    api: TestClient, places: tuple[uuid.UUID, uuid.UUID]
) -> None:
    channel_id, location_id = places

    response = api.delete(f"{CHANNELS}/{channel_id}/locations/{location_id}")

    assert response.status_code == 404
    assert response.json()["type"] == "/problems/channel-location-not-found"
    assert response.json()["field"] == "location_id"


def test_an_unknown_channel_is_a_404_naming_it_and_creates_nothing(
    api: TestClient, db: Database, places: tuple[uuid.UUID, uuid.UUID]
) -> None:
    _channel_id, location_id = places
    unknown = uuid.uuid4()

    response = api.put(f"{CHANNELS}/{unknown}/locations/{location_id}", params={"buffer": 1})

    assert response.status_code == 404
    assert response.json()["type"] == "/problems/channel-not-found"
    assert response.json()["field"] == "channel_id"
    assert _rules(db, unknown) == {}


@pytest.mark.parametrize("buffer", [-1, 1_000_001])
def test_a_buffer_out_of_bounds_is_a_422_naming_it_and_changes_nothing(
    api: TestClient, db: Database, places: tuple[uuid.UUID, uuid.UUID], buffer: int
) -> None:
    channel_id, location_id = places

    response = api.put(
        f"{CHANNELS}/{channel_id}/locations/{location_id}", params={"buffer": buffer}
    )

    assert response.status_code == 422
    assert response.json()["field"] == "buffer"
    assert _rules(db, channel_id) == {}
