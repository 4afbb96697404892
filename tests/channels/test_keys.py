"""Publishable channel keys: created once and shown once, stored hashed, revocable, and the
store API's gate that turns them into a channel principal."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from comptoir.api import create_app
from comptoir.channels import service
from comptoir.channels.errors import ChannelInactive, ChannelKeyRefused
from comptoir.channels.models import ChannelKey
from comptoir.channels.schemas import ChannelKeyCreate
from comptoir.kit.clock import FrozenClock
from comptoir.kit.db.engine import Database
from comptoir.kit.settings import Settings
from tests.catalog.factories import make_channel
from tests.channels.factories import make_channel_key
from tests.support.auth import act_as

CHANNELS = "/api/v1/channels"


@pytest.fixture
def api(settings: Settings, db: Database) -> Iterator[TestClient]:
    with TestClient(create_app(settings, db)) as client:
        yield client


def _app(api: TestClient) -> FastAPI:
    assert isinstance(api.app, FastAPI)
    return api.app


def test_a_key_is_shown_once_and_stored_only_as_its_hash(session: Session) -> None:
    # given a channel
    channel = make_channel(session)

    # when a key is created
    created = service.create_key(session, channel.id, ChannelKeyCreate(label="Site"))

    # then the answer holds a random pk_live_ key, and the table only its hash and prefix
    assert created.key.startswith("pk_live_")
    assert len(created.key) == len("pk_live_") + 43
    assert created.prefix == created.key[:12]
    raw = session.execute(text("SELECT * FROM channels_keys")).one()
    assert created.key not in " ".join(str(value) for value in raw)
    assert service.list_keys(session, channel.id)[0].model_dump().keys() >= {"prefix", "label"}
    assert "key" not in service.list_keys(session, channel.id)[0].model_dump()


def test_two_keys_of_one_channel_both_open_it(session: Session) -> None:
    channel, first = make_channel_key(session)
    _, second = make_channel_key(session, channel=channel)

    assert first != second
    assert service.authenticate_key(session, first).channel_id == channel.id
    assert service.authenticate_key(session, second).channel_id == channel.id


@pytest.mark.parametrize("key", [None, "", "pk_live_unknown", "x" * 500])
def test_a_missing_unknown_or_overlong_key_is_refused(session: Session, key: str | None) -> None:
    make_channel_key(session)

    with pytest.raises(ChannelKeyRefused):
        service.authenticate_key(session, key)


def test_a_revoked_key_is_refused_and_the_other_keys_still_work(
    session: Session, clock: FrozenClock
) -> None:
    channel, revoked = make_channel_key(session)
    _, kept = make_channel_key(session, channel=channel)
    key_id = session.scalars(select(ChannelKey.id).order_by(ChannelKey.created_at)).first()
    assert key_id is not None

    first = service.revoke_key(session, channel.id, key_id)
    clock.advance(timedelta(hours=1))
    again = service.revoke_key(session, channel.id, key_id)

    assert again.revoked_at == first.revoked_at == clock.now() - timedelta(hours=1)
    with pytest.raises(ChannelKeyRefused):
        service.authenticate_key(session, revoked)
    assert service.authenticate_key(session, kept).channel_id == channel.id


def test_a_key_of_an_inactive_channel_is_forbidden(session: Session) -> None:
    channel, key = make_channel_key(session)
    channel.is_active = False
    session.flush()

    with pytest.raises(ChannelInactive):
        service.authenticate_key(session, key)


def test_keys_are_created_listed_and_revoked_through_the_admin_api(
    api: TestClient, session: Session
) -> None:
    # given a channel and a caller allowed to configure channels
    channel = make_channel(session)
    session.commit()
    act_as(_app(api), "channels:read", "channels:write")
    keys = f"{CHANNELS}/{channel.id}/keys"

    # when a key is created, then revoked
    created = api.post(keys, json={"label": "Boutique"})
    assert created.status_code == 201
    body = created.json()
    revoked = api.post(f"{keys}/{body['id']}/revoke")

    # then the list shows it revoked, without the key itself
    assert revoked.status_code == 200
    listed = api.get(keys).json()
    assert [(k["label"], k["prefix"], k["revoked_at"] is not None) for k in listed] == [
        ("Boutique", body["key"][:12], True)
    ]
    assert "key" not in listed[0]


def test_creating_a_key_needs_channels_write(api: TestClient, session: Session) -> None:
    channel = make_channel(session)
    session.commit()
    act_as(_app(api), "channels:read")

    response = api.post(f"{CHANNELS}/{channel.id}/keys", json={"label": "Boutique"})

    assert response.status_code == 403
    assert api.get(f"{CHANNELS}/{channel.id}/keys").json() == []


def test_a_key_of_another_channel_cannot_be_revoked_through_this_one(
    api: TestClient, session: Session
) -> None:
    channel, key = make_channel_key(session)
    other = make_channel(session)
    session.commit()
    key_id = session.scalar(select(ChannelKey.id))
    act_as(_app(api), "channels:read", "channels:write")

    response = api.post(f"{CHANNELS}/{other.id}/keys/{key_id}/revoke")

    assert (response.status_code, response.json()["field"]) == (404, "key_id")
    assert service.authenticate_key(session, key).channel_id == channel.id


def test_a_key_for_an_unknown_channel_is_a_404(api: TestClient) -> None:
    act_as(_app(api), "channels:read", "channels:write")

    response = api.post(
        f"{CHANNELS}/018f0000-0000-7000-8000-000000000000/keys", json={"label": "x"}
    )

    assert (response.status_code, response.json()["field"]) == (404, "channel_id")


# -- the store API's gate ------------------------------------------------------------------


def test_the_store_api_without_a_key_is_a_401_problem(api: TestClient) -> None:
    response = api.get("/store/v1/products")

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/channel-key-refused"
    assert response.headers["WWW-Authenticate"].startswith("ChannelKey ")


def test_a_revoked_key_is_refused_by_the_store_api(api: TestClient, session: Session) -> None:
    channel, key = make_channel_key(session)
    session.commit()
    assert api.get("/store/v1/products", headers={"X-Channel-Key": key}).status_code == 200
    key_id = session.scalar(select(ChannelKey.id))
    assert key_id is not None
    service.revoke_key(session, channel.id, key_id)
    session.commit()

    response = api.get("/store/v1/products", headers={"X-Channel-Key": key})

    assert (response.status_code, response.json()["type"]) == (
        401,
        "/problems/channel-key-refused",
    )


def test_an_inactive_channel_is_a_403_on_the_store_api(api: TestClient, session: Session) -> None:
    channel, key = make_channel_key(session)
    channel.is_active = False
    session.commit()

    response = api.get("/store/v1/products", headers={"X-Channel-Key": key})

    assert (response.status_code, response.json()["type"]) == (403, "/problems/channel-inactive")


def test_the_store_api_notes_when_a_key_was_last_used_at_most_once_a_minute(
    api: TestClient, session: Session, clock: FrozenClock
) -> None:
    # given a key never used
    _, key = make_channel_key(session)
    session.commit()
    headers = {"X-Channel-Key": key}

    # when it is used, again 30 seconds later, then two minutes later
    api.get("/store/v1/products", headers=headers)
    first = session.scalar(
        select(ChannelKey.last_used_at).execution_options(populate_existing=True)
    )
    clock.advance(timedelta(seconds=30))
    api.get("/store/v1/products", headers=headers)
    second = session.scalar(select(ChannelKey.last_used_at))
    clock.advance(timedelta(minutes=2))
    api.get("/store/v1/products", headers=headers)
    third = session.scalar(select(ChannelKey.last_used_at))

    # then the first and the third use are noted, not the second
    assert first is not None
    assert third is not None
    assert second == first
    assert third - first == timedelta(seconds=150)
