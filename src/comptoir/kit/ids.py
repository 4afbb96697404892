"""UUID version 7 identifiers (RFC 9562): time-ordered, so index-friendly and sortable."""

from __future__ import annotations

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_counter = 0


def uuid7() -> uuid.UUID:
    """A new UUID v7, strictly increasing within this process.

    Layout: 48-bit Unix milliseconds, version 7, a 12-bit counter seeded randomly each
    millisecond (RFC 9562 method 1, "fixed-length dedicated counter"), the variant bits and
    62 random bits. When the counter overflows within one millisecond the timestamp is moved
    forward by one millisecond, which keeps the order.
    """
    global _last_ms, _counter
    with _lock:
        ms = time.time_ns() // 1_000_000
        if ms > _last_ms:
            _last_ms = ms
            _counter = int.from_bytes(os.urandom(2), "big") & 0x7FF  # leave room to count up
        else:
            _counter += 1
            if _counter > 0xFFF:
                _last_ms += 1
                _counter = 0
        ms, counter = _last_ms, _counter
    rand_b = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= counter << 64
    value |= 0b10 << 62
    value |= rand_b
    return uuid.UUID(int=value)


def uuid7_time_ms(value: uuid.UUID) -> int:
    """The Unix time in milliseconds carried by a UUID v7."""
    return value.int >> 80
