"""The one way an event envelope becomes bytes.

Compact, UTF-8, non-ASCII unescaped and integral numbers written as integers, so that a
JavaScript receiver's ``JSON.stringify(JSON.parse(body))`` reproduces the body exactly.
"""

from __future__ import annotations

import json
import math
from typing import Any


def _normalize(value: Any) -> Any:
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("event payloads cannot carry NaN or infinity")
        if value.is_integer():
            return int(value)
        return value
    if isinstance(value, dict):
        return {str(k): _normalize(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_normalize(v) for v in value]
    return value


def canonical_json(value: Any) -> str:
    return json.dumps(_normalize(value), separators=(",", ":"), ensure_ascii=False)
