"""The sales channels' back-office screens: a channel's keys, created (shown once) and
revoked, through the HTTP client."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from comptoir.channels import service
from comptoir.channels.errors import ChannelKeyRefused
from comptoir.channels.models import ChannelKey
from comptoir.kit.db.engine import Database
from tests.backoffice.conftest import csrf_token_of
from tests.catalog.factories import make_channel

EN = {"Accept-Language": "en"}
NEW_KEY = re.compile(r'id="new-key-value">([^<]+)<')


def test_the_channels_page_links_each_channel(client: TestClient, db: Database) -> None:
    with db.transaction() as session:
        channel = make_channel(session, name="Boutique en ligne")

    response = client.get("/admin/channels", headers=EN)

    assert response.status_code == 200
    assert f'href="/admin/channels/{channel.id}">Boutique en ligne</a>' in response.text


def test_a_key_is_created_shown_once_then_revoked_from_the_channel_page(
    client: TestClient, db: Database
) -> None:
    # given a channel's page
    with db.transaction() as session:
        channel_id = make_channel(session, name="Boutique en ligne").id
    page = client.get(f"/admin/channels/{channel_id}", headers=EN)
    assert "No key yet" in page.text

    # when a key is created
    created = client.post(
        f"/admin/channels/{channel_id}/keys",
        data={"csrf_token": csrf_token_of(page.text), "label": "Site vitrine"},
        headers=EN,
    )

    # then the page shows it this once, and it opens the store API
    assert created.status_code == 200
    match = NEW_KEY.search(created.text)
    assert match is not None
    key = match.group(1)
    with db.transaction(readonly=True) as session:
        assert service.authenticate_key(session, key).channel_id == channel_id
        key_id = session.scalar(select(ChannelKey.id))
    again = client.get(f"/admin/channels/{channel_id}", headers=EN)
    assert key not in again.text
    assert key[:12] in again.text

    # when it is revoked, it no longer works
    revoked = client.post(
        f"/admin/channels/{channel_id}/keys/{key_id}/revoke",
        data={"csrf_token": csrf_token_of(again.text)},
        headers=EN,
        follow_redirects=False,
    )
    assert revoked.status_code == 303
    with db.transaction(readonly=True) as session, pytest.raises(ChannelKeyRefused):
        service.authenticate_key(session, key)
    assert "Revoked on" in client.get(f"/admin/channels/{channel_id}", headers=EN).text


def test_a_key_without_a_name_is_refused_with_the_field_named_and_nothing_is_created(
    client: TestClient, db: Database
) -> None:
    with db.transaction() as session:
        channel_id = make_channel(session).id
    page = client.get(f"/admin/channels/{channel_id}", headers=EN)

    response = client.post(
        f"/admin/channels/{channel_id}/keys",
        data={"csrf_token": csrf_token_of(page.text), "label": "  "},
        headers=EN,
    )

    assert response.status_code == 400
    assert 'href="#label"' in response.text
    with db.transaction(readonly=True) as session:
        assert session.scalar(select(ChannelKey.id)) is None
