"""Registered tasks and schedules. Modules declare them at import time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

TaskFunction = Callable[[Session, dict[str, Any]], None]


@dataclass(frozen=True, slots=True)
class TaskSpec:
    name: str
    function: TaskFunction
    max_attempts: int | None
    priority: int


@dataclass(frozen=True, slots=True)
class ScheduleSpec:
    name: str
    task: str
    cron: str
    payload: dict[str, Any] = field(default_factory=dict)
    catch_up: bool = True
    timezone: str | None = None


_tasks: dict[str, TaskSpec] = {}
_schedules: dict[str, ScheduleSpec] = {}


def task(
    name: str, *, max_attempts: int | None = None, priority: int = 100
) -> Callable[[TaskFunction], TaskFunction]:
    """Register the decorated function as the task ``name``.

    The function receives ``(session, payload)``, runs in the job's transaction and must not
    commit: its work and the job's completion are committed together. ``priority``: lower runs
    first. Raises ``ValueError`` if the name is taken by another function.
    """

    def register(function: TaskFunction) -> TaskFunction:
        existing = _tasks.get(name)
        if existing is not None and existing.function is not function:
            raise ValueError(f"a task is already named {name!r}")
        _tasks[name] = TaskSpec(name, function, max_attempts, priority)
        return function

    return register


def schedule(
    name: str,
    *,
    task: str,
    cron: str,
    payload: dict[str, Any] | None = None,
    catch_up: bool = True,
    timezone: str | None = None,
) -> ScheduleSpec:
    """Declare that ``task`` runs on ``cron`` (five fields, in the shop's timezone unless
    ``timezone`` says otherwise). With ``catch_up``, slots missed while no worker ran are
    run one by one when a worker comes back; without it only the latest missed slot runs."""
    from comptoir.kit.jobs.cron import CronExpression

    CronExpression.parse(cron)  # fail at import time, not at 3 a.m.
    spec = ScheduleSpec(name, task, cron, dict(payload or {}), catch_up, timezone)
    _schedules[name] = spec
    return spec


def task_named(name: str) -> TaskSpec | None:
    return _tasks.get(name)


def all_tasks() -> list[TaskSpec]:
    return sorted(_tasks.values(), key=lambda t: t.name)


def all_schedules() -> list[ScheduleSpec]:
    return sorted(_schedules.values(), key=lambda s: s.name)


@contextmanager
def isolated_registry() -> Iterator[None]:
    """Run a block (a test) with its own tasks and schedules, restored afterwards."""
    saved_tasks, saved_schedules = dict(_tasks), dict(_schedules)
    _tasks.clear()
    _schedules.clear()
    try:
        yield
    finally:
        _tasks.clear()
        _tasks.update(saved_tasks)
        _schedules.clear()
        _schedules.update(saved_schedules)
