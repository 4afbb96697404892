"""Idempotency keys on creating POSTs: replay, reuse, in flight, takeover, expiry, release."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from httpx import Response
from pydantic import BaseModel
from sqlalchemy import func, select
from starlette.types import Scope

from comptoir.api import create_app
from comptoir.kit import clock as app_clock
from comptoir.kit.clock import FrozenClock
from comptoir.kit.db.engine import Database
from comptoir.kit.errors import Conflict
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.idempotency.middleware import caller_scope
from comptoir.kit.idempotency.models import KEY_COMPLETED, KEY_IN_FLIGHT, IdempotencyKey
from comptoir.kit.idempotency.service import (
    Claimed,
    IdempotencyRequestInFlight,
    IdempotentRequest,
    claim_key,
    purge_expired_keys,
    request_digest,
)
from comptoir.kit.jobs.models import Job
from comptoir.kit.settings import Settings

JOBS_PATH = "/api/test/jobs"
BODY = b'{"task":"send-invoice"}'
OTHER_BODY = b'{"task":"send-reminder"}'
KEY = "3f1c2a9e-order-42"


class JobIn(BaseModel):
    task: str


router = APIRouter(prefix="/api/test")


@router.post("/jobs", status_code=201)
def create_job(body: JobIn, session: DbSession) -> dict[str, str]:
    job = Job(task=body.task)
    session.add(job)
    session.flush()
    return {"id": str(job.id)}


@router.post("/refused-jobs", status_code=201)
def create_job_then_refuse(body: JobIn, session: DbSession) -> dict[str, str]:
    session.add(Job(task=body.task))
    session.flush()
    raise Conflict()


@router.post("/unsaveable-jobs", status_code=201)
def create_jobs_that_cannot_commit(body: JobIn, session: DbSession) -> dict[str, str]:
    # Two jobs with one dedupe key: the unique constraint fails only at commit.
    session.add(Job(task=body.task, dedupe_key="same"))
    session.add(Job(task=body.task, dedupe_key="same"))
    return {"status": "queued"}


@pytest.fixture
def client(settings: Settings, db: Database, clock: FrozenClock) -> Iterator[TestClient]:
    app = create_app(settings, db)
    app.include_router(router)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def send(client: TestClient, path: str, body: bytes, key: str | None = KEY) -> Response:
    """POST a JSON body, with ``key`` as its Idempotency-Key (none if ``None``)."""
    headers = {"Content-Type": "application/json", "Accept-Language": "en"}
    if key is not None:
        headers["Idempotency-Key"] = key
    response: Response = client.post(path, content=body, headers=headers)
    return response


def count_jobs(db: Database, task: str = "send-invoice") -> int:
    with db.transaction(readonly=True) as session:
        return session.scalar(select(func.count()).select_from(Job).where(Job.task == task)) or 0


def keys(db: Database) -> list[tuple[str, str, int | None]]:
    """Every recorded key as (key, status, recorded response status)."""
    with db.transaction(readonly=True) as session:
        rows = session.execute(
            select(IdempotencyKey.key, IdempotencyKey.status, IdempotencyKey.response_status)
        )
        return [(key, status, response_status) for key, status, response_status in rows]


def insert_key(db: Database, *, locked_at_age: timedelta, body: bytes = BODY) -> None:
    now = app_clock.now()
    with db.transaction() as session:
        session.add(
            IdempotencyKey(
                scope="anonymous",
                key=KEY,
                request_hash=request_digest("POST", JOBS_PATH, body),
                method="POST",
                path=JOBS_PATH,
                status=KEY_IN_FLIGHT,
                locked_at=now - locked_at_age,
                created_at=now - locked_at_age,
                expires_at=now + timedelta(hours=1),
            )
        )


def test_the_same_request_twice_replays_the_first_answer_and_creates_once(
    client: TestClient, db: Database
) -> None:
    first = send(client, JOBS_PATH, BODY)
    second = send(client, JOBS_PATH, BODY)

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert "idempotent-replayed" not in first.headers
    assert second.headers["idempotent-replayed"] == "true"
    assert second.headers["content-type"] == "application/json"
    assert count_jobs(db) == 1
    assert keys(db) == [(KEY, KEY_COMPLETED, 201)]


def test_the_same_key_with_another_body_is_refused_and_creates_nothing(
    client: TestClient, db: Database
) -> None:
    send(client, JOBS_PATH, BODY)

    response = send(client, JOBS_PATH, OTHER_BODY)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/idempotency-key-reused"
    assert count_jobs(db, "send-reminder") == 0
    assert count_jobs(db) == 1


def test_a_request_whose_key_is_in_flight_gets_409_and_does_nothing(
    client: TestClient, db: Database
) -> None:
    insert_key(db, locked_at_age=timedelta(seconds=5))

    response = send(client, JOBS_PATH, BODY)

    assert response.status_code == 409
    assert response.json()["type"] == "/problems/idempotency-request-in-flight"
    assert count_jobs(db) == 0
    assert keys(db) == [(KEY, KEY_IN_FLIGHT, None)]


def test_a_stale_lock_is_taken_over(client: TestClient, db: Database, settings: Settings) -> None:
    insert_key(db, locked_at_age=timedelta(seconds=settings.idempotency_lock_seconds + 1))

    response = send(client, JOBS_PATH, BODY)

    assert response.status_code == 201
    assert count_jobs(db) == 1
    assert keys(db) == [(KEY, KEY_COMPLETED, 201)]


def test_a_key_is_forgotten_once_it_has_expired(
    client: TestClient, db: Database, clock: FrozenClock, settings: Settings
) -> None:
    send(client, JOBS_PATH, BODY)
    clock.advance(timedelta(hours=settings.idempotency_ttl_hours))

    again = send(client, JOBS_PATH, BODY)

    assert again.status_code == 201
    assert "idempotent-replayed" not in again.headers
    assert count_jobs(db) == 2
    assert len(keys(db)) == 1


def test_a_key_still_replays_just_before_it_expires(
    client: TestClient, db: Database, clock: FrozenClock, settings: Settings
) -> None:
    send(client, JOBS_PATH, BODY)
    clock.advance(timedelta(hours=settings.idempotency_ttl_hours) - timedelta(seconds=1))

    again = send(client, JOBS_PATH, BODY)

    assert again.headers["idempotent-replayed"] == "true"
    assert count_jobs(db) == 1


def test_a_refused_request_releases_its_key_so_the_client_can_retry(
    client: TestClient, db: Database
) -> None:
    path = "/api/test/refused-jobs"
    first = send(client, path, BODY)
    second = send(client, path, BODY)

    assert first.status_code == second.status_code == 409
    assert first.json()["type"] == second.json()["type"] == "/problems/conflict"
    assert "idempotent-replayed" not in second.headers
    assert keys(db) == []
    assert count_jobs(db) == 0


def test_a_failed_commit_records_neither_the_work_nor_the_answer(
    client: TestClient, db: Database
) -> None:
    response = send(client, "/api/test/unsaveable-jobs", BODY)

    assert response.status_code == 500
    assert response.json()["type"] == "/problems/internal-error"
    assert count_jobs(db) == 0
    assert keys(db) == []


@pytest.mark.parametrize("bad_key", ["", "x" * 256, "clé", "two words", "tab\there"])
def test_a_malformed_key_is_refused_naming_the_header(
    client: TestClient, db: Database, bad_key: str
) -> None:
    response = client.post(
        JOBS_PATH,
        content=BODY,
        headers=[
            (b"Content-Type", b"application/json"),
            (b"Idempotency-Key", bad_key.encode("utf-8")),
        ],
    )

    assert response.status_code == 400
    assert response.json()["type"] == "/problems/idempotency-key-invalid"
    assert response.json()["field"] == "Idempotency-Key"
    assert count_jobs(db) == 0
    assert keys(db) == []


def test_a_post_without_key_runs_every_time_and_records_no_key(
    client: TestClient, db: Database
) -> None:
    send(client, JOBS_PATH, BODY, key=None)
    send(client, JOBS_PATH, BODY, key=None)

    assert count_jobs(db) == 2
    assert keys(db) == []


def test_keys_belong_to_the_credentials_presented() -> None:
    def scope_with(*headers: tuple[bytes, bytes]) -> Scope:
        return {"type": "http", "headers": list(headers)}

    alice = (b"authorization", b"Bearer token-of-alice")
    bob = (b"authorization", b"Bearer token-of-bob")
    shop = (b"x-channel-key", b"pk_live_shop")

    assert caller_scope(scope_with()) == "anonymous"
    assert caller_scope(scope_with(alice)) == caller_scope(scope_with(alice))
    assert caller_scope(scope_with(alice)) != caller_scope(scope_with(bob))
    assert caller_scope(scope_with(shop)) != caller_scope(scope_with(shop, alice))
    assert "token-of-alice" not in caller_scope(scope_with(alice))


def test_two_callers_using_the_same_key_each_get_their_own_answer(
    client: TestClient, db: Database
) -> None:
    headers = {"Content-Type": "application/json", "Idempotency-Key": KEY}

    first = client.post(JOBS_PATH, content=BODY, headers={**headers, "Authorization": "Bearer a"})
    second = client.post(JOBS_PATH, content=BODY, headers={**headers, "Authorization": "Bearer b"})
    again = client.post(JOBS_PATH, content=BODY, headers={**headers, "Authorization": "Bearer a"})

    assert first.status_code == second.status_code == 201
    assert "Idempotent-Replayed" not in second.headers
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert count_jobs(db) == 2


def test_purge_deletes_only_expired_keys(db: Database, clock: FrozenClock) -> None:
    now = clock.now()
    with db.transaction() as session:
        for key, expires_in in (("old", timedelta(0)), ("fresh", timedelta(seconds=1))):
            session.add(
                IdempotencyKey(
                    scope="anonymous",
                    key=key,
                    request_hash="0" * 64,
                    method="POST",
                    path=JOBS_PATH,
                    expires_at=now + expires_in,
                )
            )

    with db.transaction() as session:
        purged = purge_expired_keys(session, now)

    assert purged == 1
    assert [key for key, _status, _answer in keys(db)] == ["fresh"]


@pytest.mark.committed
def test_two_racing_claims_of_one_key_let_exactly_one_through(committed_db: Database) -> None:
    request = IdempotentRequest(
        scope="anonymous",
        key=KEY,
        method="POST",
        path=JOBS_PATH,
        request_hash=request_digest("POST", JOBS_PATH, BODY),
    )
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def claim() -> None:
        barrier.wait()
        try:
            result = claim_key(
                committed_db, request, ttl=timedelta(hours=24), lock=timedelta(seconds=60)
            )
            outcomes.append("claimed" if isinstance(result, Claimed) else "replayed")
        except IdempotencyRequestInFlight:
            outcomes.append("in flight")

    threads = [threading.Thread(target=claim) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["claimed", "in flight"]
    assert len(keys(committed_db)) == 1
