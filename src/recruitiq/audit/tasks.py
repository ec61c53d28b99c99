"""The audit log's background work: retention."""

from __future__ import annotations

import asyncio
import logging

from recruitiq.audit.service import purge_older_than
from recruitiq.config import Settings
from recruitiq.db import unit_of_work
from recruitiq.kit.background import PeriodicJob, WorkerContext

logger = logging.getLogger("recruitiq.audit")

PURGE_INTERVAL_SECONDS = 3600.0


def purge_once(ctx: WorkerContext) -> int:
    with unit_of_work(ctx.session_factory) as session:
        return purge_older_than(session, ctx.settings.retention_days)


async def _purge(ctx: WorkerContext) -> None:
    purged = await asyncio.to_thread(purge_once, ctx)
    if purged:
        days = ctx.settings.retention_days
        logger.info("purged %d audit events older than %d days", purged, days)


def periodic_jobs(_settings: Settings) -> list[PeriodicJob]:
    return [PeriodicJob("audit-retention", PURGE_INTERVAL_SECONDS, _purge)]
