"""Claim benchmark: the dispatcher's claim and outcome statements alone, without HTTP.

    .venv/bin/python bench/claim.py [--against OLD_CHECKOUT] [--backlog 20000] [--orgs 8]
                                    [--enterprise-orgs 4] [--batch 256] [--rounds 3]
                                    [--scenario standard|priority|mixed ...]
                                    [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

A backlog of --backlog due deliveries over --orgs organizations (on the enterprise plan or on
pro, with the priority the fan-out gives their plan), drained by one ``DeliveryStore`` the
way the dispatcher drives it: claim --batch with the dispatcher's rooms, record every claimed
delivery as delivered, claim again. Scenarios: "standard" (every organization on pro),
"priority" (every one on enterprise), "mixed" (--enterprise-orgs of them on enterprise).

Printed per database, scenario and code, in microseconds per delivery: the CPU the claims
cost (this process, which includes SQLite, plus the PostgreSQL backend serving it, read from
/proc), the part of it PostgreSQL used, and the CPU the outcome records cost; the median
and the lowest of --rounds drains. CPU, not wall time: on a shared machine other processes
change the wall time far more.

``--against`` compares with another checkout (e.g. ``git worktree add /tmp/old HEAD~1``): its
``webhooks/store.py`` runs against a second database migrated with its own migrations, and
the two drains alternate claim by claim in this one process, so whatever else the machine
is doing falls on both alike (docs/adr/0006). The other checkout's store must import from
this one's modules (a recent commit).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from delivery import drop_pg, scratch_pg  # bench/delivery.py
from sqlalchemy import inspect, text

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ("standard", "priority", "mixed")


# -- CPU accounting ------------------------------------------------------------------------

def process_cpu_seconds(pid: int) -> float:
    """CPU time from schedstat (nanoseconds), not clock ticks: a claim takes a few ms."""
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


def database_cpu(pids: list[int]) -> float:
    return sum(process_cpu_seconds(pid) for pid in pids)


# -- databases -----------------------------------------------------------------------------

def migrate_with(checkout: Path, url: str) -> None:
    """Upgrade ``url`` with ``checkout``'s own migrations."""
    from alembic import command

    from recruitiq import migrate

    config = migrate.alembic_config(url)
    config.set_main_option("script_location", str(checkout / "src/recruitiq/migrations"))
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(config, "heads")


def load_store(checkout: Path) -> Any:
    path = checkout / "src/recruitiq/webhooks/store.py"
    name = f"bench_store_{abs(hash(str(checkout)))}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# -- one code version on one database ------------------------------------------------------

@dataclass
class Drain:
    label: str
    store_module: Any
    engine: Any
    factory: Any
    tenants: list[tuple[str, str, str]]
    claim_cpu: list[float] = field(default_factory=list)
    claim_db: list[float] = field(default_factory=list)
    record_cpu: list[float] = field(default_factory=list)

    def add_tenants(self, orgs: int, enterprise_orgs: int) -> None:
        from recruitiq.kit.clock import utcnow
        from recruitiq.kit.ids import new_id

        now = utcnow()
        with self.engine.begin() as conn:
            for n in range(orgs):
                org_id, sub_id = new_id("org"), new_id("wh")
                plan = "enterprise" if n < enterprise_orgs else "pro"
                conn.execute(text(
                    "INSERT INTO organizations (id, name, plan, created_at, updated_at) "
                    "VALUES (:o, :name, :plan, :now, :now)"),
                    {"o": org_id, "name": f"Bench {n}", "plan": plan, "now": now})
                conn.execute(text(
                    "INSERT INTO webhook_subscriptions (id, organization_id, url, events, secret,"
                    " is_active, include_pii, max_retries, retry_delay_seconds,"
                    " total_deliveries, successful_deliveries, failed_deliveries,"
                    " consecutive_failures, created_at, updated_at) VALUES (:s, :o,"
                    " 'http://127.0.0.1:9/hook', '[\"*\"]', :secret, true, true, 3, 60, 0, 0,"
                    " 0, 0, :now, :now)"),
                    {"s": sub_id, "o": org_id, "secret": "whsec_" + "A" * 32, "now": now})
                self.tenants.append((org_id, sub_id, plan))
            columns = {c["name"] for c in inspect(conn).get_columns("webhook_subscriptions")}
            if "rate_limit_per_second" in columns:
                # Never binding: the claim's cost with its booking, not a receiver's limit.
                conn.execute(text("UPDATE webhook_subscriptions SET rate_limit_per_second = "
                                  "100000"))

    def queue(self, count: int) -> None:
        """``count`` due deliveries round-robin over the tenants; where the schema has a
        priority, the one the fan-out gives each plan."""
        from recruitiq.kit.clock import utcnow
        from recruitiq.kit.ids import new_id
        from recruitiq.webhooks.plans import plan_named

        with self.engine.connect() as conn:
            columns = {c["name"] for c in inspect(conn).get_columns("webhook_deliveries")}
        with_priority = "priority" in columns
        now = utcnow()
        events, deliveries = [], []
        for n in range(count):
            org_id, sub_id, plan = self.tenants[n % len(self.tenants)]
            event_id = new_id("evt")
            events.append({"id": event_id, "o": org_id, "payload": f'{{"id":"{event_id}"}}',
                           "now": now})
            priority = plan_named(plan).delivery_priority if with_priority else 0
            deliveries.append({"id": new_id("dlv"), "o": org_id, "s": sub_id, "e": event_id,
                               "now": now, "priority": priority})
        extra = (", priority", ", :priority") if with_priority else ("", "")
        with self.engine.begin() as conn:
            # Each drain starts a fresh month: the pro organizations' quota never holds any.
            for table in ("webhook_attempts", "webhook_deliveries", "events", "webhook_usage"):
                conn.execute(text(f"DELETE FROM {table}"))
            conn.execute(text(
                "INSERT INTO events (id, organization_id, type, payload, created_at) "
                "VALUES (:id, :o, 'job.created', :payload, :now)"), events)
            conn.execute(text(
                "INSERT INTO webhook_deliveries (id, organization_id, subscription_id, event_id,"
                " event_type, status, attempts, next_attempt_at, created_at, updated_at"
                f"{extra[0]}) VALUES (:id, :o, :s, :e, 'job.created', 'pending', 0, :now,"
                f" :now, :now{extra[1]})"), deliveries)
            if self.engine.dialect.name == "postgresql":
                conn.execute(text("ANALYZE webhook_deliveries"))


def drain_together(drains: list[Drain], orgs: int, batch: int, backlog: int) -> None:
    """Drain every backlog, one claim of each in turn; note each one's CPU per delivery."""
    from recruitiq.kit.clock import utcnow
    from recruitiq.webhooks.delivery import AttemptResult

    room = max(50, min(500, 2048 // orgs))  # the dispatcher's room for this many backlogs
    running = []
    for drain in drains:
        drain.queue(backlog)
        store = drain.store_module.DeliveryStore(drain.factory, "bench", 90,
                                                 keep_connections=True)
        store.claim(0, {}, room)  # opens the kept connection, whose backend is measured
        running.append({"drain": drain, "store": store, "pids": backend_pids(drain.engine),
                        "claim": 0.0, "db": 0.0, "record": 0.0, "done": 0})
    while running:
        for state in list(running):
            store, pids = state["store"], state["pids"]
            db, cpu = database_cpu(pids), time.process_time() + database_cpu(pids)
            claimed = store.claim(batch, {}, room)
            state["claim"] += time.process_time() + database_cpu(pids) - cpu
            state["db"] += database_cpu(pids) - db
            if not claimed:
                store.close()
                running.remove(state)
                drain = state["drain"]
                if state["done"] != backlog:
                    raise RuntimeError(f"{drain.label}: drained {state['done']} of {backlog}")
                drain.claim_cpu.append(state["claim"] / backlog * 1e6)
                drain.claim_db.append(state["db"] / backlog * 1e6)
                drain.record_cpu.append(state["record"] / backlog * 1e6)
                continue
            now = utcnow()
            outcomes = [(o, AttemptResult(o.delivery_id, o.attempt_number, now, 1, 200, "ok",
                                          None)) for o in claimed]
            cpu = time.process_time() + database_cpu(pids)
            store.record(outcomes)
            state["record"] += time.process_time() + database_cpu(pids) - cpu
            state["done"] += len(claimed)


def figures(values: list[float]) -> str:
    return f"{statistics.median(values):6.1f} (min {min(values):6.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", type=Path, help="another checkout to compare with")
    parser.add_argument("--backlog", type=int, default=20000)
    parser.add_argument("--orgs", type=int, default=8)
    parser.add_argument("--enterprise-orgs", type=int, default=4,
                        help="organizations on the enterprise plan in the mixed scenario")
    parser.add_argument("--batch", type=int, default=256, help="deliveries per claim")
    parser.add_argument("--rounds", type=int, default=3, help="drains per code version")
    parser.add_argument("--scenario", action="append", choices=SCENARIOS,
                        help="run only this scenario (repeatable; default all three)")
    parser.add_argument("--pg", default=os.environ.get(
        "RECRUITIQ_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    import recruitiq.webhooks.store as current_store
    from recruitiq.db import make_engine, make_session_factory

    versions = [("this", ROOT, current_store)]
    if args.against:
        versions.insert(0, ("against", args.against.resolve(), load_store(args.against)))
    enterprise = {"standard": 0, "priority": args.orgs, "mixed": args.enterprise_orgs}
    print(f"claim bench: backlog {args.backlog}, {args.orgs} organizations, claims of "
          f"{args.batch}, {args.rounds} drains each; CPU us per delivery, median (lowest)")
    for label, checkout, _ in versions:
        print(f"  {label}: {checkout}")
    databases = [db for db in ("sqlite", "postgresql")
                 if not getattr(args, "skip_pg" if db == "postgresql" else "skip_sqlite")]
    with tempfile.TemporaryDirectory() as scratch:
        for database in databases:
            for scenario in args.scenario or SCENARIOS:
                drains, pg_names = [], []
                try:
                    for label, checkout, module in versions:
                        if database == "sqlite":
                            url = f"sqlite:///{Path(scratch) / f'{scenario}-{label}.db'}"
                        else:
                            url, name = scratch_pg(args.pg, f"claim_bench_{label}")
                            pg_names.append(name)
                        migrate_with(checkout, url)
                        engine = make_engine(url)
                        drain = Drain(label, module, engine, make_session_factory(engine), [])
                        drain.add_tenants(args.orgs, enterprise[scenario])
                        drains.append(drain)
                    for _ in range(args.rounds):
                        drain_together(drains, args.orgs, args.batch, args.backlog)
                finally:
                    for drain in drains:
                        drain.engine.dispose()
                    for name in pg_names:
                        drop_pg(args.pg, name)
                for drain in drains:
                    db = (f" (PostgreSQL {figures(drain.claim_db)})"
                          if database == "postgresql" else "")
                    print(f"  {database:10s} {scenario:8s} {drain.label:7s} claim "
                          f"{figures(drain.claim_cpu)}{db}  record {figures(drain.record_cpu)}",
                          flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    main()
