"""API benchmark: ``recruitiq serve`` against a bare FastAPI app, in one run.

    .venv/bin/python bench/api.py [--seconds 5] [--concurrency 8,32,128]
        [--phases routes,emit,overload,scale] [--databases sqlite,postgresql]
        [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Everything is loopback; the load comes from bench/loadgen.py in a process of its own
(aiohttp on uvloop, keep-alive). Phases:
  * routes: `recruitiq serve --no-worker` on SQLite and on PostgreSQL, and bench/bare_api.py
    (a bare FastAPI ping and an insert of the same job body into SQLite), each driven by
    closed-loop clients at each --concurrency; req/s and p50/p95/p99 for /healthz, job
    create, job list, candidate search, application stage change and /auth/me, with each
    route's ratio to the bare ping (reads) or bare insert (writes);
  * emit: job create with 50 matching webhook subscriptions against none (the fan-out);
  * overload: `recruitiq serve` with its embedded dispatcher and a loopback receiver; its
    job-create capacity at 32 clients, then twice that offered open-loop for --overload-seconds:
    goodput, statuses (only 503 may be a 5xx), served p99, and every committed event
    delivered with its commit → receipt p99;
  * scale (PostgreSQL): `recruitiq serve --workers 2` against `--workers 1`, each API process
    held to --process-cores by its own cgroup (a host of its own, docs/adr/0005).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import delivery  # bench/delivery.py: the receiver, CPU caps, scratch PostgreSQL databases

BENCH = Path(__file__).resolve().parent
RECRUITIQ = str(Path(sys.executable).parent / "recruitiq")
JOB_BODY = {"title": "Benchmark engineer {i}", "department": "Engineering",
            "location": "Remote (EU)", "description": "Builds what we measure."}
PASSWORD = "correct horse battery staple"
NO_REFUSALS = json.dumps(dict.fromkeys(("free", "pro", "enterprise"), 1_000_000_000))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def call(base: str, method: str, path: str, token: str | None = None,
         body: Any = None) -> Any:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, headers=headers, method=method)
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (loopback)
        raw = response.read()
    return json.loads(raw) if raw else None


def wait_ready(base: str, path: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            urllib.request.urlopen(base + path, timeout=2).read()  # noqa: S310 (loopback)
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def children(pid: int) -> list[int]:
    try:
        found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [int(child) for child in found]


class Server:
    """A server process on a free loopback port, stopped with SIGTERM."""

    def __init__(self, argv: list[str], env: dict[str, str], ready_path: str,
                 preexec: Any = None) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [a.replace("{port}", str(self.port)) for a in argv], env=os.environ | env,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=preexec,
        )
        wait_ready(self.base, ready_path, self.process)

    def cpu_seconds(self) -> float:
        """This server's processes: the one started, and any it forked (--workers N)."""
        pids = [self.process.pid, *children(self.process.pid)]
        return sum(delivery.process_cpu_seconds(pid) for pid in pids)

    def stop(self) -> str:
        self.process.terminate()
        try:
            _out, err = self.process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _out, err = self.process.communicate()
        return err.decode(errors="replace")


def serve(url: str, data_dir: str, *extra: str, worker: bool = False,
          env: dict[str, str] | None = None, preexec: Any = None) -> Server:
    argv = [RECRUITIQ, "serve", "--host", "127.0.0.1", "--port", "{port}", *extra]
    if not worker:
        argv.append("--no-worker")
    settings = {"RECRUITIQ_DATABASE_URL": url, "RECRUITIQ_DATA_DIR": data_dir,
                "RECRUITIQ_WEBHOOK_POLL_SECONDS": "1",
                # Counted as ever, never refused: the limiter's cost stays in the figures.
                "RECRUITIQ_API_RATE_LIMITS": NO_REFUSALS} | (env or {})
    return Server(argv, settings, "/healthz", preexec)


def migrate(url: str) -> None:
    env = os.environ | {"RECRUITIQ_DATABASE_URL": url}
    subprocess.run([RECRUITIQ, "db", "upgrade"], env=env, check=True,
                   stdout=subprocess.DEVNULL)


class Tenant:
    """An organization made through the API: an admin, an all-scopes key and some data."""

    def __init__(self, base: str, applications: int = 64) -> None:
        stamp = os.urandom(4).hex()
        registered = call(base, "POST", "/api/v1/auth/register", body={
            "organizationName": f"Bench {stamp}", "name": "Bench Admin",
            "email": f"bench-{stamp}@example.com", "password": PASSWORD})
        self.user_token = registered["accessToken"]
        self.organization_id = registered["organization"]["id"]
        scopes = ["jobs:read", "jobs:write", "candidates:read", "candidates:write",
                  "applications:read", "applications:write", "webhooks:read", "webhooks:write"]
        self.key = call(base, "POST", "/api/v1/api-keys", self.user_token,
                        {"name": "bench", "scopes": scopes})["apiKey"]["key"]
        job = call(base, "POST", "/api/v1/jobs", self.key, {"title": "Bench role"})["job"]
        call(base, "POST", f"/api/v1/jobs/{job['id']}/publish", self.key)
        self.application_ids = []
        for n in range(applications):
            created = call(base, "POST", "/api/v1/applications", self.key, {
                "jobId": job["id"],
                "candidate": {"firstName": "Ada", "lastName": f"Lovelace{n}",
                              "email": f"ada{n}-{stamp}@example.com"}})
            self.application_ids.append(created["application"]["id"])


def routes(tenant: Tenant) -> dict[str, dict[str, Any]]:
    auth = {"Authorization": f"Bearer {tenant.key}"}
    return {
        "GET /healthz": {"path": "/healthz"},
        "POST /api/v1/jobs": {"method": "POST", "path": "/api/v1/jobs", "body": JOB_BODY,
                              "headers": auth},
        "GET /api/v1/jobs?limit=25": {"path": "/api/v1/jobs?limit=25", "headers": auth},
        "GET /api/v1/candidates?q=": {"path": "/api/v1/candidates?q=lovelace&limit=25",
                                      "headers": auth},
        "PUT /applications/{id}/stage": {
            "method": "PUT", "path": "/api/v1/applications/{id}/stage", "headers": auth,
            "ids": tenant.application_ids,
            "alternate": [{"stage": "screening"}, {"stage": "interview"}]},
        "GET /api/v1/auth/me": {"path": "/api/v1/auth/me", "headers": auth},
    }


WRITES = ("POST /api/v1/jobs", "PUT /applications/{id}/stage")


def load(spec: dict[str, Any]) -> dict[str, Any]:
    done = subprocess.run([sys.executable, str(BENCH / "loadgen.py")], input=json.dumps(spec),
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def closed(server: Server, route: dict[str, Any], concurrency: int,
           seconds: float) -> dict[str, Any]:
    """A closed-loop run, with the server's CPU time per answer (robust to a busy machine)."""
    cpu = server.cpu_seconds()
    result = load({"base": server.base, **route, "concurrency": concurrency, "seconds": seconds})
    answered = sum(result["statuses"].values())
    result["cpu_us"] = (server.cpu_seconds() - cpu) / max(1, answered) * 1e6
    return result


# -- phases -------------------------------------------------------------------------------

def bare_phase(args: argparse.Namespace, work: Path) -> dict[str, dict[int, dict[str, Any]]]:
    server = Server([sys.executable, str(BENCH / "bare_api.py"), "{port}",
                     str(work / "bare.db")], {}, "/ping")
    figures: dict[str, dict[int, dict[str, Any]]] = {"ping": {}, "insert": {}}
    try:
        for c in args.concurrency:
            figures["ping"][c] = closed(server, {"path": "/ping"}, c, args.seconds)
            figures["insert"][c] = closed(server, {"method": "POST", "path": "/jobs",
                                                   "body": JOB_BODY}, c, args.seconds)
    finally:
        server.stop()
    return figures


def routes_phase(url: str, args: argparse.Namespace,
                 work: Path) -> dict[str, dict[int, dict[str, Any]]]:
    server = serve(url, str(work))
    figures: dict[str, dict[int, dict[str, Any]]] = {}
    try:
        tenant = Tenant(server.base)
        for name, route in routes(tenant).items():
            figures[name] = {c: closed(server, route, c, args.seconds)
                             for c in args.concurrency}
    finally:
        log = server.stop()
    errors = [line for line in log.splitlines() if "Traceback" in line or " 500 " in line]
    if errors:
        print(f"  server log shows {len(errors)} errors, first: {errors[0]}")
    return figures


def emit_phase(url: str, args: argparse.Namespace, work: Path) -> dict[str, float]:
    """Server CPU per job create for a tenant with no subscription, and one with 50."""
    server = serve(url, str(work))
    figures: dict[str, float] = {}
    try:
        for subscriptions in (0, 50):
            tenant = Tenant(server.base, applications=0)
            # No worker runs: the deliveries are only written, which is the cost measured.
            for n in range(subscriptions):
                call(server.base, "POST", "/api/v1/webhooks", tenant.key, {
                    "url": f"http://127.0.0.1:9/hook-{n}", "events": ["job.created"]})
            route = routes(tenant)["POST /api/v1/jobs"]
            figures[f"{subscriptions} subscriptions"] = closed(
                server, route, 32, args.seconds)["cpu_us"]
    finally:
        server.stop()
    return figures


def set_plan(url: str, organization_id: str, plan: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE organizations SET plan = :plan WHERE id = :id"),
                     {"plan": plan, "id": organization_id})
    engine.dispose()


def committed_events(url: str, organization_id: str) -> dict[str, float]:
    """Every job.created committed with a delivery for the tenant: id → creation (epoch s)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT e.id, e.created_at FROM events e JOIN webhook_deliveries d "
            "ON d.event_id = e.id WHERE e.organization_id = :org AND e.type = 'job.created'"
        ), {"org": organization_id}).all()
    engine.dispose()
    return {event_id: _epoch(created) for event_id, created in rows}


def _epoch(value: Any) -> float:
    from datetime import UTC, datetime

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return float(value.timestamp())


def overload_phase(url: str, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Capacity at 32 clients, then twice that offered open-loop, the dispatcher embedded."""
    receiver = delivery.Receiver()
    server = serve(url, str(work), worker=True)
    try:
        tenant = Tenant(server.base, applications=0)
        set_plan(url, tenant.organization_id, "enterprise")  # no monthly quota to hold them
        call(server.base, "POST", "/api/v1/webhooks", tenant.key,
             {"url": receiver.url, "events": ["job.created"]})
        route = routes(tenant)["POST /api/v1/jobs"]
        capacity = closed(server, route, 32, args.seconds)["ok_per_second"]
        offered = load({"base": server.base, **route, "rate": 2 * capacity,
                        "seconds": args.overload_seconds, "timeout": 60})
        events = committed_events(url, tenant.organization_id)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            receipts = receiver.receipts()
            if all(event_id in receipts for event_id in events):
                break
            time.sleep(0.5)
        latencies = sorted(receipts[e] - t for e, t in events.items() if e in receipts)
    finally:
        log = server.stop()
        receiver.close()
    return {"capacity": capacity, "offered": offered, "events": len(events),
            "delivered": len(latencies),
            "p50_ms": 1000 * latencies[len(latencies) // 2] if latencies else float("nan"),
            "p99_ms": (1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
                       if latencies else float("nan")),
            "server_errors_logged": sum("Traceback" in line for line in log.splitlines())}


SCALE_ROUTES = ("POST /api/v1/jobs", "GET /api/v1/jobs?limit=25", "GET /api/v1/auth/me")


def scale_phase(url: str, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """PostgreSQL: --workers 1 against --workers 2, each API process held to
    --process-cores by a cgroup of its own (a host of its own, docs/adr/0005)."""
    cap = delivery.CpuCap(args.process_cores)
    why = cap.unavailable()
    if why:
        return {"skipped": why}
    figures: dict[str, Any] = {}
    for workers in (1, 2):
        extra = ["--workers", str(workers)]
        server = serve(url, str(work), *extra, preexec=cap.entering() if workers == 1 else None)
        try:
            if workers > 1:
                deadline = time.monotonic() + 30
                while len(children(server.process.pid)) < workers and time.monotonic() < deadline:
                    time.sleep(0.1)
                time.sleep(2)  # each child builds its app
                for pid in children(server.process.pid):
                    cap.place(pid)
            tenant = Tenant(server.base, applications=0)
            for name in SCALE_ROUTES:
                figures[(workers, name)] = closed(server, routes(tenant)[name], 32, args.seconds)
        finally:
            server.stop()
            cap.remove()
    return figures


def report_scale(figures: dict[str, Any], cores: float) -> None:
    if "skipped" in figures:
        print(f"\n== scale: skipped ({figures['skipped']})")
        return
    print(f"\n== scale, PostgreSQL: API processes each held to {cores:g} core, 32 clients")
    for name in SCALE_ROUTES:
        one, two = figures[(1, name)], figures[(2, name)]
        ratio = two["ok_per_second"] / one["ok_per_second"]
        print(f"  {name:32} 1 process {one['ok_per_second']:7,.0f} req/s, 2 processes "
              f"{two['ok_per_second']:7,.0f} req/s: {ratio:.2f}x")


def report_overload(label: str, figures: dict[str, Any]) -> None:
    offered = figures["offered"]
    statuses = offered["statuses"]
    bad = {k: v for k, v in statuses.items() if k.startswith("5") and k != "503" or k == "0"}
    goodput = offered["ok_per_second"] / figures["capacity"]
    print(f"\n== overload, {label}: capacity {figures['capacity']:,.0f} job creates/s at 32 "
          f"clients; {offered['offered_per_second']:,.0f}/s offered open-loop for "
          f"{offered['elapsed']:.0f} s")
    print(f"  goodput {offered['ok_per_second']:,.0f}/s ({goodput:.0%} of capacity), "
          f"served p50 {offered['p50_ms']:.0f} ms p99 {offered['p99_ms']:.0f} ms, "
          f"statuses {statuses}, 503s with Retry-After {offered['retry_after_on_503']}")
    print(f"  other 5xx or dropped: {sum(bad.values())}; tracebacks in the server log: "
          f"{figures['server_errors_logged']}")
    print(f"  events committed {figures['events']}, delivered {figures['delivered']}; "
          f"commit -> receipt p50 {figures['p50_ms']:.0f} ms p99 {figures['p99_ms']:.0f} ms")


# -- report ---------------------------------------------------------------------------------

def fmt(result: dict[str, Any]) -> str:
    return (f"{result['ok_per_second']:8,.0f} req/s  p50 {result['p50_ms']:6.1f}  "
            f"p95 {result['p95_ms']:6.1f}  p99 {result['p99_ms']:6.1f} ms  "
            f"{result['cpu_us']:6,.0f} us CPU/req"
            + ("" if result["ok"] == result["sent"] else f"  statuses {result['statuses']}"))


def report_routes(label: str, figures: dict[str, dict[int, dict[str, Any]]],
                  bare: dict[str, dict[int, dict[str, Any]]]) -> None:
    print(f"\n== {label}: closed loop, {', '.join(map(str, next(iter(figures.values()))))} "
          "clients")
    for name, by_concurrency in figures.items():
        baseline = "insert" if name in WRITES else "ping"
        for c, result in by_concurrency.items():
            ratio = result["ok_per_second"] / bare[baseline][c]["ok_per_second"]
            print(f"  {name:32} {c:4}  {fmt(result)}  {ratio:5.0%} of bare {baseline}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", default="8,32,128",
                        type=lambda s: [int(x) for x in s.split(",")])
    parser.add_argument("--phases", default="routes,emit,overload,scale",
                        type=lambda s: s.split(","))
    parser.add_argument("--databases", default="sqlite,postgresql",
                        type=lambda s: s.split(","))
    parser.add_argument("--overload-seconds", type=float, default=30.0)
    parser.add_argument("--process-cores", type=float, default=0.3)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="recruitiq-bench-api-") as tmp:
        work = Path(tmp)
        databases: dict[str, str] = {}
        scratch: str | None = None
        if "sqlite" in args.databases:
            databases["SQLite"] = f"sqlite:///{work / 'recruitiq.db'}"
        if "postgresql" in args.databases:
            url, scratch = delivery.scratch_pg(args.pg)
            databases["PostgreSQL"] = url
        try:
            for url in databases.values():
                migrate(url)
            if "routes" in args.phases:
                bare = bare_phase(args, work)
                for label, url in databases.items():
                    report_routes(f"RecruitIQ, {label}", routes_phase(url, args, work), bare)
                print("\n== bare FastAPI")
                for name, by_c in bare.items():
                    for c, result in by_c.items():
                        print(f"  {name:32} {c:4}  {fmt(result)}")
            if "emit" in args.phases:
                for label, url in databases.items():
                    figures = emit_phase(url, args, work)
                    none, fifty = figures["0 subscriptions"], figures["50 subscriptions"]
                    print(f"\n== emit, {label}: job create at 32 clients costs {none:,.0f} us of "
                          f"the server's CPU with no subscription, {fifty:,.0f} us with 50 "
                          f"matching ones ({fifty / none:.2f}x)")
            if "overload" in args.phases:
                for label, url in databases.items():
                    report_overload(label, overload_phase(url, args, work))
            if "scale" in args.phases and "PostgreSQL" in databases:
                report_scale(scale_phase(databases["PostgreSQL"], args, work), args.process_cores)
        finally:
            if scratch:
                delivery.drop_pg(args.pg, scratch)


if __name__ == "__main__":
    main()
