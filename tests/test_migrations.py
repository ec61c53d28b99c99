"""Migrations run both ways on both databases, and leave the schema they describe."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect, text

from recruitiq import migrate
from tests.conftest import scratch_pg_database


@pytest.fixture(params=["sqlite", "postgresql"])
def scratch_url(request, tmp_path):
    """A database of its own: these tests migrate it down and up again."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    with scratch_pg_database() as url:
        yield url


def _delivery_schema(url: str) -> tuple[set[str], list[str] | None]:
    """The delivery table's index names, and its storage options on PostgreSQL."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            indexes = {ix["name"] for ix in inspect(conn).get_indexes("webhook_deliveries")}
            options = None
            if engine.dialect.name == "postgresql":
                options = conn.scalar(text(
                    "SELECT reloptions FROM pg_class WHERE relname = 'webhook_deliveries'"))
        return indexes, options
    finally:
        engine.dispose()


def test_hot_delivery_leases_migration_runs_down_and_up(scratch_url):
    migrate.upgrade(scratch_url)
    indexes, options = _delivery_schema(scratch_url)
    assert "ix_webhook_deliveries_updated_at" not in indexes
    assert "ix_webhook_deliveries_due" in indexes
    postgres = scratch_url.startswith("postgresql")
    assert options == (["fillfactor=50"] if postgres else None)

    migrate.downgrade(scratch_url, "0100")
    indexes, options = _delivery_schema(scratch_url)
    assert "ix_webhook_deliveries_updated_at" in indexes
    assert options is None

    migrate.upgrade(scratch_url)
    assert _delivery_schema(scratch_url)[0] == indexes - {"ix_webhook_deliveries_updated_at"}
