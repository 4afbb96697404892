"""Fulfilment's own setting: how long a click & collect order waits at the store."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class FulfilmentSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COMPTOIR_", extra="ignore", frozen=True)

    pickup_hold_days: int = Field(
        default=7,
        ge=1,
        le=60,
        description="Days a click & collect order waits at the store before it is cancelled "
        "and its units released (COMPTOIR_PICKUP_HOLD_DAYS).",
    )


def pickup_hold_days() -> int:
    return FulfilmentSettings().pickup_hold_days
