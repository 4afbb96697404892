"""How far along long work is, for a progress bar in another thread of the same process.

A job's own transaction is invisible to others until it commits, so its progress cannot be
read from the database while it runs; the in-process worker (the default of
``comptoir serve``) reports it here instead. A page reading a key that is not here (the work
runs in another process, or has not started) shows progress without a figure.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Progress:
    done: int
    total: int

    @property
    def percent(self) -> int:
        return 100 if self.total <= 0 else min(100, self.done * 100 // self.total)


_lock = threading.Lock()
_board: dict[str, Progress] = {}


def report(key: str, done: int, total: int) -> None:
    """Record that ``done`` of ``total`` steps of the work ``key`` are finished."""
    with _lock:
        _board[key] = Progress(done, total)


def read(key: str) -> Progress | None:
    """The last progress reported for ``key``, if any."""
    with _lock:
        return _board.get(key)


def forget(key: str) -> None:
    """Drop ``key`` once its work is over."""
    with _lock:
        _board.pop(key, None)
