"""Cursor pagination: walking every page of a real table yields each row once, in order."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, Select, literal_column, select
from sqlalchemy.orm import Session

from comptoir.kit.errors import InvalidInput
from comptoir.kit.jobs.models import Job
from comptoir.kit.pagination import (
    Direction,
    InvalidCursor,
    Page,
    PageParams,
    SortKey,
    decode_cursor,
    encode_cursor,
    paginate,
)

START = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
TASK_PREFIX = "pagination-test"
MAX_PAGES = 100  # a broken cursor must fail the walk, not loop for ever


def add_jobs(
    session: Session,
    count: int,
    *,
    distinct_instants: int = 5,
    priority: Callable[[int], int] = lambda i: 100,
    locked_until: Callable[[int], datetime | None] = lambda i: None,
) -> list[Job]:
    """``count`` jobs whose ``created_at`` takes only a few values, so the sort key ties."""
    jobs = [
        Job(
            id=uuid.uuid4(),  # random ids: ties are broken in an order unrelated to insertion
            task=f"{TASK_PREFIX}-{i}",
            created_at=START + timedelta(microseconds=7 * (i % distinct_instants)),
            updated_at=START,
            priority=priority(i),
            locked_until=locked_until(i),
        )
        for i in range(count)
    ]
    session.add_all(jobs)
    session.flush()
    return jobs


def jobs_stmt() -> Select[Job]:
    return select(Job).where(Job.task.like(f"{TASK_PREFIX}-%"))


def walk(
    session: Session,
    order_by: Sequence[tuple[SortKey, Direction]],
    *,
    limit: int,
) -> tuple[list[uuid.UUID], int]:
    """Every page from the first to the last: the ids read and the number of pages."""
    ids: list[uuid.UUID] = []
    cursor: str | None = None
    for pages in range(1, MAX_PAGES + 1):
        page = paginate(
            session, jobs_stmt(), order_by=order_by, id_column=Job.id, limit=limit, cursor=cursor
        )
        ids.extend(job.id for job in page.items)
        assert len(page.items) <= limit
        if page.next_cursor is None:
            return ids, pages
        assert len(page.items) == limit
        cursor = page.next_cursor
    raise AssertionError(f"still no last page after {MAX_PAGES} pages")


def expected_order(
    jobs: Sequence[Job], keys: Sequence[tuple[Callable[[Job], Any], Direction]]
) -> list[uuid.UUID]:
    """The order the database must give: each key in turn, NULLs last, ties by id in the
    direction of the last key."""
    rows = list(jobs)
    last_direction = keys[-1][1] if keys else "asc"
    rows.sort(key=lambda job: job.id, reverse=last_direction == "desc")
    for value_of, direction in reversed(keys):
        present = [job for job in rows if value_of(job) is not None]
        missing = [job for job in rows if value_of(job) is None]
        rows = sorted(present, key=value_of, reverse=direction == "desc") + missing
    return [job.id for job in rows]


# -- walking the pages ------------------------------------------------------------------------


@pytest.mark.parametrize("direction", ["asc", "desc"])
@pytest.mark.parametrize("limit", [1, 4, 23, 200])
def test_walk_by_creation_time_with_ties(
    session: Session, direction: Direction, limit: int
) -> None:
    # given 23 jobs created at only 5 distinct instants
    jobs = add_jobs(session, 23)
    # when every page is read
    ids, pages = walk(session, [(Job.created_at, direction)], limit=limit)
    # then each job appears once, in order, ties broken by id
    assert ids == expected_order(jobs, [(lambda job: job.created_at, direction)])
    assert len(set(ids)) == 23
    assert pages == -(-23 // limit)


@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_walk_by_id_alone(session: Session, direction: Direction) -> None:
    # given jobs and no sort key but their id
    jobs = add_jobs(session, 9)
    # when every page is read
    ids, pages = walk(session, [(Job.id, direction)], limit=4)
    # then they come in id order
    assert ids == sorted((job.id for job in jobs), reverse=direction == "desc")
    assert pages == 3


def test_walk_with_mixed_directions(session: Session) -> None:
    # given jobs with three priorities and tied creation times
    jobs = add_jobs(session, 30, priority=lambda i: (i % 3) * 10)
    order: list[tuple[SortKey, Direction]] = [(Job.priority, "desc"), (Job.created_at, "asc")]
    # when every page is read, highest priority first, oldest first within a priority
    ids, _pages = walk(session, order, limit=7)
    # then the order holds across page boundaries
    assert ids == expected_order(
        jobs, [(lambda job: job.priority, "desc"), (lambda job: job.created_at, "asc")]
    )


@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_walk_by_a_nullable_column_puts_nulls_last(session: Session, direction: Direction) -> None:
    # given jobs of which one in three has no lease, and leases that tie
    def lease(i: int) -> datetime | None:
        return None if i % 3 == 0 else START + timedelta(minutes=i % 4)

    jobs = add_jobs(session, 20, locked_until=lease)
    # when every page is read by lease
    ids, _pages = walk(session, [(Job.locked_until, direction)], limit=3)
    # then the leased jobs come in order and the others after them, on both databases
    assert ids == expected_order(jobs, [(lambda job: job.locked_until, direction)])
    assert set(ids[-7:]) == {job.id for job in jobs if job.locked_until is None}


def test_exactly_one_full_page_has_no_next_cursor(session: Session) -> None:
    add_jobs(session, 5)
    page = paginate(
        session,
        jobs_stmt(),
        order_by=[(Job.created_at, "asc")],
        id_column=Job.id,
        limit=5,
        cursor=None,
    )
    assert len(page.items) == 5
    assert page.next_cursor is None


def test_empty_list_is_one_empty_page(session: Session) -> None:
    page = paginate(
        session,
        jobs_stmt(),
        order_by=[(Job.created_at, "asc")],
        id_column=Job.id,
        limit=10,
        cursor=None,
    )
    assert page.items == []
    assert page.next_cursor is None
    assert page.limit == 10


def test_filters_of_the_statement_hold_on_every_page(session: Session) -> None:
    # given high and low priority jobs
    jobs = add_jobs(session, 12, priority=lambda i: 1 if i % 2 else 2)
    stmt = jobs_stmt().where(Job.priority == 1).order_by(Job.task)
    # when the high priority ones are paged (the statement's own ORDER BY is replaced)
    first = paginate(
        session, stmt, order_by=[(Job.created_at, "asc")], id_column=Job.id, limit=4, cursor=None
    )
    second = paginate(
        session,
        stmt,
        order_by=[(Job.created_at, "asc")],
        id_column=Job.id,
        limit=4,
        cursor=first.next_cursor,
    )
    # then only they come, once each
    wanted = [job for job in jobs if job.priority == 1]
    assert [job.id for job in first.items + second.items] == expected_order(
        wanted, [(lambda job: job.created_at, "asc")]
    )
    assert second.next_cursor is None


def test_a_row_inserted_before_the_cursor_does_not_shift_the_next_page(session: Session) -> None:
    # given the first page of a list
    jobs = add_jobs(session, 6, distinct_instants=6)
    order: list[tuple[SortKey, Direction]] = [(Job.created_at, "asc")]
    first = paginate(session, jobs_stmt(), order_by=order, id_column=Job.id, limit=3, cursor=None)
    # when a row sorting before the cursor is added
    early = Job(task=f"{TASK_PREFIX}-early", created_at=START - timedelta(days=1), updated_at=START)
    session.add(early)
    session.flush()
    second = paginate(
        session, jobs_stmt(), order_by=order, id_column=Job.id, limit=3, cursor=first.next_cursor
    )
    # then the next page is exactly the rows after the cursor
    ordered = expected_order(jobs, [(lambda job: job.created_at, "asc")])
    assert [job.id for job in second.items] == ordered[3:]
    assert early.id not in {job.id for job in second.items}


# -- refusals ---------------------------------------------------------------------------------


def cursor_of(payload: Any) -> str:
    raw = json.dumps(payload).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def valid_cursor(session: Session) -> str:
    add_jobs(session, 3)
    page = paginate(
        session,
        jobs_stmt(),
        order_by=[(Job.created_at, "asc")],
        id_column=Job.id,
        limit=1,
        cursor=None,
    )
    assert page.next_cursor is not None
    return page.next_cursor


def test_a_cursor_is_url_safe(session: Session) -> None:
    cursor = valid_cursor(session)
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@pytest.mark.parametrize(
    "make_cursor",
    [
        pytest.param(lambda good: "not a cursor!", id="garbage"),
        pytest.param(lambda good: "", id="empty"),
        pytest.param(lambda good: "A" * 3000, id="too-long"),
        pytest.param(lambda good: good[:-5], id="truncated"),
        pytest.param(lambda good: cursor_of(["v", 1]), id="not-an-object"),
        pytest.param(lambda good: cursor_of({"v": 99, "o": "x", "k": []}), id="version"),
        pytest.param(lambda good: _with(good, o="0123456789ab"), id="other-order"),
        pytest.param(lambda good: _with(good, k=[]), id="no-values"),
        pytest.param(
            lambda good: _with(good, k=[["str", "x"], ["uuid", str(uuid.uuid4())]]),
            id="text-for-an-instant",
        ),
        pytest.param(
            lambda good: _with(
                good, k=[["datetime", "2026-01-01T00:00:00"], ["uuid", str(uuid.uuid4())]]
            ),
            id="naive-instant",
        ),
        pytest.param(
            lambda good: _with(
                good, k=[["datetime", "2026-13-01T00:00:00+00:00"], ["uuid", str(uuid.uuid4())]]
            ),
            id="impossible-date",
        ),
        pytest.param(
            lambda good: _with(good, k=[["datetime", START.isoformat()], ["none"]]), id="no-id"
        ),
        pytest.param(
            lambda good: _with(good, k=[["datetime", START.isoformat()], ["uuid", "zz"]]),
            id="bad-uuid",
        ),
        pytest.param(
            lambda good: _with(good, k=[["datetime", START.isoformat()], ["int", "1"]]),
            id="int-for-an-id",
        ),
        pytest.param(
            lambda good: _with(good, k=[["pickle", "x"], ["uuid", "zz"]]), id="unknown-type"
        ),
    ],
)
def test_a_bad_cursor_is_refused_on_the_cursor_field(
    session: Session, make_cursor: Callable[[str], str]
) -> None:
    cursor = make_cursor(valid_cursor(session))
    with pytest.raises(InvalidCursor) as caught:
        paginate(
            session,
            jobs_stmt(),
            order_by=[(Job.created_at, "asc")],
            id_column=Job.id,
            limit=10,
            cursor=cursor,
        )
    assert caught.value.field == "cursor"
    assert caught.value.status == 422


def _with(cursor: str, **changes: Any) -> str:
    payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    return cursor_of({**payload, **changes})


def test_a_cursor_from_the_other_direction_is_refused(session: Session) -> None:
    cursor = valid_cursor(session)
    with pytest.raises(InvalidCursor):
        paginate(
            session,
            jobs_stmt(),
            order_by=[(Job.created_at, "desc")],
            id_column=Job.id,
            limit=10,
            cursor=cursor,
        )


@pytest.mark.parametrize("limit", [0, -1, 201])
def test_a_limit_out_of_bounds_is_refused(session: Session, limit: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        paginate(session, jobs_stmt(), order_by=[], id_column=Job.id, limit=limit, cursor=None)
    assert caught.value.field == "limit"


def test_a_select_of_two_things_is_refused(session: Session) -> None:
    stmt = select(Job.id, Job.task)
    with pytest.raises(ValueError, match="one entity"):
        paginate(session, stmt, order_by=[], id_column=Job.id, limit=10, cursor=None)  # type: ignore[arg-type]


# -- the cursor keeps types -------------------------------------------------------------------


def test_cursor_values_keep_their_types() -> None:
    # given one value of each sortable type
    values: list[Any] = [
        START,
        datetime(2026, 3, 29, 3, 30, 0, 123456, tzinfo=UTC),
        date(2026, 11, 23),
        Decimal("12.3400"),
        -42,
        True,
        "l'été à Paris",
        None,
        1.5,
        uuid.UUID("01936a4e-8c3f-7000-8000-000000000001"),
    ]
    # sorted by untyped expressions, so the cursor alone answers for the types
    keys: list[tuple[ColumnElement[Any], Direction]] = [
        (literal_column(f"key_{n}"), "asc") for n in range(len(values))
    ]
    # when they go through a cursor
    decoded = decode_cursor(encode_cursor(values, "fingerprint1"), keys, "fingerprint1")
    # then each comes back equal and of the same type
    assert decoded == values
    assert [type(value) for value in decoded] == [type(value) for value in values]


def test_a_naive_datetime_cannot_enter_a_cursor() -> None:
    with pytest.raises(TypeError, match="naive"):
        encode_cursor([datetime(2026, 1, 1)], "fingerprint1")  # noqa: DTZ001


def test_an_unknown_type_cannot_enter_a_cursor() -> None:
    with pytest.raises(TypeError, match="bytes"):
        encode_cursor([b"raw"], "fingerprint1")


# -- FastAPI ----------------------------------------------------------------------------------


class JobOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    task: str


def jobs_app() -> FastAPI:
    app = FastAPI()

    @app.get("/jobs")
    def list_jobs(params: Annotated[PageParams, Depends()]) -> Page[JobOut]:
        jobs = [Job(id=uuid.UUID(int=n), task=f"task-{n}") for n in range(1, 4)]
        page: Page[Job] = Page(
            items=jobs[: params.limit], next_cursor=params.cursor, limit=params.limit
        )
        return page.map(JobOut.model_validate)

    return app


def test_page_params_default_to_fifty_and_no_cursor() -> None:
    response = TestClient(jobs_app()).get("/jobs")
    assert response.status_code == 200
    assert response.json() == {
        "items": [{"id": str(uuid.UUID(int=n)), "task": f"task-{n}"} for n in range(1, 4)],
        "next_cursor": None,
        "limit": 50,
    }


def test_page_params_read_cursor_and_limit() -> None:
    response = TestClient(jobs_app()).get("/jobs", params={"cursor": "abc", "limit": 2})
    assert response.json()["next_cursor"] == "abc"
    assert [item["task"] for item in response.json()["items"]] == ["task-1", "task-2"]


@pytest.mark.parametrize("limit", ["0", "201", "many"])
def test_page_params_refuse_a_limit_out_of_bounds(limit: str) -> None:
    response = TestClient(jobs_app()).get("/jobs", params={"limit": limit})
    assert response.status_code == 422


def test_page_schema_in_the_openapi_document() -> None:
    document = jobs_app().openapi()
    parameters = {p["name"]: p for p in document["paths"]["/jobs"]["get"]["parameters"]}
    assert parameters["limit"]["schema"]["minimum"] == 1
    assert parameters["limit"]["schema"]["maximum"] == 200
    assert parameters["limit"]["schema"]["default"] == 50
    page_schema = document["components"]["schemas"]["Page_JobOut_"]
    assert set(page_schema["properties"]) == {"items", "next_cursor", "limit"}


def test_page_map_converts_each_item() -> None:
    page: Page[int] = Page(items=[1, 2, 3], next_cursor="next", limit=3)
    assert page.map(str) == Page(items=["1", "2", "3"], next_cursor="next", limit=3)
