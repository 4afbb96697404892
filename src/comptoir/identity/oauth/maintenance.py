"""Housekeeping of the OAuth 2 server's tables, scheduled every night: authorization codes,
refresh and access tokens and signing keys that can no longer serve any purpose.

Rows are kept a day past the moment they stop working, so that a replayed code or refresh
token is still recognised as a replay (and revokes its family) for a while after it expired.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final

from sqlalchemy import delete
from sqlalchemy.orm import Session

from comptoir.identity.oauth.keys import RETIRED_KEY_GRACE
from comptoir.identity.oauth.models import (
    KEY_RETIRED,
    AccessToken,
    AuthorizationCode,
    RefreshToken,
    SigningKey,
)
from comptoir.kit import clock
from comptoir.kit.jobs import schedule, task

log = logging.getLogger(__name__)

KEPT_AFTER_EXPIRY: Final = timedelta(days=1)
TASK: Final = "identity.purge_oauth_records"


@dataclass(frozen=True, slots=True)
class PurgedRecords:
    codes: int
    refresh_tokens: int
    access_tokens: int
    signing_keys: int


def _count(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def purge_oauth_records(session: Session) -> PurgedRecords:
    """Delete authorization codes and access tokens expired more than a day ago, refresh
    tokens (used, revoked or not) more than a day past their family's absolute lifetime,
    and retired signing keys past :data:`~comptoir.identity.oauth.keys.RETIRED_KEY_GRACE`
    (no token they signed is still valid, and the JWKS no longer publishes them). The
    active signing key is never deleted. Returns how many of each went."""
    now = clock.now()
    cutoff = now - KEPT_AFTER_EXPIRY
    statements = (
        delete(AuthorizationCode).where(AuthorizationCode.expires_at < cutoff),
        delete(RefreshToken).where(RefreshToken.expires_at < cutoff),
        delete(AccessToken).where(AccessToken.expires_at < cutoff),
        delete(SigningKey).where(
            SigningKey.status == KEY_RETIRED,
            SigningKey.retired_at.is_not(None),
            SigningKey.retired_at < now - RETIRED_KEY_GRACE,
        ),
    )
    codes, refresh, access, signing = (
        _count(session.execute(stmt.execution_options(synchronize_session=False)))
        for stmt in statements
    )
    return PurgedRecords(codes, refresh, access, signing)


@task(TASK, priority=200)
def purge_oauth_records_task(session: Session, payload: dict[str, Any]) -> None:
    """The nightly job around :func:`purge_oauth_records`."""
    purged = purge_oauth_records(session)
    log.info(
        "expired OAuth records purged",
        extra={
            "codes": purged.codes,
            "refresh_tokens": purged.refresh_tokens,
            "access_tokens": purged.access_tokens,
            "signing_keys": purged.signing_keys,
        },
    )


schedule(TASK, task=TASK, cron="20 3 * * *", catch_up=False)
