"""Chaos: webhook workers killed with SIGKILL at random while events pour in; nothing is lost.

    .venv/bin/python bench/chaos.py [--events 3000] [--workers 2] [--kill-every 3,8]
        [--orgs 2] [--subscriptions 2] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
        [--json summary.json]

On a scratch PostgreSQL database: `recruitiq serve --no-worker` takes the writes, and
--workers `recruitiq worker` processes deliver. Each worker is killed with SIGKILL at a
random moment --kill-every seconds (uniform between the two bounds) after it started
working, frozen with SIGSTOP a moment before so the driver can note its connections to the
receiver, and started again at once. The receiver (bench/suites/receiver.py, its own
process) answers a mix of 2xx, 500, 503, 429 with Retry-After and requests held past the
dispatcher's timeout, and notes every request. --orgs organizations are made through the
API, each with --subscriptions subscriptions to "*"; --events events are written through
the API by --clients threads (job created, updated, published). When the writes are done
the killing goes on for --tail seconds, then the workers drain what is left and stop with
SIGTERM.

The checks (bench/suites/chaos_checks.py): every event has a delivery row for every
subscription of its organization, each delivered, each with exactly one successful attempt
row, each answered 2xx by the receiver; every request the database has no attempt row for
was sent by a process that was killed before it could record it (duplicates are the 2xx
among them, at least once); each subscription's counters equal its attempt rows; no
subscription was disabled; every worker exits 0 on SIGTERM. Prints a summary and exits 1
on any loss or mismatch.

Subscriptions are made with retryDelaySeconds 10 (the API's least) and then set to 1 s in
the database, so retries take seconds, not minutes: the schedule itself is tested in
tests/webhooks/test_dispatcher.py.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import delivery  # noqa: E402  (bench/delivery.py: scratch PostgreSQL databases)
from suites import chaos_checks  # noqa: E402
from suites.clients import Api, keyed, register, send, set_plan  # noqa: E402
from suites.processes import Receiver, Workers, wait_until, worker_env  # noqa: E402

SCOPES = ["jobs:read", "jobs:write", "webhooks:read", "webhooks:write"]
DEFAULT_PG = os.environ.get("RECRUITIQ_BENCH_PG",
                            "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


# -- the writes ----------------------------------------------------------------------------

def write_round(base: str, key: str, n: int) -> int:
    """Three events through the API: a job created, updated and published."""
    with keyed(base, key) as client:
        job = send(client, "POST", "/api/v1/jobs",
                   {"title": f"Chaos engineer {n}", "department": "Reliability"},
                   idempotent=True)["job"]
        send(client, "PATCH", f"/api/v1/jobs/{job['id']}", {"location": f"Room {n}"})
        send(client, "POST", f"/api/v1/jobs/{job['id']}/publish", idempotent=True)
    return 3


# -- the killing ---------------------------------------------------------------------------

class Killer(threading.Thread):
    """Kills each worker slot at a random moment [low, high] s after its process started
    working (its log says so: a start takes seconds of CPU, and a worker killed while it
    imports proves nothing), and starts it again at once."""

    def __init__(self, workers: Workers, low: float, high: float, seed: int) -> None:
        super().__init__(daemon=True)
        self.workers, self.low, self.high = workers, low, high
        self.random = random.Random(seed)
        self.stopping = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            due: list[float | None] = [None] * self.workers.count
            while not self.stopping.wait(0.05):
                self.workers.watch_connections()
                for slot, at in enumerate(due):
                    if at is None:
                        if self.workers.ready(slot):
                            due[slot] = time.monotonic() + self.random.uniform(self.low,
                                                                               self.high)
                    elif time.monotonic() >= at:
                        self.workers.kill(slot)
                        self.workers.restart(slot)
                        due[slot] = None
        except BaseException as exc:  # reported by the driver
            self.error = exc

    def stop(self) -> None:
        self.stopping.set()
        if self.is_alive():
            self.join(timeout=60)
        if self.error:
            error, self.error = self.error, None
            raise RuntimeError("the killer thread failed") from error


# -- reading the database ------------------------------------------------------------------

def epoch(value: Any) -> float:
    from datetime import UTC

    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return float(value.timestamp())


def outstanding(engine: Any) -> int:
    from sqlalchemy import func, select

    from recruitiq.models import WebhookDelivery as D

    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(D)
                               .where(D.status.in_(("pending", "held")))) or 0)


def read_rows(engine: Any, before: set[str]) -> dict[str, Any]:
    from sqlalchemy import select

    from recruitiq.models import Event, WebhookAttempt, WebhookDelivery, WebhookSubscription

    D, A, S = WebhookDelivery, WebhookAttempt, WebhookSubscription
    with engine.connect() as conn:
        events = [(i, o, t) for i, o, t in conn.execute(
            select(Event.id, Event.organization_id, Event.type)) if i not in before]
        subscriptions = [chaos_checks.Subscription(
            r.id, r.organization_id, r.total_deliveries, r.successful_deliveries,
            r.failed_deliveries, r.is_active, r.disabled_reason) for r in conn.execute(select(
                S.id, S.organization_id, S.total_deliveries, S.successful_deliveries,
                S.failed_deliveries, S.is_active, S.disabled_reason))]
        deliveries = [chaos_checks.Delivery(*r) for r in conn.execute(select(
            D.id, D.subscription_id, D.event_id, D.status, D.attempts, D.last_error))]
        attempts = [chaos_checks.Attempt(r.delivery_id, r.attempt_number, epoch(r.started_at),
                                         r.status_code, r.error)
                    for r in conn.execute(select(A.delivery_id, A.attempt_number,
                                                 A.started_at, A.status_code, A.error))]
        urls = dict(conn.execute(select(S.url, S.id)).all())
    return {"events": events, "subscriptions": subscriptions, "deliveries": deliveries,
            "attempts": attempts, "urls": urls}


# -- the run -------------------------------------------------------------------------------

def run(args: argparse.Namespace, url: str, work: Path) -> dict[str, Any]:
    from sqlalchemy import text

    from recruitiq import migrate
    from recruitiq.db import make_engine

    migrate.upgrade(url)
    engine = make_engine(url)
    # Ten failures in a row would disable a subscription (its own test covers that): with
    # two workers adding their batches' failures, the receiver's cap of three in a row does
    # not bound the counter, so the run disables only far past it. Warnings stay on.
    env = worker_env(url, data_dir=work / "data", webhook_poll_seconds=0.2,
                     webhook_lease_seconds=args.lease, webhook_timeout_seconds=args.timeout,
                     webhook_disable_after_failures=100)
    with ExitStack() as cleanup:
        receiver = Receiver("chaos", "--seed", str(args.seed),
                            "--hang-seconds", str(args.timeout + 1.5))
        cleanup.callback(receiver.close)
        api = Api(env, work / "serve.log", "--no-worker")
        cleanup.callback(api.stop)
        workers = Workers(args.workers, env, work / "logs", receiver.port)
        cleanup.callback(workers.stop)
        began = time.monotonic()
        tenants = [register(api.base, f"Chaos {n}", SCOPES) for n in range(args.orgs)]
        for n, (org_id, key) in enumerate(tenants):
            set_plan(env, org_id, "enterprise")
            with keyed(api.base, key) as client:
                for s in range(args.subscriptions):
                    send(client, "POST", "/api/v1/webhooks", {
                        "url": receiver.url(f"org{n}-sub{s}"), "events": ["*"],
                        "maxRetries": args.max_retries, "retryDelaySeconds": 10})
        with engine.begin() as conn:
            conn.execute(text("UPDATE webhook_subscriptions SET retry_delay_seconds = 1"))
            before = set(conn.scalars(text("SELECT id FROM events")))

        workers.start()
        killer = Killer(workers, *args.kill_every, seed=args.seed)
        killer.start()
        cleanup.callback(killer.stop)
        rounds = -(-args.events // 3)
        with ThreadPoolExecutor(args.clients) as pool:
            written = sum(pool.map(
                lambda n: write_round(api.base, tenants[n % len(tenants)][1], n), range(rounds)))
        writes_done = time.monotonic()
        time.sleep(args.tail)
        # A loaded machine takes seconds to start a worker: a short run keeps killing until
        # each slot was killed at least --min-kills times.
        wait_until(lambda: len(workers.kills) >= args.min_kills * args.workers, 600,
                   f"{args.min_kills} kills per worker", pause=0.2)
        killer.stop()
        killing_stopped = time.monotonic()
        wait_until(lambda: outstanding(engine) == 0, args.drain_timeout,
                   "the workers to deliver everything", pause=0.5)
        drained = time.monotonic()
        # SIGTERM is handled once a worker runs: one just restarted is let finish starting.
        wait_until(lambda: all(workers.ready(s) for s in range(args.workers)), 120,
                   "every worker to be up before SIGTERM")
        exit_codes = workers.stop()
        records = receiver.get("/records")
        rows = read_rows(engine, before)
    engine.dispose()

    receipts = chaos_checks.receipts_from_records(
        records, {urlsplit(u).path: sub for u, sub in rows["urls"].items()})
    kills = [chaos_checks.Kill(k.at, k.ports) for k in workers.kills]
    report = chaos_checks.verify(rows["events"], rows["subscriptions"], rows["deliveries"],
                                 rows["attempts"], receipts, kills, args.timeout)
    problems = report.problems()
    if written != 3 * rounds:
        problems.append(f"the API took {written} of {3 * rounds} writes")
    operator_events = sum(t.startswith(chaos_checks.OPERATOR_EVENT_PREFIX)
                          for _, _, t in rows["events"])
    if len(rows["events"]) - operator_events != written:
        problems.append(f"{written} writes answered success but "
                        f"{len(rows['events']) - operator_events} events were committed")
    if not workers.kills:
        problems.append("no worker was killed: the run proves nothing")
    if any(code != 0 for code in exit_codes):
        problems.append(f"workers' exit codes on SIGTERM: {exit_codes}")
    statuses: dict[str, int] = {}
    for receipt in receipts:
        name = "held past the timeout" if receipt.status == 0 else str(receipt.status)
        statuses[name] = statuses.get(name, 0) + 1
    return {
        "report": report, "problems": problems, "statuses": dict(sorted(statuses.items())),
        "operator_events": operator_events, "kills": len(workers.kills),
        "kills_with_connections": sum(1 for k in workers.kills if k.ports),
        "worker_starts": workers.started,
        "worker_exit_codes": exit_codes,
        "record_retries_logged": len(workers.log_lines("recording")),
        "seconds": {"writes": round(writes_done - began, 1),
                    "chaos": round(killing_stopped - began, 1),
                    "drain_after_chaos": round(drained - killing_stopped, 1)},
    }


def print_summary(result: dict[str, Any], args: argparse.Namespace) -> None:
    report: chaos_checks.Report = result["report"]
    seconds = result["seconds"]
    print(f"chaos: {args.workers} workers, each SIGKILLed every {args.kill_every[0]:g}-"
          f"{args.kill_every[1]:g} s; {result['kills']} kills ({result['kills_with_connections']} "
          f"mid-conversation with the receiver), {result['worker_starts']} worker starts")
    print(f"  writes done after {seconds['writes']} s, killing stopped at {seconds['chaos']} s, "
          f"drained {seconds['drain_after_chaos']} s later")
    print(f"  receiver answers: {result['statuses']}")
    if result["operator_events"]:
        print(f"  operator events (webhook.endpoint_failing after a run of failures): "
              f"{result['operator_events']}")
    for line in chaos_checks.summary_lines(report):
        print(f"  {line}")
    if result["record_retries_logged"]:
        print(f"  worker log lines about recording outcomes: {result['record_retries_logged']}")
    if result["problems"]:
        print("FAILED:")
        for problem in result["problems"]:
            print(f"  - {problem}")
    else:
        print("OK: nothing lost, every duplicate explained, counters match the attempt rows")


def bounds(text: str) -> tuple[float, float]:
    low, high = (float(x) for x in text.split(","))
    return low, high


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--orgs", type=int, default=2)
    parser.add_argument("--subscriptions", type=int, default=2, help="per organization")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--kill-every", type=bounds, default=(3.0, 8.0),
                        help="seconds between kills of each worker: LOW,HIGH")
    parser.add_argument("--tail", type=float, default=3.0,
                        help="seconds the killing goes on after the last write")
    parser.add_argument("--min-kills", type=int, default=2,
                        help="the killing goes on until each worker was killed this often")
    parser.add_argument("--clients", type=int, default=8, help="API writer threads")
    parser.add_argument("--lease", type=float, default=6.0, help="RECRUITIQ_WEBHOOK_LEASE_SECONDS")
    parser.add_argument("--timeout", type=float, default=2.0,
                        help="RECRUITIQ_WEBHOOK_TIMEOUT_SECONDS")
    parser.add_argument("--max-retries", type=int, default=5)
    parser.add_argument("--drain-timeout", type=float, default=300.0)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--pg", default=DEFAULT_PG, help="a PostgreSQL URL allowed to CREATE "
                        "DATABASE; the run's own database is made and dropped")
    parser.add_argument("--json", type=Path, help="write the summary here as JSON too")
    parser.add_argument("--keep", action="store_true",
                        help="keep the scratch database and the logs (printed)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(f"seed {args.seed}")
    url, name = delivery.scratch_pg(args.pg, "chaos")
    work = Path(tempfile.mkdtemp(prefix="recruitiq-chaos-"))
    try:
        result = run(args, url, work)
    except BaseException:
        print(f"logs kept in {work}", file=sys.stderr)
        raise
    finally:
        if args.keep:
            print(f"kept: database {name}, logs in {work}")
        else:
            delivery.drop_pg(args.pg, name)
    print_summary(result, args)
    if args.json:
        summary = {k: v for k, v in result.items() if k != "report"}
        report = result["report"]
        summary["report"] = {k: v for k, v in asdict(report).items()
                             if not isinstance(v, list)} | {
            k: len(v) for k, v in asdict(report).items() if isinstance(v, list)}
        summary["ok"] = not result["problems"]
        summary["seed"] = args.seed
        args.json.write_text(json.dumps(summary, indent=2, default=str))
    if not args.keep:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    return 1 if result["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
