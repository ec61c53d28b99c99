"""Small, exact statistics the reports share (no numpy: the inputs are plain lists)."""

from __future__ import annotations

import statistics
from datetime import datetime

SECONDS_PER_HOUR = 3600.0
SECONDS_PER_DAY = 86400.0


def median(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 2) if values else None


def rate(numerator: int, denominator: int) -> float | None:
    """A share in 0..1 with four decimals; ``None`` rather than a made-up 0 when nothing
    was there to count."""
    return round(numerator / denominator, 4) if denominator else None


def days_between(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / SECONDS_PER_DAY


def hours_between(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / SECONDS_PER_HOUR
