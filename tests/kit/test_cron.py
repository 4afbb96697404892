from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from comptoir.kit.jobs.cron import CronExpression, InvalidCron


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("*/15 * * * *", utc(2026, 11, 23, 10, 7), utc(2026, 11, 23, 10, 15)),
        ("*/15 * * * *", utc(2026, 11, 23, 10, 15), utc(2026, 11, 23, 10, 30)),
        ("0 9 * * mon-fri", utc(2026, 11, 27, 9, 0), utc(2026, 11, 30, 9, 0)),  # Fri -> Mon
        ("@monthly", utc(2026, 11, 23, 0, 0), utc(2026, 12, 1, 0, 0)),
        ("0 0 29 2 *", utc(2026, 3, 1), utc(2028, 2, 29)),
        ("0 12 1 * 1", utc(2026, 11, 24, 13), utc(2026, 11, 30, 12)),  # day OR weekday
        ("5 4 * * sun", utc(2026, 11, 23), utc(2026, 11, 29, 4, 5)),
        ("0 0 * * 7", utc(2026, 11, 23), utc(2026, 11, 29)),  # 7 is Sunday too
    ],
)
def test_next_run_in_utc(expression: str, after: datetime, expected: datetime) -> None:
    assert CronExpression.parse(expression).next_after(after) == expected


def test_a_daily_run_follows_paris_wall_clock_across_summer_time() -> None:
    nightly = CronExpression.parse("0 6 * * *")
    winter = nightly.next_after(utc(2026, 1, 10, 12), "Europe/Paris")
    summer = nightly.next_after(utc(2026, 7, 10, 12), "Europe/Paris")
    assert winter == utc(2026, 1, 11, 5)
    assert summer == utc(2026, 7, 11, 4)


def test_a_time_skipped_by_spring_forward_still_runs_once() -> None:
    # 2026-03-29 02:30 does not exist in Paris: the run happens at the shifted instant.
    at_half_past_two = CronExpression.parse("30 2 * * *")
    first = at_half_past_two.next_after(utc(2026, 3, 28, 12), "Europe/Paris")
    assert first == utc(2026, 3, 29, 1, 30)
    assert at_half_past_two.next_after(first, "Europe/Paris") == utc(2026, 3, 30, 0, 30)


def test_a_time_repeated_by_fall_back_runs_once() -> None:
    at_half_past_two = CronExpression.parse("30 2 * * *")
    first = at_half_past_two.next_after(utc(2026, 10, 24, 12), "Europe/Paris")
    assert first == utc(2026, 10, 25, 0, 30)
    assert at_half_past_two.next_after(first, "Europe/Paris") == utc(2026, 10, 26, 1, 30)


@pytest.mark.parametrize(
    "text",
    [
        "* * * *",
        "60 * * * *",
        "* 24 * * *",
        "*/0 * * * *",
        "5-1 * * * *",
        "x * * * *",
        "0 0 31 2 *",
    ],
)
def test_a_wrong_expression_is_refused_with_a_reason(text: str) -> None:
    with pytest.raises(InvalidCron):
        CronExpression.parse(text).next_after(utc(2026, 1, 1))


@given(
    minute=st.sampled_from(["*", "*/5", "7", "0,30", "10-20/3"]),
    hour=st.sampled_from(["*", "3", "9-17", "*/6"]),
    day=st.sampled_from(["*", "1", "15", "28"]),
    weekday=st.sampled_from(["*", "1-5", "0", "6"]),
    after=st.datetimes(
        min_value=datetime(2020, 1, 1),  # noqa: DTZ001 (hypothesis wants naive bounds)
        max_value=datetime(2035, 1, 1),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
)
def test_the_next_run_is_later_and_matches_the_expression(
    minute: str, hour: str, day: str, weekday: str, after: datetime
) -> None:
    expression = CronExpression.parse(f"{minute} {hour} {day} * {weekday}")
    result = expression.next_after(after, "Europe/Paris")
    local = result.astimezone(ZoneInfo("Europe/Paris"))
    assert result > after
    assert local.minute in expression.minutes
    assert result - after <= timedelta(days=366)
