"""Real ``recruitiq worker`` processes: SIGKILL loses nothing, SIGTERM finishes in-flight work,
and two workers on PostgreSQL never deliver one attempt twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import text

from recruitiq.webhooks.wakeup import DELIVERIES
from tests.webhooks.receivers import (
    Reply,
    add_subscription,
    attempts,
    create_job,
    deliveries,
    receiver,
    set_plan,
    subscription,
    wait_for,
)

RECRUITIQ = str(Path(sys.executable).parent / "recruitiq")


@contextmanager
def worker(database_url, tmp_path, name, **env):
    log = (tmp_path / f"{name}.log").open("wb")
    environment = os.environ | {
        "RECRUITIQ_DATABASE_URL": database_url,
        "RECRUITIQ_DATA_DIR": str(tmp_path / "data"),
        "RECRUITIQ_WEBHOOK_POLL_SECONDS": "0.2",
    } | {f"RECRUITIQ_{k.upper()}": str(v) for k, v in env.items()}
    process = subprocess.Popen([RECRUITIQ, "worker"], env=environment, stdout=log, stderr=log)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
        log.close()


def _stop(process):
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0


def test_sigkill_mid_delivery_loses_nothing(client, tenant, app, database_url, tmp_path):
    with receiver() as r:
        hang = r.hold = threading.Event()  # the first request hangs: the worker dies mid-delivery
        add_subscription(app, tenant.organization_id, r.url())
        create_job(tenant)
        with worker(database_url, tmp_path, "a", webhook_lease_seconds=3,
                    webhook_timeout_seconds=1.5) as first:
            wait_for(lambda: r.requests, what="the first worker's POST")
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
        hang.set()
        [delivery] = deliveries(app, tenant.organization_id)
        assert delivery.status == "pending" and delivery.attempts == 0  # nothing recorded

        with worker(database_url, tmp_path, "b", webhook_lease_seconds=3,
                    webhook_timeout_seconds=1.5) as second:
            wait_for(lambda: deliveries(app, tenant.organization_id)[0].status == "delivered",
                     what="the second worker to deliver after the lease expired")
            _stop(second)
        [delivery] = deliveries(app, tenant.organization_id)
        assert [a.status_code for a in attempts(app, delivery.id)] == [200]
        # at-least-once: the receiver saw the same event id twice and can de-duplicate
        assert [req.headers["webhook-id"] for req in r.requests] == [delivery.event_id] * 2


def test_sigterm_finishes_in_flight_attempts(client, tenant, app, database_url, tmp_path):
    with receiver() as r:
        r.default = Reply(200, delay=1.5)
        add_subscription(app, tenant.organization_id, r.url())
        create_job(tenant)
        with worker(database_url, tmp_path, "w") as process:
            wait_for(lambda: r.requests, what="the worker's POST")
            _stop(process)
        [delivery] = deliveries(app, tenant.organization_id)
        assert delivery.status == "delivered" and delivery.leased_by is None
        assert len(attempts(app, delivery.id)) == 1 and len(r.requests) == 1


def test_two_workers_never_deliver_one_attempt_twice(client, tenant, app, database_url, tmp_path):
    if not database_url.startswith("postgresql"):
        pytest.skip("two concurrent workers are the PostgreSQL scale-out path; "
                    "SQLite deployments run one dispatcher")
    with receiver() as r:
        r.default = Reply(200, delay=0.002)
        set_plan(app, tenant.organization_id, "enterprise")  # beyond the free plan's 100 a month
        add_subscription(app, tenant.organization_id, r.url("/a"))
        add_subscription(app, tenant.organization_id, r.url("/b"))
        with worker(database_url, tmp_path, "one") as one, worker(database_url, tmp_path, "two") as two:
            for i in range(150):
                create_job(tenant, f"Job {i}")
            wait_for(lambda: all(d.status == "delivered" for d in deliveries(app, tenant.organization_id)),
                     timeout=120, what="all 300 deliveries")
            _stop(one)
            _stop(two)
        rows = deliveries(app, tenant.organization_id)
        assert len(rows) == 300 and {d.attempts for d in rows} == {1}
        seen = Counter((req.path, req.headers["webhook-id"]) for req in r.requests)
        assert len(seen) == 300 and set(seen.values()) == {1}
        assert sum(len(attempts(app, d.id)) for d in rows) == 300
        # Both workers added to the same two subscriptions' counters: none was lost.
        for subscription_id in {d.subscription_id for d in rows}:
            counted = subscription(app, subscription_id)
            assert (counted.total_deliveries, counted.successful_deliveries) == (150, 150)
            assert counted.failed_deliveries == counted.consecutive_failures == 0


def test_a_worker_in_another_process_is_woken_by_notify(client, tenant, app, database_url, tmp_path):
    """The worker polls once an hour, so only a NOTIFY can wake it: the API process (this
    one, no dispatcher of its own) sends it inside the emitting transaction."""
    if not database_url.startswith("postgresql"):
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; SQLite runs the dispatcher in the API process")
    with receiver() as r:
        add_subscription(app, tenant.organization_id, r.url())
        with worker(database_url, tmp_path, "w", webhook_poll_seconds=3600) as process:
            wait_for(lambda: _listening(app), what="the worker to LISTEN")
            create_job(tenant)
            wait_for(lambda: r.requests, what="the POST of the worker woken by NOTIFY")
            _stop(process)
    [delivery] = deliveries(app, tenant.organization_id)
    assert delivery.status == "delivered"


def _listening(app) -> bool:
    with app.state.engine.connect() as conn:
        return bool(conn.scalar(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            f"AND query = 'LISTEN {DELIVERIES.channel}'")))
