"""Auth's background work: forgetting sign-in counters nobody has touched for a month."""

from __future__ import annotations

import asyncio
import logging

from recruitiq.auth.throttle import purge_stale
from recruitiq.config import Settings
from recruitiq.db import unit_of_work
from recruitiq.kit.background import PeriodicJob, WorkerContext

logger = logging.getLogger("recruitiq.auth")

PURGE_INTERVAL_SECONDS = 3600.0


def purge_once(ctx: WorkerContext) -> int:
    with unit_of_work(ctx.session_factory) as session:
        return purge_stale(session)


async def _purge(ctx: WorkerContext) -> None:
    purged = await asyncio.to_thread(purge_once, ctx)
    if purged:
        logger.info("forgot %d stale sign-in throttle counters", purged)


def periodic_jobs(_settings: Settings) -> list[PeriodicJob]:
    return [PeriodicJob("login-throttle-retention", PURGE_INTERVAL_SECONDS, _purge)]
