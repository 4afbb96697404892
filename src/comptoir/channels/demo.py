"""The demo shop's publishable keys: one per sales channel, with a value that stays the same
from one ``make demo`` to the next so that a demo storefront can be configured once.

Stable key values are for the demo shop only: real keys are random (:func:`create_key`).
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.channels import service
from comptoir.channels.keys import key_hash
from comptoir.channels.models import ChannelKey
from comptoir.channels.schemas import ChannelKeyCreate
from comptoir.kit.settings import Settings


def demo_key(code: str) -> str:
    """The demo key of the channel ``code`` (public: it is printed by the demo)."""
    digest = hashlib.sha256(f"comptoir-demo-channel-key:{code}".encode()).hexdigest()
    return f"pk_demo_{code}_{digest[:32]}"


def seed_channel_keys(session: Session, settings: Settings) -> str:
    """A publishable key for every demo channel (kept when it already exists)."""
    lines = []
    storefront = ""
    for channel in service.list_channels(session):
        key = demo_key(channel.code)
        known = session.scalar(select(ChannelKey.id).where(ChannelKey.key_hash == key_hash(key)))
        if known is None:
            service.create_key(session, channel.id, ChannelKeyCreate(label="Demo"), key=key)
        lines.append(f"  {channel.code}: X-Channel-Key: {key}")
        if channel.code == "web":
            # Served when COMPTOIR_DEMO_STOREFRONT is on, as ``make demo`` does.
            storefront = f"\nDemo storefront: {settings.base_url}/demo-store/?key={key}"
    listed = "\n".join(lines)
    return (
        f"Store API keys ({settings.base_url}/store/v1, see docs/store-api.md):\n{listed}"
        + storefront
    )
