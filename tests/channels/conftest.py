"""Fixtures of the channel tests: the back office's client signed in with every scope."""

from __future__ import annotations

from tests.backoffice.conftest import (  # noqa: F401  (fixtures)
    admin_settings,
    client,
)
