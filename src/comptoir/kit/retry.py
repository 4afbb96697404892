"""Exponential backoff shared by event deliveries and jobs."""

from __future__ import annotations

import random
from datetime import timedelta


def backoff_delay(
    attempt: int, *, base_seconds: float, max_seconds: float, rng: random.Random | None = None
) -> timedelta:
    """The wait before retry number ``attempt`` (1 for the first retry).

    ``base * 2**(attempt-1)``, capped at ``max_seconds``, with up to 10 % of jitter so that a
    burst of failures (a partner down for a minute) does not come back as one burst.
    """
    if attempt < 1:
        raise ValueError("attempt starts at 1")
    raw = min(max_seconds, base_seconds * (2 ** min(attempt - 1, 40)))
    jitter = (rng or random).uniform(0.0, 0.1) * raw
    return timedelta(seconds=min(max_seconds, raw + jitter))
