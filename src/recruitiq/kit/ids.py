"""Prefixed, time-ordered identifiers such as ``job_0193a1b2c3d4e5f6a7b8c9d0e1``.

Like a monotonic ULID: 48 bits of milliseconds, then 64 bits that are random for the first
id of a millisecond and incremented for the next ones, so ids made by one process sort in
the order they were made (two events of one transaction keep their order by id).
"""

from __future__ import annotations

import secrets
import threading
import time

_lock = threading.Lock()
_last_millis = 0
_last_random = 0


def new_id(prefix: str) -> str:
    global _last_millis, _last_random
    with _lock:
        millis = time.time_ns() // 1_000_000
        if millis <= _last_millis:
            millis = _last_millis
            _last_random += 1
        else:
            _last_millis = millis
            # 63 bits leave room to increment without overflowing 16 hex digits.
            _last_random = secrets.randbits(63)
        return f"{prefix}_{millis:012x}{_last_random:016x}"
