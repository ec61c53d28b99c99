"""Background jobs this feature runs in the worker."""

from __future__ import annotations

import asyncio

from sqlalchemy.orm import Session, sessionmaker

from recruitiq.config import get_settings
from recruitiq.db import unit_of_work
from recruitiq.kit.clock import utcnow
from recruitiq.offers.service import DEFAULT_BATCH_SIZE, expire_due_offers
from recruitiq.worker import PeriodicJob, WorkerContext


def _expire_batch(factory: sessionmaker[Session]) -> int:
    with unit_of_work(factory) as session:
        return expire_due_offers(session, utcnow(), batch_size=DEFAULT_BATCH_SIZE)


async def expire_offers(ctx: WorkerContext) -> None:
    """One transaction per batch, so a large backlog never holds one long lock."""
    while not ctx.stopping.is_set():
        expired = await asyncio.to_thread(_expire_batch, ctx.session_factory)
        if expired < DEFAULT_BATCH_SIZE:
            return


def periodic_jobs() -> list[PeriodicJob]:
    interval = get_settings().offer_expiry_interval_seconds
    return [PeriodicJob("offers.expire", interval, expire_offers)]
