"""Every database test runs twice: on SQLite and on PostgreSQL.

PostgreSQL runs when RECRUITIQ_TEST_DATABASE_URL is set (``.ci/run`` sets it); each test
session creates its own throw-away database from that URL, so parallel runs never collide.
Without the variable the PostgreSQL half is skipped, with the reason shown in the summary.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from recruitiq import migrate
from recruitiq.app import create_app
from recruitiq.config import Settings
from recruitiq.models import Base
from tests.support import Tenant, register_tenant

PG_ENV = "RECRUITIQ_TEST_DATABASE_URL"
PG_SKIP_REASON = (
    f"PostgreSQL half skipped: {PG_ENV} is not set "
    "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)"
)


def _create_pg_database(base_url: str) -> tuple[str, str]:
    url = make_url(base_url)
    name = f"riq_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # a set URL that does not answer is a failure, never a skip
        raise RuntimeError(f"{PG_ENV} is set but PostgreSQL did not answer: {exc}") from exc
    finally:
        admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False), name


def _drop_pg_database(base_url: str, name: str) -> None:
    admin = create_engine(make_url(base_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@contextmanager
def scratch_pg_database() -> Iterator[str]:
    """A throw-away PostgreSQL database made from the test URL; skips the test without it."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(PG_SKIP_REASON)
    url, name = _create_pg_database(base)
    try:
        yield url
    finally:
        _drop_pg_database(base, name)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("sqlite") / "recruitiq.db"
        url = f"sqlite:///{path}"
        migrate.upgrade(url)
        yield url
        return
    with scratch_pg_database() as url:
        migrate.upgrade(url)
        yield url


def clear_tables(database_url: str) -> None:
    engine = create_engine(database_url)
    tables = [t.name for t in Base.metadata.sorted_tables]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                conn.execute(text(f"DELETE FROM {table}"))
    engine.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, data_dir=tmp_path / "data")


@pytest.fixture
def app(settings: Settings, database_url: str) -> Iterator[FastAPI]:
    application = create_app(settings, run_worker=False)
    yield application
    application.state.engine.dispose()
    clear_tables(database_url)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def tenant(client: TestClient) -> Tenant:
    """An organization with an admin user signed in."""
    return register_tenant(client, "Acme")


@pytest.fixture
def other_tenant(client: TestClient) -> Tenant:
    return register_tenant(client, "Globex")
