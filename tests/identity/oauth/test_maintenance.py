"""The nightly purge of the OAuth server's tables forgets what can no longer serve, and
nothing else."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.identity.oauth import keys
from comptoir.identity.oauth.maintenance import TASK, purge_oauth_records
from comptoir.identity.oauth.models import (
    CLIENT_KIND_APP,
    AccessToken,
    AuthorizationCode,
    RefreshToken,
    SigningKey,
)
from comptoir.identity.oauth.service import register_client
from comptoir.kit.clock import FrozenClock
from comptoir.kit.ids import uuid7
from comptoir.kit.jobs.registry import all_schedules, task_named
from tests.support.staff import add_staff_user

DAY = timedelta(days=1)


def test_expired_codes_tokens_and_old_retired_keys_are_purged(
    session: Session, clock: FrozenClock
) -> None:
    # given a client, a user, and codes, tokens and keys of every age
    user = add_staff_user(session)
    client = register_client(
        session,
        name="Appli",
        kind=CLIENT_KIND_APP,
        scopes=["openid"],
        redirect_uris=["https://app.example.com/cb"],
    ).client
    oldest = keys.create_signing_key(session).id
    clock.advance(timedelta(hours=1))
    recent = keys.create_signing_key(session).id  # retires the oldest
    clock.advance(keys.RETIRED_KEY_GRACE + timedelta(minutes=30))
    active = keys.create_signing_key(session).id  # retires the recent one
    clock.advance(timedelta(hours=1))  # the oldest retired past the grace, the recent not
    now = clock.now()

    def code(name: str, expires_at: object) -> None:
        session.add(
            AuthorizationCode(
                code_hash=name.ljust(64, "0"),
                client_pk=client.id,
                user_id=user.id,
                redirect_uri="https://app.example.com/cb",
                code_challenge="c" * 43,
                auth_time=now,
                expires_at=expires_at,
            )
        )

    def refresh(name: str, expires_at: object, **extra: object) -> None:
        session.add(
            RefreshToken(
                token_hash=name.ljust(64, "0"),
                client_pk=client.id,
                user_id=user.id,
                family_id=uuid7(),
                expires_at=expires_at,
                **extra,
            )
        )

    def access(name: str, expires_at: object) -> None:
        session.add(AccessToken(jti=name, client_pk=client.id, expires_at=expires_at))

    code("old", now - 2 * DAY)
    code("recent", now - timedelta(minutes=5))  # expired, kept a day to spot replays
    refresh("old", now - 2 * DAY)
    refresh("old-revoked", now - 2 * DAY, revoked_at=now - 20 * DAY)
    refresh("revoked-live", now + 10 * DAY, revoked_at=now - DAY)
    refresh("live", now + 10 * DAY, used_at=now - DAY)
    access("old", now - 2 * DAY)
    access("live", now + timedelta(minutes=5))
    session.flush()

    # when the purge runs
    purged = purge_oauth_records(session)

    # then exactly the dead rows are gone
    session.expire_all()
    assert (purged.codes, purged.refresh_tokens, purged.access_tokens) == (1, 2, 1)
    assert purged.signing_keys == 1
    assert sorted(c.code_hash[:6] for c in session.scalars(select(AuthorizationCode))) == ["recent"]
    assert sorted(t.token_hash.rstrip("0") for t in session.scalars(select(RefreshToken))) == [
        "live",
        "revoked-live",
    ]
    assert [t.jti for t in session.scalars(select(AccessToken))] == ["live"]
    remaining = {key.id for key in session.scalars(select(SigningKey))}
    assert remaining == {recent, active}
    assert oldest not in remaining


def test_the_purge_is_a_nightly_scheduled_task() -> None:
    import comptoir.identity.oauth.maintenance  # noqa: F401  (registers on import)

    assert task_named(TASK) is not None
    assert [s.cron for s in all_schedules() if s.task == TASK] == ["20 3 * * *"]
