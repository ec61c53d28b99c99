"""Engine, sessions and the request-owned transaction.

Services only ``flush()``; whoever owns the unit of work (a request, a worker job, a CLI
command) commits. Callbacks registered with :func:`after_commit` run only once the
transaction is durable, which is where side effects such as waking the dispatcher belong.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

logger = logging.getLogger("recruitiq.db")

AFTER_COMMIT_KEY = "recruitiq_after_commit"
SQLITE_BUSY_TIMEOUT_SECONDS = 30
# Connections beyond the API's threads: the embedded dispatcher's claim and record threads,
# the background jobs and the idempotency layer's own short transactions.
POOL_HEADROOM = 10
POOL_TIMEOUT_SECONDS = 5


class ReadOnlyTransactionError(RuntimeError):
    """A request that declared it only reads tried to write (a programming error)."""


@dataclass
class TransactionMode:
    """Whether the current request's SQLite transactions take the writer lock.

    Reads in WAL mode need no lock: a request that only reads begins a deferred transaction
    and never queues behind writers. A request that writes begins ``BEGIN IMMEDIATE`` (see
    :class:`WriterLockedConnection`). Code outside a request (worker, CLI) always writes.
    """

    writes: bool
    waits: bool = True  # for the writer lock; False: fail at once if another writer has it


_transaction_mode: ContextVar[TransactionMode | None] = ContextVar(
    "recruitiq_transaction_mode", default=None
)


def set_transaction_mode(writes: bool, waits: bool = True) -> Token[TransactionMode | None]:
    return _transaction_mode.set(TransactionMode(writes, waits))


def reset_transaction_mode(token: Token[TransactionMode | None]) -> None:
    _transaction_mode.reset(token)


def _writes() -> bool:
    mode = _transaction_mode.get()
    return mode is None or mode.writes


def _waits() -> bool:
    mode = _transaction_mode.get()
    return mode is None or mode.waits


@contextmanager
def reading(session: Session) -> Iterator[None]:
    """Run a writing request's first reads (authentication) without the SQLite writer lock,
    then end that read transaction, so the lock is held only for the request's own work.
    PostgreSQL has no such lock: there it is the request's transaction, unchanged."""
    mode = _transaction_mode.get()
    if mode is None or not mode.writes or session.get_bind().dialect.name != "sqlite":
        yield
        return
    mode.writes = False
    try:
        yield
        if session.in_transaction():
            session.commit()
    finally:
        mode.writes = True


@contextmanager
def writing(*, wait: bool = True) -> Iterator[None]:
    """A transaction begun inside takes the writer lock, whatever the request declared;
    with ``wait=False`` it fails at once (``database is locked``) if another writer has it."""
    token = set_transaction_mode(True, wait)
    try:
        yield
    finally:
        reset_transaction_mode(token)

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
    reads_only = False

    def begin_deferred(self) -> None:
        self.execute("BEGIN")
        self.reads_only = True

    def begin_immediate(self) -> None:
        self.reads_only = False
        lock = self.write_lock
        if lock is not None and not self.holds_write_lock:
            timeout = SQLITE_BUSY_TIMEOUT_SECONDS if _waits() else 0
            if not lock.acquire(timeout=timeout):
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


def make_engine(url: str, *, pool_size: int = 20, **kwargs: Any) -> Engine:
    """``pool_size``: connections the API's threads may hold at once (each holds at most
    one); more than that wait at most ``POOL_TIMEOUT_SECONDS``, then answer 503."""
    # A failed statement's error and log line must not carry its values (a new webhook
    # secret, a password hash): they show the SQL only.
    kwargs.setdefault("hide_parameters", True)
    if is_sqlite(url):
        engine = create_engine(
            url,
            connect_args={
                "check_same_thread": False,
                "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
                "factory": WriterLockedConnection,
            },
            **_file_pool(url, pool_size),
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
        def _sqlite_begin(connection: Any) -> None:
            # BEGIN IMMEDIATE takes the write lock up front, so two writers queue instead of
            # failing with "database is locked" on upgrade; threads of this process queue on
            # the in-process writer lock first (WriterLockedConnection), other processes on
            # the busy timeout. A request that only reads begins a deferred transaction.
            dbapi_connection = connection.connection.dbapi_connection
            if not isinstance(dbapi_connection, WriterLockedConnection):
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            elif _writes():
                dbapi_connection.begin_immediate()
            else:
                dbapi_connection.begin_deferred()

        @event.listens_for(engine, "before_cursor_execute")
        def _refuse_writes_when_reading(
            connection: Any, _cursor: Any, statement: str, *_args: Any
        ) -> None:
            # Upgrading a read snapshot to a writer fails whenever another connection wrote
            # since it began: a request that writes must say so (deps.writes).
            dbapi_connection = connection.connection.dbapi_connection
            if getattr(dbapi_connection, "reads_only", False) and _is_write(statement):
                raise ReadOnlyTransactionError(
                    f"a read-only request tried to write: {statement[:60]!r}"
                )

        return engine
    engine = create_engine(
        url, pool_size=pool_size, max_overflow=POOL_HEADROOM, pool_timeout=POOL_TIMEOUT_SECONDS,
        pool_pre_ping=True, **kwargs,
    )
    event.listen(engine, "handle_error", _without_row_values)
    return engine


def _without_row_values(context: Any) -> None:
    """PostgreSQL's DETAIL line quotes the row or key a constraint refused ("Failing row
    contains (…, whsec_…)"): it is dropped from the error's text, which is what gets logged.
    The driver's ``diag`` still has it for code that asks."""
    for exc in (context.original_exception, context.sqlalchemy_exception):
        if exc is not None and exc.args and isinstance(exc.args[0], str):
            kept = [line for line in exc.args[0].splitlines() if not line.startswith("DETAIL:")]
            exc.args = ("\n".join(kept), *exc.args[1:])


def _file_pool(url: str, pool_size: int) -> dict[str, Any]:
    # An in-memory database lives in one connection per thread; a file gets a sized pool.
    if make_url(url).database in (None, "", ":memory:"):
        return {}
    return {"pool_size": pool_size + POOL_HEADROOM, "max_overflow": 0,
            "pool_timeout": POOL_TIMEOUT_SECONDS}


_WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def _is_write(statement: str) -> bool:
    return statement.lstrip()[:7].upper().startswith(_WRITE_VERBS)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    factory = sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)

    @event.listens_for(factory, "after_commit")
    def _run_after_commit(session: Session) -> None:
        callbacks: list[Callable[[], None]] = session.info.pop(AFTER_COMMIT_KEY, [])
        for callback in callbacks:
            # The change is durable: a failing side effect must not make it look failed
            # (the durable rows let a worker act on it later).
            try:
                callback()
            except Exception:
                logger.exception("after-commit callback %r failed", callback)

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
