"""Background jobs this feature runs in the worker."""

from __future__ import annotations

from recruitiq.worker import PeriodicJob


def periodic_jobs() -> list[PeriodicJob]:
    return []
