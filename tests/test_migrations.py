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


def _due_index(url: str) -> tuple[list[str], list[str]]:
    """The due index's columns, and the delivery table's columns."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            inspector = inspect(conn)
            [due] = [ix for ix in inspector.get_indexes("webhook_deliveries")
                     if ix["name"] == "ix_webhook_deliveries_due"]
            columns = [c["name"] for c in inspector.get_columns("webhook_deliveries")]
        return list(due["column_names"]), columns
    finally:
        engine.dispose()


def _insert_delivery(conn, org: str, plan: str, status: str) -> None:
    now = "2026-11-30 10:00:00"
    conn.execute(text("INSERT INTO organizations (id, name, plan, created_at, updated_at) "
                      "VALUES (:o, :o, :plan, :now, :now)"), {"o": org, "plan": plan, "now": now})
    conn.execute(text(
        "INSERT INTO webhook_subscriptions (id, organization_id, url, events, secret, is_active,"
        " include_pii, max_retries, retry_delay_seconds, total_deliveries,"
        " successful_deliveries, failed_deliveries, consecutive_failures, created_at,"
        " updated_at) VALUES (:s, :o, 'http://x.example/h', '[\"*\"]', 'whsec_x', true, true,"
        " 3, 60, 0, 0, 0, 0, :now, :now)"), {"s": f"wh_{org}", "o": org, "now": now})
    conn.execute(text("INSERT INTO events (id, organization_id, type, payload, created_at) "
                      "VALUES (:e, :o, 'job.created', '{}', :now)"),
                 {"e": f"evt_{org}", "o": org, "now": now})
    conn.execute(text(
        "INSERT INTO webhook_deliveries (id, organization_id, subscription_id, event_id,"
        " event_type, status, attempts, next_attempt_at, created_at, updated_at)"
        " VALUES (:d, :o, :s, :e, 'job.created', :status, 0, :now, :now, :now)"),
        {"d": f"dlv_{org}", "o": org, "s": f"wh_{org}", "e": f"evt_{org}", "status": status,
         "now": now})


def test_delivery_priority_migration_backfills_waiting_enterprise_deliveries(scratch_url):
    migrate.upgrade(scratch_url, "0101")
    assert _due_index(scratch_url)[0] == ["status", "next_attempt_at"]
    engine = create_engine(scratch_url)
    try:
        with engine.begin() as conn:
            _insert_delivery(conn, "org_ent_waiting", "enterprise", "pending")
            _insert_delivery(conn, "org_ent_held", "enterprise", "held")
            _insert_delivery(conn, "org_ent_done", "enterprise", "delivered")
            _insert_delivery(conn, "org_free", "free", "pending")
        migrate.upgrade(scratch_url)
        with engine.connect() as conn:
            priorities = dict(conn.execute(text(
                "SELECT organization_id, priority FROM webhook_deliveries")).all())
    finally:
        engine.dispose()
    assert priorities == {"org_ent_waiting": 1, "org_ent_held": 1, "org_ent_done": 0,
                          "org_free": 0}
    assert _due_index(scratch_url)[0] == ["status", "priority", "next_attempt_at"]

    migrate.downgrade(scratch_url, "0101")
    due, columns = _due_index(scratch_url)
    assert due == ["status", "next_attempt_at"] and "priority" not in columns
    migrate.upgrade(scratch_url)
    assert _due_index(scratch_url)[0] == ["status", "priority", "next_attempt_at"]
