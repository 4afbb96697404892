"""Typed factories for channel keys."""

from __future__ import annotations

from sqlalchemy.orm import Session

from comptoir.channels import service
from comptoir.channels.models import Channel
from comptoir.channels.schemas import ChannelKeyCreate
from tests.catalog.factories import make_channel


def make_channel_key(
    session: Session, *, channel: Channel | None = None, label: str = "Storefront"
) -> tuple[Channel, str]:
    """A channel (a new one by default) and a fresh publishable key of it, flushed."""
    channel = channel or make_channel(session)
    created = service.create_key(session, channel.id, ChannelKeyCreate(label=label))
    return channel, created.key
