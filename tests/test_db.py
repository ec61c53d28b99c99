"""SQLite's in-process writer lock (db.WriterLockedConnection): threads of one process queue on
it instead of SQLite's sleeping busy handler, and every way a transaction ends releases it."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from recruitiq.db import (
    WriterLockedConnection,
    make_engine,
    make_session_factory,
    sqlite_write_lock,
)


@pytest.fixture
def sqlite_engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'lock.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    yield engine, sqlite_write_lock(str(tmp_path / "lock.db"))
    engine.dispose()


def test_connections_use_the_locked_factory_and_share_one_lock_per_file(sqlite_engine, tmp_path):
    engine, lock = sqlite_engine
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert isinstance(raw, WriterLockedConnection) and raw.write_lock is lock
    other = make_engine(f"sqlite:///{tmp_path / 'lock.db'}")
    try:
        with other.connect() as conn:
            assert conn.connection.dbapi_connection.write_lock is lock
    finally:
        other.dispose()


def test_commit_rollback_error_and_close_release_the_lock(sqlite_engine):
    engine, lock = sqlite_engine
    factory = make_session_factory(engine)
    with factory() as session:
        session.execute(text("INSERT INTO t VALUES (1)"))
        assert lock.locked()
        session.commit()
        assert not lock.locked()
        session.execute(text("SELECT 1"))
        assert lock.locked()
        session.rollback()
        assert not lock.locked()
    with pytest.raises(Exception), factory() as session:  # noqa: B017, PT011
        session.execute(text("INSERT INTO t VALUES (2)"))
        session.execute(text("INSERT INTO missing VALUES (1)"))
    assert not lock.locked()
    session = factory()
    session.execute(text("INSERT INTO t VALUES (3)"))
    session.close()  # returned to the pool: reset by rollback
    assert not lock.locked()
    conn = engine.connect()
    conn.execute(text("SELECT 1"))
    conn.invalidate()  # the DBAPI connection is closed without a rollback
    assert not lock.locked()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 1


def test_a_second_writer_waits_for_the_first_and_then_proceeds(sqlite_engine):
    engine, lock = sqlite_engine
    factory = make_session_factory(engine)
    holder = factory()
    holder.execute(text("INSERT INTO t VALUES (1)"))
    began, done = threading.Event(), threading.Event()

    def second_writer() -> None:
        began.set()
        with factory() as session:
            session.execute(text("INSERT INTO t VALUES (2)"))
            session.commit()
        done.set()

    thread = threading.Thread(target=second_writer)
    thread.start()
    try:
        assert began.wait(10)
        assert not done.wait(0.3)  # blocked on the writer lock while the first is open
        holder.commit()  # committed on this thread; released without waiting for a poll
        assert done.wait(10)
    finally:
        holder.close()
        thread.join(10)
    assert not lock.locked()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 2


def test_many_threads_writing_at_once_lose_nothing(sqlite_engine):
    engine, lock = sqlite_engine
    factory = make_session_factory(engine)

    def writer() -> None:
        for _ in range(50):
            with factory() as session:
                session.execute(text("INSERT INTO t VALUES (1)"))
                session.commit()

    threads = [threading.Thread(target=writer) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not lock.locked()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 300
