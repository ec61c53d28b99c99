"""Waking background loops the moment the rows they wait for are committed.

A :class:`WakeUp` is a named signal. Code that commits work for a loop (a delivery, an
e-mail) calls :meth:`WakeUp.after_commit` in its transaction. On PostgreSQL that sends
``NOTIFY <channel>`` inside the transaction itself: the database delivers it to every
``LISTEN`` (:meth:`WakeUp.listen`, in other processes and on other hosts) when the
transaction commits, drops it on rollback and folds repeats into one, with no second
connection. In this process, the waiting loops' asyncio events are set after the commit
(requests commit on worker threads; the loops run on an event loop).

Waking is an optimisation only: every loop also polls, so a lost signal costs latency,
never data. This module is the only place that knows about LISTEN/NOTIFY.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from recruitiq import db

logger = logging.getLogger("recruitiq.wakeup")

_NOTIFY = text("SELECT pg_notify(:channel, '')")


class WakeUp:
    def __init__(self, channel: str) -> None:
        self.channel = channel
        self._lock = threading.Lock()
        self._waiting: dict[int, tuple[asyncio.AbstractEventLoop, asyncio.Event]] = {}
        self._pending_key = f"wakeup:{channel}"

    def register(self, loop: asyncio.AbstractEventLoop, event: asyncio.Event) -> None:
        with self._lock:
            self._waiting[id(event)] = (loop, event)

    def unregister(self, event: asyncio.Event) -> None:
        with self._lock:
            self._waiting.pop(id(event), None)

    def after_commit(self, session: Session) -> None:
        """Wake every loop waiting on this signal once ``session``'s transaction commits."""
        connection = session.connection()
        transaction = connection.get_transaction()
        if session.info.get(self._pending_key) is not transaction:
            session.info[self._pending_key] = transaction  # once per transaction
            if connection.dialect.name == "postgresql":
                connection.execute(_NOTIFY, {"channel": self.channel})
        db.after_commit(session, self.wake_here)

    def wake_here(self) -> None:
        """Set this process's waiting events: cheap, thread-safe, never raises."""
        with self._lock:
            waiting = list(self._waiting.values())
        for loop, event in waiting:
            with contextlib.suppress(RuntimeError):  # that loop has closed
                loop.call_soon_threadsafe(event.set)

    async def listen(self, database_url: str, wake: asyncio.Event) -> None:
        """PostgreSQL: set ``wake`` on every NOTIFY until cancelled; reconnects after errors."""
        import psycopg

        conninfo = make_url(database_url).set(drivername="postgresql").render_as_string(
            hide_password=False
        )
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    conninfo, autocommit=True
                ) as conn:
                    await conn.execute(f"LISTEN {self.channel}")
                    async for _notice in conn.notifies():
                        wake.set()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("LISTEN %s lost; reconnecting", self.channel, exc_info=True)
                await asyncio.sleep(1.0)
