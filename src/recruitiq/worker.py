"""Background work: runs inside ``recruitiq serve`` or on its own as ``recruitiq worker``.

Each feature that needs background work exposes ``periodic_jobs(settings)`` in its
``tasks`` module (made of :mod:`recruitiq.kit.background`); :func:`all_jobs` is the one
list of them, and the worker runs each job every ``interval_seconds``. Long-running loops
(the webhook dispatcher) are started the same way, as a job whose ``run`` never returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Coroutine
from typing import Any

from fastapi import FastAPI

from recruitiq.audit import tasks as audit_tasks
from recruitiq.auth import tasks as auth_tasks
from recruitiq.config import Settings
from recruitiq.kit.background import PeriodicJob, WorkerContext
from recruitiq.messaging import tasks as messaging_tasks
from recruitiq.offers import tasks as offer_tasks
from recruitiq.webhooks import tasks as webhook_tasks

logger = logging.getLogger("recruitiq.worker")

GIL_SWITCH_INTERVAL_SECONDS = 0.0005


FEATURE_TASKS = (webhook_tasks, messaging_tasks, offer_tasks, audit_tasks, auth_tasks)


def all_jobs(settings: Settings) -> list[PeriodicJob]:
    return [job for tasks in FEATURE_TASKS for job in tasks.periodic_jobs(settings)]


async def _loop(job: PeriodicJob, ctx: WorkerContext) -> None:
    while not ctx.stopping.is_set():
        try:
            await job.run(ctx)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("job %s failed; next run in %ss", job.name, job.interval_seconds)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(ctx.stopping.wait(), timeout=job.interval_seconds)


def start_jobs(ctx: WorkerContext) -> list[asyncio.Task[None]]:
    return [
        asyncio.create_task(_loop(job, ctx), name=job.name) for job in all_jobs(ctx.settings)
    ]


def tune_interpreter() -> None:
    """Database threads release the GIL on every driver call; with the default 5 ms switch
    interval each call then waits behind the busy event loop. It cost about a third of the
    worker's throughput, and most of an API request's time (docs/performance.md)."""
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_SECONDS)


async def start_embedded(app: FastAPI) -> list[asyncio.Task[None]]:
    """Start the background loops inside the API process; returns their tasks."""
    ctx = WorkerContext(app.state.settings, app.state.engine, app.state.session_factory)
    app.state.worker_context = ctx
    return start_jobs(ctx)


def run_event_loop(main: Coroutine[Any, Any, None]) -> None:
    """Run ``recruitiq worker`` on uvloop where it exists, as uvicorn runs ``serve``: its
    transports cost the dispatcher about a fifth less CPU per attempt (docs/performance.md)."""
    try:
        import uvloop
    except ImportError:  # not built for this platform (Windows)
        asyncio.run(main)
    else:
        uvloop.run(main)


async def run_standalone(settings: Settings, shutdown_grace_seconds: float = 30.0) -> None:
    """``recruitiq worker``: run until SIGTERM/SIGINT, then let in-flight work finish."""
    from recruitiq.db import make_engine, make_session_factory

    tune_interpreter()
    engine = make_engine(settings.resolved_database_url)
    ctx = WorkerContext(settings, engine, make_session_factory(engine))
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, ctx.stopping.set)
    tasks = start_jobs(ctx)
    logger.info("worker started with %d background jobs", len(tasks))
    await ctx.stopping.wait()
    logger.info("worker stopping; waiting up to %ss for in-flight work", shutdown_grace_seconds)
    _done, pending = await asyncio.wait(tasks, timeout=shutdown_grace_seconds)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    engine.dispose()
