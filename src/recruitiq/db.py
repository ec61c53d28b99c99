"""Engine, sessions and the request-owned transaction.

Services only ``flush()``; whoever owns the unit of work (a request, a worker job, a CLI
command) commits. Callbacks registered with :func:`after_commit` run only once the
transaction is durable, which is where side effects such as waking the dispatcher belong.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

AFTER_COMMIT_KEY = "recruitiq_after_commit"
SQLITE_BUSY_TIMEOUT_SECONDS = 30

_write_locks: dict[str, threading.Lock] = {}
_write_locks_guard = threading.Lock()


def sqlite_write_lock(database: str) -> threading.Lock:
    """This process's writer lock for one SQLite database file (one per file, all engines)."""
    key = database if database in ("", ":memory:") else os.path.realpath(database)
    with _write_locks_guard:
        return _write_locks.setdefault(key, threading.Lock())


class WriterLockedConnection(sqlite3.Connection):
    """A pysqlite connection whose transactions hold the process's writer lock.

    Every transaction is ``BEGIN IMMEDIATE`` (SQLite's single write lock). Between threads
    of one process, contention used to be resolved by SQLite's busy handler, which sleeps in
    steps growing to 100 ms: one commit could wait a tenth of a second after the lock was
    already free (the SQLite p99 in docs/performance.md). Here threads queue on a
    ``threading.Lock`` taken before ``BEGIN IMMEDIATE`` and released right after the commit
    or rollback, so the next writer starts at once. Other processes still meet the busy
    handler. A plain Lock, not an RLock: a request's transaction may commit on another
    thread than the one that began it. A thread that begins a second transaction while
    holding one waits for the busy timeout and fails, exactly as it did with SQLite alone.
    """

    write_lock: threading.Lock | None = None
    holds_write_lock = False

    def begin_immediate(self) -> None:
        lock = self.write_lock
        if lock is not None and not self.holds_write_lock:
            if not lock.acquire(timeout=SQLITE_BUSY_TIMEOUT_SECONDS):
                raise sqlite3.OperationalError("database is locked (in-process writer lock)")
            self.holds_write_lock = True
        try:
            self.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._release_write_lock()
            raise

    def _release_write_lock(self) -> None:
        if self.holds_write_lock:
            self.holds_write_lock = False
            assert self.write_lock is not None
            self.write_lock.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            if not self.in_transaction:
                self._release_write_lock()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            if not self.in_transaction:
                self._release_write_lock()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._release_write_lock()


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, **kwargs: Any) -> Engine:
    if is_sqlite(url):
        engine = create_engine(
            url,
            connect_args={
                "check_same_thread": False,
                "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
                "factory": WriterLockedConnection,
            },
            **kwargs,
        )
        write_lock = sqlite_write_lock(engine.url.database or "")

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # WAL lets the API and the dispatcher read while the other writes; the
            # busy timeout turns writer contention into waiting instead of errors.
            # Transactions are begun by the "begin" hook below, not by the driver.
            dbapi_connection.isolation_level = None
            if isinstance(dbapi_connection, WriterLockedConnection):
                dbapi_connection.write_lock = write_lock
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin_immediate(connection: Any) -> None:
            # BEGIN IMMEDIATE takes the write lock up front, so two writers queue instead of
            # failing with "database is locked" on upgrade; threads of this process queue on
            # the in-process writer lock first (WriterLockedConnection), other processes on
            # the busy timeout.
            dbapi_connection = connection.connection.dbapi_connection
            if isinstance(dbapi_connection, WriterLockedConnection):
                dbapi_connection.begin_immediate()
            else:
                connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    factory = sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)

    @event.listens_for(factory, "after_commit")
    def _run_after_commit(session: Session) -> None:
        callbacks: list[Callable[[], None]] = session.info.pop(AFTER_COMMIT_KEY, [])
        for callback in callbacks:
            callback()

    @event.listens_for(factory, "after_rollback")
    def _drop_after_commit(session: Session) -> None:
        session.info.pop(AFTER_COMMIT_KEY, None)

    return factory


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` once the session's current transaction has committed."""
    callbacks: list[Callable[[], None]] = session.info.setdefault(AFTER_COMMIT_KEY, [])
    if callback not in callbacks:
        callbacks.append(callback)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A transaction for code outside a request (worker, CLI): commit or roll back."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
