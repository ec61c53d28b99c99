"""Offers' background work: expiring offers past their deadline."""

from __future__ import annotations

import asyncio

from sqlalchemy.orm import Session, sessionmaker

from recruitiq.config import Settings
from recruitiq.db import unit_of_work
from recruitiq.kit.background import PeriodicJob, WorkerContext
from recruitiq.kit.clock import utcnow
from recruitiq.offers.service import DEFAULT_BATCH_SIZE, expire_due_offers


def _expire_batch(factory: sessionmaker[Session]) -> int:
    with unit_of_work(factory) as session:
        return expire_due_offers(session, utcnow(), batch_size=DEFAULT_BATCH_SIZE)


async def expire_offers(ctx: WorkerContext) -> None:
    """One transaction per batch, so a large backlog never holds one long lock."""
    while not ctx.stopping.is_set():
        expired = await asyncio.to_thread(_expire_batch, ctx.session_factory)
        if expired < DEFAULT_BATCH_SIZE:
            return


def periodic_jobs(settings: Settings) -> list[PeriodicJob]:
    interval = settings.offer_expiry_interval_seconds
    return [PeriodicJob("offers.expire", interval, expire_offers)]
