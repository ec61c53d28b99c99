"""The webhooks' background work: the dispatcher, releasing held deliveries, retention."""

from __future__ import annotations

import asyncio
import logging

from recruitiq.config import Settings
from recruitiq.db import unit_of_work
from recruitiq.kit.background import PeriodicJob, WorkerContext
from recruitiq.webhooks.dispatcher import run_dispatcher
from recruitiq.webhooks.quota import release_held as release
from recruitiq.webhooks.retention import purge as run_purge
from recruitiq.webhooks.wakeup import DELIVERIES

logger = logging.getLogger("recruitiq.webhooks.tasks")

# The dispatcher returns only when the worker stops; if it crashes (database down), it is
# restarted after this pause rather than in a tight loop.
DISPATCHER_RESTART_AFTER = 1.0
RELEASE_HELD_EVERY = 60.0
PURGE_EVERY = 24 * 3600.0


async def dispatch(ctx: WorkerContext) -> None:
    await run_dispatcher(ctx)


async def release_held(ctx: WorkerContext) -> None:
    def run() -> int:
        with unit_of_work(ctx.session_factory) as session:
            released = release(session)
            if released:
                DELIVERIES.after_commit(session)
            return released

    released = await asyncio.to_thread(run)
    if released:
        logger.info("released %d held deliveries", released)


async def purge(ctx: WorkerContext) -> None:
    report = await asyncio.to_thread(run_purge, ctx.session_factory, ctx.settings.retention_days)
    logger.info("retention purge: %s", report)


def periodic_jobs(_settings: Settings) -> list[PeriodicJob]:
    return [
        PeriodicJob("webhook-dispatcher", DISPATCHER_RESTART_AFTER, dispatch),
        PeriodicJob("webhook-release-held", RELEASE_HELD_EVERY, release_held),
        PeriodicJob("webhook-retention", PURGE_EVERY, purge),
    ]
