"""Waking dispatchers the moment deliveries are committed.

:func:`notify_new_deliveries` is the fan-out's after-commit callback. It sets the wake-up
event of every dispatcher in this process (thread-safe: requests commit on worker
threads) and, on PostgreSQL, sends ``NOTIFY recruitiq_deliveries`` so dispatchers in other
processes and on other hosts wake too; they ``LISTEN`` with :func:`listen`. Waking is an
optimisation only: every dispatcher also polls, so a lost signal costs latency, never data.
This module is the only place that knows about LISTEN/NOTIFY.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from recruitiq.db import is_sqlite

logger = logging.getLogger("recruitiq.webhooks.wakeup")

CHANNEL = "recruitiq_deliveries"

_lock = threading.Lock()
_local: dict[int, tuple[asyncio.AbstractEventLoop, asyncio.Event]] = {}
_notify_engines: dict[int, Engine] = {}
_fallback_engine: list[Engine] = []


def register(
    loop: asyncio.AbstractEventLoop, event: asyncio.Event, engine: Engine
) -> None:
    with _lock:
        _local[id(event)] = (loop, event)
        if not is_sqlite(str(engine.url)):
            _notify_engines[id(event)] = engine


def unregister(event: asyncio.Event) -> None:
    with _lock:
        _local.pop(id(event), None)
        _notify_engines.pop(id(event), None)


def _engines_to_notify() -> list[Engine]:
    with _lock:
        engines = {str(e.url): e for e in _notify_engines.values()}
    if engines:
        return list(engines.values())
    # An API process without an embedded dispatcher (serve --no-worker) still tells
    # the workers elsewhere, through the database it was configured with.
    from recruitiq.config import get_settings

    url = get_settings().resolved_database_url
    if is_sqlite(url):
        return []
    with _lock:
        if not _fallback_engine:
            from recruitiq.db import make_engine

            _fallback_engine.append(make_engine(url))
        return list(_fallback_engine)


def notify_new_deliveries() -> None:
    """After-commit callback: cheap, thread-safe, never raises."""
    with _lock:
        targets = list(_local.values())
    for loop, event in targets:
        with contextlib.suppress(RuntimeError):  # that dispatcher's loop has closed
            loop.call_soon_threadsafe(event.set)
    try:
        for engine in _engines_to_notify():
            with engine.connect() as connection:
                connection.execute(text(f"NOTIFY {CHANNEL}"))
                connection.commit()
    except Exception:  # the poll finds the rows anyway
        logger.warning("NOTIFY %s failed; dispatchers will find the rows by polling", CHANNEL,
                       exc_info=True)


async def listen(database_url: str, wake: asyncio.Event) -> None:
    """Set ``wake`` on every NOTIFY until cancelled; reconnects after errors."""
    import psycopg

    conninfo = make_url(database_url).set(drivername="postgresql").render_as_string(
        hide_password=False
    )
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
                await conn.execute(f"LISTEN {CHANNEL}")
                async for _notice in conn.notifies():
                    wake.set()
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.warning("LISTEN %s lost; reconnecting", CHANNEL, exc_info=True)
            await asyncio.sleep(1.0)
