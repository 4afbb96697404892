"""Five-field cron expressions (minute hour day-of-month month day-of-week), evaluated in a
timezone, with the usual semantics: ``*``, lists, ranges, steps, month and day names,
``@hourly``/``@daily``/``@weekly``/``@monthly``/``@yearly``; when both day fields are
restricted a day matching either runs (Vixie cron)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

_ALIASES = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
_MONTHS = {
    name: i
    for i, name in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
        start=1,
    )
}
_DAYS = {name: i for i, name in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])}


class InvalidCron(ValueError):
    pass


def _value(text: str, names: dict[str, int], low: int, high: int) -> int:
    lowered = text.lower()
    value = names.get(lowered)
    if value is None:
        if not text.isdigit():
            raise InvalidCron(f"{text!r} is not a number")
        value = int(text)
    if not low <= value <= high:
        raise InvalidCron(f"{value} is outside {low}-{high}")
    return value


def _field(text: str, low: int, high: int, names: dict[str, int] | None = None) -> frozenset[int]:
    names = names or {}
    values: set[int] = set()
    for part in text.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            if not step_text.isdigit() or int(step_text) == 0:
                raise InvalidCron(f"bad step {step_text!r}")
            step = int(step_text)
        if part == "*":
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = _value(a, names, low, high), _value(b, names, low, high)
            if start > end:
                raise InvalidCron(f"range {part!r} runs backwards")
        else:
            start = _value(part, names, low, high)
            end = high if step > 1 else start
        values.update(range(start, end + 1, step))
    return frozenset(values)


@dataclass(frozen=True)
class CronExpression:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    days_restricted: bool
    weekdays_restricted: bool

    @classmethod
    def parse(cls, text: str) -> CronExpression:
        """Parse an expression; raises :class:`InvalidCron` saying what is wrong."""
        expanded = _ALIASES.get(text.strip().lower(), text)
        fields = expanded.split()
        if len(fields) != 5:
            raise InvalidCron(f"a cron expression has 5 fields, got {len(fields)}: {text!r}")
        minute, hour, day, month, weekday = fields
        weekdays = _field(weekday, 0, 7, _DAYS)
        if 7 in weekdays:
            weekdays = (weekdays - {7}) | {0}
        return cls(
            minutes=_field(minute, 0, 59),
            hours=_field(hour, 0, 23),
            days=_field(day, 1, 31),
            months=_field(month, 1, 12, _MONTHS),
            weekdays=frozenset(weekdays),
            days_restricted=not day.startswith("*"),
            weekdays_restricted=not weekday.startswith("*"),
        )

    def _day_matches(self, moment: datetime) -> bool:
        in_days = moment.day in self.days
        in_weekdays = (moment.isoweekday() % 7) in self.weekdays
        if self.days_restricted and self.weekdays_restricted:
            return in_days or in_weekdays
        return in_days and in_weekdays

    def next_after(self, after: datetime, timezone: str = "UTC") -> datetime:
        """The first matching instant strictly after ``after``, as an aware UTC datetime.

        Wall-clock times that do not exist on a spring-forward day run at the shifted
        instant; on a fall-back day an ambiguous time runs once (its first occurrence).
        """
        if after.tzinfo is None:
            raise ValueError("next_after needs an aware datetime")
        zone = ZoneInfo(timezone)
        local = after.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)
        local += timedelta(minutes=1)
        limit = local + timedelta(days=366 * 5)
        while local <= limit:
            if local.month not in self.months:
                year, month = (
                    (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
                )
                local = local.replace(year=year, month=month, day=1, hour=0, minute=0)
                continue
            if not self._day_matches(local):
                local = (local + timedelta(days=1)).replace(hour=0, minute=0)
                continue
            if local.hour not in self.hours:
                local = (local + timedelta(hours=1)).replace(minute=0)
                continue
            if local.minute not in self.minutes:
                local += timedelta(minutes=1)
                continue
            candidate = local.replace(tzinfo=zone, fold=0).astimezone(UTC)
            if candidate > after:
                return candidate
            local += timedelta(minutes=1)
        raise InvalidCron("this expression never matches (e.g. 31 February)")
