"""The demo shop's channel keys: one per channel, stable from one run to the next, working."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.channels import service
from comptoir.channels.demo import demo_key, seed_channel_keys
from comptoir.channels.models import ChannelKey
from comptoir.kit.settings import Settings
from tests.catalog.factories import make_channel


def test_every_channel_gets_one_stable_working_key_however_often_the_demo_runs(
    session: Session, settings: Settings
) -> None:
    web, app = make_channel(session, code="web"), make_channel(session, code="app")

    first = seed_channel_keys(session, settings)
    second = seed_channel_keys(session, settings)

    assert first == second
    assert f"web: X-Channel-Key: {demo_key('web')}" in first
    assert session.scalar(select(func.count()).select_from(ChannelKey)) == 2
    assert service.authenticate_key(session, demo_key("web")).channel_id == web.id
    assert service.authenticate_key(session, demo_key("app")).channel_id == app.id
