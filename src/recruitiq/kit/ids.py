"""Prefixed, roughly time-ordered identifiers such as ``job_0193a1b2c3d4e5f6a7b8c9d0e1``."""

from __future__ import annotations

import secrets
import time


def new_id(prefix: str) -> str:
    millis = time.time_ns() // 1_000_000
    return f"{prefix}_{millis:012x}{secrets.token_hex(8)}"
