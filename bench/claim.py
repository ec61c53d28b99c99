"""Claim benchmark: the dispatcher's claim and outcome statements alone, without HTTP.

    .venv/bin/python bench/claim.py [--backlog 20000] [--orgs 8] [--enterprise-orgs 4]
                                    [--batch 256] [--repeat 3]
                                    [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

A backlog of N due deliveries over --orgs organizations (the first --enterprise-orgs on the
enterprise plan, the others on pro, their priority as the fan-out sets it), drained by one
``DeliveryStore`` the way the dispatcher drives it: claim --batch with the dispatcher's rooms,
record every claimed delivery as delivered, claim again. Printed per database and scenario,
in microseconds per delivery: the CPU the claims cost (this process, which includes SQLite,
plus the PostgreSQL backend serving it, read from /proc), the CPU the outcome records cost,
and the claims' wall time. CPU is the figure to compare on a shared machine: other
processes change the wall time much more. The best of --repeat drains is kept. Scenarios:
"standard" (every organization on pro), "priority" (every organization on enterprise) and
"mixed" (--enterprise-orgs of them).

Runs against whichever source tree it sits in (``src/`` beside ``bench/``), so the same file
copied into an older checkout measures that code: A/B in one sitting (docs/adr/0006).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent


def prepare(url: str, orgs: int, enterprise_orgs: int) -> tuple[Any, Any, list[tuple[str, str]]]:
    from recruitiq import migrate
    from recruitiq.db import make_engine, make_session_factory
    from recruitiq.kit.ids import new_id
    from recruitiq.models import Organization, WebhookSubscription

    migrate.upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    tenants = []
    with factory() as session:
        for n in range(orgs):
            org_id, sub_id = new_id("org"), new_id("wh")
            plan = "enterprise" if n < enterprise_orgs else "pro"
            session.add(Organization(id=org_id, name=f"Bench {n}", plan=plan))
            session.flush()
            session.add(WebhookSubscription(id=sub_id, organization_id=org_id,
                                            url="http://127.0.0.1:9/hook", events=["*"],
                                            secret="whsec_" + "A" * 32))
            tenants.append((org_id, sub_id, plan))
        session.commit()
    return engine, factory, tenants


def queue(engine: Any, tenants: list[tuple[str, str, str]], count: int) -> None:
    """``count`` due deliveries, round-robin over the tenants, priority as the fan-out sets
    it (on code that has priorities)."""
    from recruitiq.kit.clock import utcnow
    from recruitiq.kit.ids import new_id
    from recruitiq.models import Event, WebhookDelivery
    from recruitiq.webhooks.plans import plan_named

    has_priority = "priority" in WebhookDelivery.__table__.c
    now = utcnow()
    events, deliveries = [], []
    for n in range(count):
        org_id, sub_id, plan = tenants[n % len(tenants)]
        event_id = new_id("evt")
        events.append({"id": event_id, "organization_id": org_id, "type": "job.created",
                       "payload": '{"id":"' + event_id + '"}', "created_at": now})
        row = {"id": new_id("dlv"), "organization_id": org_id, "subscription_id": sub_id,
               "event_id": event_id, "event_type": "job.created", "status": "pending",
               "attempts": 0, "next_attempt_at": now, "created_at": now, "updated_at": now}
        if has_priority:
            row["priority"] = plan_named(plan).delivery_priority
        deliveries.append(row)
    with engine.begin() as conn:
        # Each drain starts the month afresh: the pro organizations' quota never holds any.
        conn.execute(text("DELETE FROM webhook_usage"))
        for start in range(0, count, 5000):
            conn.execute(insert(Event), events[start:start + 5000])
            conn.execute(insert(WebhookDelivery), deliveries[start:start + 5000])
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE webhook_deliveries"))


def process_cpu_seconds(pid: int) -> float:
    """CPU time in nanoseconds (schedstat), not clock ticks: a claim takes a few ms."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9
    except OSError:
        return 0.0


def backend_pids(engine: Any) -> list[int]:
    """The PostgreSQL backends serving this database, but the one asking."""
    if engine.dialect.name != "postgresql":
        return []
    with engine.connect() as conn:
        return list(conn.scalars(text(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()")))


def cpu_seconds(pids: list[int]) -> float:
    return time.process_time() + sum(process_cpu_seconds(pid) for pid in pids)


def drain(engine: Any, factory: Any, orgs: int, batch: int) -> tuple[float, float, float, int]:
    """Claim and record until nothing is due: (claim CPU, record CPU, claim wall) seconds,
    and the deliveries drained."""
    from recruitiq.kit.clock import utcnow
    from recruitiq.webhooks.delivery import AttemptResult
    from recruitiq.webhooks.store import DeliveryStore

    store = DeliveryStore(factory, "bench", 90, keep_connections=True)
    # The dispatcher's room per organization for this many backlogs (dispatcher.py).
    room = max(50, min(500, 2048 // orgs))
    store.claim(0, {}, room)  # opens the kept connection: its backend is measured
    pids = backend_pids(engine)
    claim_cpu = record_cpu = claim_wall = 0.0
    done = 0
    try:
        while True:
            cpu, wall = cpu_seconds(pids), time.perf_counter()
            claimed = store.claim(batch, {}, room)
            claim_wall += time.perf_counter() - wall
            claim_cpu += cpu_seconds(pids) - cpu
            if not claimed:
                return claim_cpu, record_cpu, claim_wall, done
            now = utcnow()
            outcomes = [(o, AttemptResult(o.delivery_id, o.attempt_number, now, 1, 200, "ok",
                                          None)) for o in claimed]
            cpu = cpu_seconds(pids)
            store.record(outcomes)
            record_cpu += cpu_seconds(pids) - cpu
            done += len(claimed)
    finally:
        store.close()


def scratch_pg(admin_url: str) -> tuple[str, str]:
    name = f"riq_claim_bench_{os.getpid()}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False), name


def drop_pg(admin_url: str, name: str) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def measure(
    url: str, args: argparse.Namespace, enterprise_orgs: int
) -> tuple[float, float, float]:
    """Best of --repeat drains, microseconds per delivery: claim CPU, record CPU, claim wall
    (each the lowest of its drains)."""
    engine, factory, tenants = prepare(url, args.orgs, enterprise_orgs)
    runs = []
    try:
        for _ in range(args.repeat):
            queue(engine, tenants, args.backlog)
            *seconds, done = drain(engine, factory, args.orgs, args.batch)
            if done != args.backlog:
                raise RuntimeError(f"drained {done} of {args.backlog}")
            runs.append([value / done * 1e6 for value in seconds])
    finally:
        engine.dispose()
    claim_cpu, record_cpu, claim_wall = (min(column) for column in zip(*runs, strict=True))
    return claim_cpu, record_cpu, claim_wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backlog", type=int, default=20000)
    parser.add_argument("--orgs", type=int, default=8)
    parser.add_argument("--enterprise-orgs", type=int, default=4,
                        help="organizations on the enterprise plan in the mixed scenario")
    parser.add_argument("--batch", type=int, default=256, help="deliveries per claim")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pg", default=os.environ.get(
        "RECRUITIQ_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    scenarios = {"standard": 0, "priority": args.orgs, "mixed": args.enterprise_orgs}
    print(f"claim bench ({ROOT / 'src'}): backlog {args.backlog}, {args.orgs} organizations, "
          f"claims of {args.batch}, best of {args.repeat}; us per delivery (CPU: this process "
          "and its PostgreSQL backend)")
    with tempfile.TemporaryDirectory() as scratch:
        for label in ("sqlite", "postgresql"):
            if getattr(args, f"skip_{'pg' if label == 'postgresql' else label}"):
                continue
            for scenario, enterprise_orgs in scenarios.items():
                if label == "sqlite":
                    name = None
                    url = f"sqlite:///{Path(scratch) / f'{scenario}.db'}"
                else:
                    url, name = scratch_pg(args.pg)
                try:
                    claim_cpu, record_cpu, claim_wall = measure(url, args, enterprise_orgs)
                finally:
                    if name:
                        drop_pg(args.pg, name)
                print(f"  {label:10s} {scenario:8s} claim CPU {claim_cpu:6.1f}  record CPU "
                      f"{record_cpu:6.1f}  claim wall {claim_wall:6.1f}", flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    main()
