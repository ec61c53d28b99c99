"""Soak: minutes of webhook deliveries at >= 1,000/s while API clients read and write.

    .venv/bin/python bench/soak.py [--minutes 5] [--rate 1000] [--database postgresql|sqlite]
        [--api-processes 2] [--workers 2] [--orgs 2] [--subscriptions 20] [--json out.json]

The seed's bar is 1,000 webhooks a minute; the default --rate is 60 times that, per second.
On PostgreSQL (a scratch database, made and dropped): `recruitiq serve --no-worker
--workers N` and --workers `recruitiq worker` processes. On SQLite: one `recruitiq serve`
with its embedded dispatcher (--workers and --api-processes do not apply). --orgs
organizations are made through the API, each with --subscriptions subscriptions to "*" at
the loopback receiver (bench/suites/receiver.py, soak mode). The events come from the API
clients' writes (bench/suites/traffic.py, open loop): job creates, job updates and
application stage changes at --rate / --subscriptions events a second in all, while reads
(job list, candidate search, /auth/me, a subscription's delivery log, the event log) go at
--read-rate a second per route and organization.

Every --sample-seconds the driver notes the queue (pending deliveries, the oldest due
one's age) and each process's resident memory. At the end: deliveries/s, commit→receipt
p50/p99 (from the envelope's timestamp, set in the event's transaction, to arrival), API
p50/p95/p99 per route, the queue and memory over time, and memory growth flagged (RSS
after the first quarter against the last quarter's median, more than 20 % and 20 MB). The
checks (every delivery delivered and received, counters equal attempt rows, no 5xx but
503, no stall: 30 s without a delivery while some were due) make the exit code 1; so do
memory growth (unless --no-fail-on-growth) and, with --strict-rate, a rate below --rate.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import delivery  # noqa: E402  (bench/delivery.py: scratch PostgreSQL databases)
from suites.clients import Api, keyed, register, send, set_plan  # noqa: E402
from suites.processes import MemorySeries, Receiver, Workers, wait_until, worker_env  # noqa: E402

SCOPES = ["jobs:read", "jobs:write", "candidates:read", "candidates:write",
          "applications:read", "applications:write", "webhooks:read", "webhooks:write"]
DEFAULT_PG = os.environ.get("RECRUITIQ_BENCH_PG",
                            "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
# Of the events a second: job creates, job updates, stage changes (one event each).
WRITE_SHARES = {"POST /api/v1/jobs": 0.5, "PATCH /api/v1/jobs/{id}": 0.25,
                "PUT /api/v1/applications/{id}/stage": 0.25}
SEEDED_JOBS = 16
SEEDED_APPLICATIONS = 16
# No delivery for this long while deliveries are due is a stall, and fails the run.
STALL_SECONDS = 30.0


# -- set-up -----------------------------------------------------------------------------------

class Tenant:
    """An organization made through the API, with jobs and applications to write to and
    --subscriptions subscriptions to everything."""

    def __init__(self, base: str, n: int, receiver: Receiver, subscriptions: int) -> None:
        self.organization_id, self.key = register(base, f"Soak {n}", SCOPES)
        with keyed(base, self.key) as client:
            self.job_ids = [send(client, "POST", "/api/v1/jobs", {"title": f"Soak role {j}"},
                                 idempotent=True)["job"]["id"] for j in range(SEEDED_JOBS)]
            send(client, "POST", f"/api/v1/jobs/{self.job_ids[0]}/publish", idempotent=True)
            self.application_ids = [send(client, "POST", "/api/v1/applications", {
                "jobId": self.job_ids[0],
                "candidate": {"firstName": "Ada", "lastName": f"Lovelace{a}",
                              "email": f"ada{a}-{self.organization_id}@example.com"}},
                idempotent=True)["application"]["id"] for a in range(SEEDED_APPLICATIONS)]
            self.subscription_ids = [
                create_subscription(client, receiver.url(f"org{n}-sub{s}"))
                for s in range(subscriptions)]


def create_subscription(client: httpx.Client, url: str) -> str:
    """To everything, with a per-subscription rate limit above the run's share (where the
    API has ``rateLimitPerSecond``): the soak measures the dispatcher, not the pacing."""
    body: dict[str, Any] = {"url": url, "events": ["*"], "rateLimitPerSecond": 5000}
    response = client.post("/api/v1/webhooks", json=body)
    if response.status_code == 422 and "rateLimitPerSecond" in response.text:
        del body["rateLimitPerSecond"]
        response = client.post("/api/v1/webhooks", json=body)
    response.raise_for_status()
    return str(response.json()["webhook"]["id"])


def traffic_spec(base: str, tenants: list[Tenant], args: argparse.Namespace) -> dict[str, Any]:
    events_per_second = args.rate / args.subscriptions
    routes: list[dict[str, Any]] = []
    for tenant in tenants:
        auth = {"Authorization": f"Bearer {tenant.key}"}
        share = events_per_second / len(tenants)

        def add(name: str, rate: float, auth: dict[str, str] = auth, **spec: Any) -> None:
            if rate > 0:
                routes.append({"name": name, "base": base, "headers": auth, "rate": rate,
                               **spec})

        add("POST /api/v1/jobs", share * WRITE_SHARES["POST /api/v1/jobs"], method="POST",
            path="/api/v1/jobs", body={"title": "Soak engineer {i}", "department": "Soak"})
        add("PATCH /api/v1/jobs/{id}", share * WRITE_SHARES["PATCH /api/v1/jobs/{id}"],
            method="PATCH", path="/api/v1/jobs/{id}", ids=tenant.job_ids,
            body={"location": "Room {i}"})
        add("PUT /api/v1/applications/{id}/stage",
            share * WRITE_SHARES["PUT /api/v1/applications/{id}/stage"], method="PUT",
            path="/api/v1/applications/{id}/stage", ids=tenant.application_ids,
            alternate=[{"stage": "screening"}, {"stage": "interview"}])
        reads = {
            "GET /api/v1/jobs?limit=25": "/api/v1/jobs?limit=25",
            "GET /api/v1/candidates?q=": "/api/v1/candidates?q=lovelace&limit=25",
            "GET /api/v1/auth/me": "/api/v1/auth/me",
            "GET /api/v1/webhooks/{id}/events": (
                f"/api/v1/webhooks/{tenant.subscription_ids[0]}/events?limit=25"),
            "GET /api/v1/events?limit=25": "/api/v1/events?limit=25",
        }
        for name, path in reads.items():
            add(name, args.read_rate, path=path)
    return {"seconds": args.minutes * 60, "window": args.sample_seconds, "routes": routes}


# -- watching ---------------------------------------------------------------------------------

class Watcher(threading.Thread):
    """Samples the queue and every process's memory every ``every`` seconds."""

    def __init__(self, engine: Any, processes: Any, every: float) -> None:
        super().__init__(daemon=True)
        self.engine, self.processes, self.every = engine, processes, every
        self.memory = MemorySeries()
        self.queue: list[tuple[float, int, int, float]] = []  # at, pending, held, oldest due
        self.began = time.time()
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            at = time.time() - self.began
            self.memory.sample(at, self.processes())
            try:
                self.queue.append((at, *queue_depth(self.engine)))
            except Exception as exc:  # a busy SQLite file: the next sample will do
                print(f"  queue sample at {at:.0f} s failed: {exc}", file=sys.stderr)
            self.stopping.wait(self.every)

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=30)


def queue_depth(engine: Any) -> tuple[int, int, float]:
    from sqlalchemy import func, select

    from recruitiq.kit.clock import utcnow
    from recruitiq.models import WebhookDelivery as D

    now = utcnow()
    with engine.connect() as conn:
        counts = dict(conn.execute(select(D.status, func.count()).where(
            D.status.in_(("pending", "held"))).group_by(D.status)).all())
        oldest = conn.scalar(select(func.min(D.next_attempt_at)).where(
            D.status == "pending", D.next_attempt_at <= now))
    age = 0.0
    if oldest is not None:
        if oldest.tzinfo is None:
            from datetime import UTC

            oldest = oldest.replace(tzinfo=UTC)
        age = max(0.0, (now - oldest).total_seconds())
    return int(counts.get("pending", 0)), int(counts.get("held", 0)), age


def outstanding(engine: Any) -> int:
    pending, held, _ = queue_depth(engine)
    return pending + held


def database_checks(engine: Any) -> dict[str, Any]:
    """Deliveries by status, and each subscription's counters against its attempt rows."""
    from sqlalchemy import text

    with engine.connect() as conn:
        by_status = dict(conn.execute(text(
            "SELECT status, count(*) FROM webhook_deliveries GROUP BY status")).all())
        rows = conn.execute(text("""
            SELECT s.id, s.total_deliveries, s.successful_deliveries, s.failed_deliveries,
                   count(a.id),
                   coalesce(sum(CASE WHEN a.status_code BETWEEN 200 AND 299
                                      AND a.error IS NULL THEN 1 ELSE 0 END), 0)
            FROM webhook_subscriptions s
            LEFT JOIN webhook_deliveries d ON d.subscription_id = s.id
            LEFT JOIN webhook_attempts a ON a.delivery_id = d.id
            GROUP BY s.id, s.total_deliveries, s.successful_deliveries, s.failed_deliveries
        """)).all()
        paths = {urlsplit(url).path: sub for url, sub in conn.execute(text(
            "SELECT url, id FROM webhook_subscriptions")).all()}
    mismatches = [
        f"subscription {sub}: counters {total}/{ok}/{failed}, attempt rows "
        f"{attempts}/{succeeded}/{attempts - succeeded}"
        for sub, total, ok, failed, attempts, succeeded in rows
        if (total, ok, failed) != (attempts, succeeded, attempts - succeeded)]
    return {"by_status": {k: int(v) for k, v in by_status.items()},
            "deliveries": sum(int(v) for v in by_status.values()),
            "counter_mismatches": mismatches, "subscriptions": len(rows), "paths": paths}


# -- the run ----------------------------------------------------------------------------------

def run(args: argparse.Namespace, url: str, work: Path) -> dict[str, Any]:
    from recruitiq import migrate
    from recruitiq.db import make_engine

    migrate.upgrade(url)
    engine = make_engine(url)
    postgres = url.startswith("postgresql")
    env = worker_env(url, data_dir=work / "data", webhook_poll_seconds=1.0)
    with ExitStack() as cleanup:
        receiver = Receiver("soak")
        cleanup.callback(receiver.close)
        if postgres:
            extra = ["--no-worker"] + (["--workers", str(args.api_processes)]
                                       if args.api_processes > 1 else [])
        else:
            extra = []  # one process, its dispatcher embedded
        api = Api(env, work / "serve.log", *extra)
        cleanup.callback(api.stop)
        workers = Workers(args.workers if postgres else 0, env, work / "logs")
        cleanup.callback(workers.stop)
        tenants = [Tenant(api.base, n, receiver, args.subscriptions) for n in range(args.orgs)]
        for tenant in tenants:
            set_plan(env, tenant.organization_id, "enterprise")  # no monthly quota
        workers.start()
        wait_until(lambda: all(workers.ready(n) for n in range(workers.count)), 180,
                   "the workers to start")
        time.sleep(1)  # and LISTEN

        watcher = Watcher(engine, lambda: api.pids() | workers.pids()
                          | {"receiver": receiver.process.pid}, args.sample_seconds)
        watcher.start()
        cleanup.callback(watcher.stop)
        began = time.time()
        spec = traffic_spec(api.base, tenants, args)
        load = subprocess.run([sys.executable, str(BENCH / "suites" / "traffic.py")],
                              input=json.dumps(spec), capture_output=True, text=True,
                              check=True)
        traffic_done = time.time()
        wait_until(lambda: outstanding(engine) == 0, args.drain_timeout,
                   "the queue to drain after the traffic", pause=0.5)
        drained = time.time()
        watcher.stop()
        received = receiver.get("/summary")
        checks = database_checks(engine)
        worker_codes = workers.stop()
        api_code = api.stop()
        tracebacks = api.tracebacks() + len(workers.log_lines("Traceback"))
    engine.dispose()
    return {"traffic": json.loads(load.stdout), "received": received, "checks": checks,
            "memory": watcher.memory, "queue": watcher.queue, "began": began,
            "traffic_seconds": traffic_done - began, "drain_seconds": drained - traffic_done,
            "worker_exit_codes": worker_codes, "api_exit_code": api_code,
            "tracebacks": tracebacks, "processes": {
                "api": args.api_processes if postgres else 1,
                "workers": args.workers if postgres else 0}}


# -- the report -------------------------------------------------------------------------------

def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def longest_stall(windows: list[dict[str, Any]], window_seconds: float) -> float:
    """The longest run of windows with no delivery while due ones waited."""
    longest = current = 0.0
    for window in windows:
        if window["deliveries_per_s"] == 0 and window["pending"] and window["oldest_due_s"]:
            current += window_seconds
            longest = max(longest, current)
        else:
            current = 0.0
    return longest


def analyse(result: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    received, checks = result["received"], result["checks"]
    began, seconds = result["began"], result["traffic_seconds"]
    per_second = {int(k): v for k, v in received["per_second"].items()}
    latencies = received["latencies"]
    # The rate while the traffic ran, without its first window (start-up).
    warm_from, until = int(began + args.sample_seconds), int(began + seconds)
    rate = (sum(n for s, n in per_second.items() if warm_from <= s < until)
            / max(1, until - warm_from))
    all_ms = [ms for _, ms in latencies]
    windows = []
    for at, pending, held, oldest in result["queue"]:
        start = began + at
        in_window = [n for s, n in per_second.items() if start <= s < start + args.sample_seconds]
        window_ms = [ms for s, ms in latencies if start <= s < start + args.sample_seconds]
        windows.append({"at": at, "deliveries_per_s": sum(in_window) / args.sample_seconds,
                        "p99_ms": percentile(window_ms, 0.99), "pending": pending,
                        "held": held, "oldest_due_s": oldest})
    growth = result["memory"].growth()
    problems = []
    stalled = longest_stall(windows, args.sample_seconds)
    if stalled >= STALL_SECONDS:
        problems.append(f"deliveries stalled for {stalled:.0f} s while deliveries were due")
    delivered = checks["by_status"].get("delivered", 0)
    if delivered != checks["deliveries"]:
        problems.append(f"deliveries not delivered: {checks['by_status']}")
    if received["unique"] != checks["deliveries"]:
        problems.append(f"LOST: the receiver saw {received['unique']} distinct deliveries of "
                        f"{checks['deliveries']}")
    problems += checks["counter_mismatches"]
    for name, route in result["traffic"].items():
        bad = {k: v for k, v in route["statuses"].items()
               if (k.startswith("5") and k != "503") or k == "0"}
        if bad:
            problems.append(f"{name}: answers {bad} (only 503 may be a 5xx)")
    if result["tracebacks"]:
        problems.append(f"{result['tracebacks']} tracebacks in the server and worker logs")
    if any(code != 0 for code in result["worker_exit_codes"]):
        problems.append(f"workers' exit codes on SIGTERM: {result['worker_exit_codes']}")
    if not result["memory"].samples or not growth:
        problems.append("no memory samples")
    grown = [name for name, g in growth.items() if g["growth"] and name != "receiver"]
    if grown and args.fail_on_growth:
        problems.append(f"memory grew: {', '.join(grown)}")
    if args.strict_rate and rate < args.rate:
        problems.append(f"{rate:,.0f} deliveries/s is below the target {args.rate:,.0f}")
    return {"rate": rate, "delivered": delivered, "longest_stall_s": stalled,
            "p50_ms": percentile(all_ms, 0.5), "p99_ms": percentile(all_ms, 0.99),
            "windows": windows, "growth": growth, "grown": grown, "problems": problems}


def print_report(result: dict[str, Any], figures: dict[str, Any],
                 args: argparse.Namespace) -> None:
    processes, received = result["processes"], result["received"]
    print(f"\nsoak: {args.database}, {processes['api']} API process(es), "
          f"{processes['workers'] or 'the embedded'} worker(s), {args.orgs} organizations x "
          f"{args.subscriptions} subscriptions, traffic for {result['traffic_seconds']:.0f} s, "
          f"drained {result['drain_seconds']:.1f} s later")
    mark = "met" if figures["rate"] >= args.rate else "NOT met"
    print(f"  deliveries: {figures['delivered']:,} delivered, {received['received']:,} "
          f"requests at the receiver ({received['duplicates']} duplicates); "
          f"{figures['rate']:,.0f}/s while the traffic ran (target {args.rate:,.0f}/s: {mark})")
    print(f"  commit -> receipt: p50 {figures['p50_ms']:.0f} ms, p99 {figures['p99_ms']:.0f} ms")
    print("  API (open loop):")
    for name, route in sorted(result["traffic"].items()):
        print(f"    {name:38} {route['sent']:7,} sent, {route['ok_per_second']:6.1f} ok/s, "
              f"p50 {route['p50_ms']:6.1f} p95 {route['p95_ms']:7.1f} p99 {route['p99_ms']:7.1f}"
              f" ms, {route['statuses']}")
    names = result["memory"].names()
    memory_at = dict(result["memory"].samples)
    print("  over time (deliveries/s, p99 ms, pending, held, oldest due s, RSS MB: "
          + ", ".join(names) + "):")
    for window in figures["windows"]:
        rss = memory_at.get(window["at"], {})
        print(f"    {window['at']:6.0f} s {window['deliveries_per_s']:7.0f}/s "
              f"{window['p99_ms']:7.0f} {window['pending']:7} {window['held']:5} "
              f"{window['oldest_due_s']:6.1f}  "
              + " ".join(f"{rss.get(n, float('nan')):6.0f}" for n in names))
    print("  memory (RSS MB after warm-up -> end of run, max):")
    for name, g in figures["growth"].items():
        flag = "  GROWTH" if g["growth"] else ""
        print(f"    {name:14} {g['warm_mb']:7.1f} -> {g['end_mb']:7.1f} (max {g['max_mb']:.1f})"
              f"{flag}")
    if figures["problems"]:
        print("FAILED:")
        for problem in figures["problems"]:
            print(f"  - {problem}")
    else:
        print("OK: every delivery delivered and received, counters match the attempt rows, "
              "no 5xx but 503")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--rate", type=float, default=1000.0, help="deliveries a second")
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--pg", default=DEFAULT_PG, help="a PostgreSQL URL allowed to CREATE "
                        "DATABASE; the run's own database is made and dropped")
    parser.add_argument("--api-processes", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--orgs", type=int, default=2)
    parser.add_argument("--subscriptions", type=int, default=20, help="per organization")
    parser.add_argument("--read-rate", type=float, default=5.0,
                        help="requests a second per read route and organization")
    parser.add_argument("--sample-seconds", type=float, default=10.0)
    parser.add_argument("--drain-timeout", type=float, default=300.0)
    parser.add_argument("--fail-on-growth", action=argparse.BooleanOptionalAction,
                        default=True)
    parser.add_argument("--strict-rate", action="store_true",
                        help="exit 1 when the rate is below --rate")
    parser.add_argument("--json", type=Path, help="write the figures here as JSON too")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="recruitiq-soak-"))
    scratch = None
    if args.database == "postgresql":
        url, scratch = delivery.scratch_pg(args.pg, "soak")
    else:
        url = f"sqlite:///{work / 'soak.db'}"
    try:
        result = run(args, url, work)
    except BaseException:
        print(f"logs kept in {work}", file=sys.stderr)
        raise
    finally:
        if scratch:
            delivery.drop_pg(args.pg, scratch)
    figures = analyse(result, args)
    print_report(result, figures, args)
    if args.json:
        args.json.write_text(json.dumps({
            "ok": not figures["problems"], "problems": figures["problems"],
            "rate": figures["rate"], "delivered": figures["delivered"],
            "p50_ms": figures["p50_ms"], "p99_ms": figures["p99_ms"],
            "longest_stall_s": figures["longest_stall_s"],
            "memory": figures["growth"], "windows": figures["windows"],
            "routes": {name: {k: v for k, v in route.items() if k != "p95_by_window_ms"}
                       for name, route in result["traffic"].items()},
            "received": {k: v for k, v in result["received"].items()
                         if k in ("received", "unique", "duplicates")},
            "deliveries_by_status": result["checks"]["by_status"],
            "median_window_rate": statistics.median(
                [w["deliveries_per_s"] for w in figures["windows"]] or [0]),
        }, indent=2))
    print(f"logs (serve, workers) in {work}")
    return 1 if figures["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
