"""Webhook delivery benchmark: the dispatcher against bare HTTP loops, on SQLite and PostgreSQL.

    .venv/bin/python bench/delivery.py [--backlog 20000] [--rate 200] [--seconds 10]
                                       [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Everything is loopback. A receiver runs in its own process (aiohttp.web). Figures:
  * backlog: N queued deliveries, one ``recruitiq worker`` process, deliveries/s from the
    first receipt until the database shows every delivery recorded as delivered; measured
    for one organization's backlog (capped by the per-organization concurrency limit) and
    for N spread over --orgs organizations (a platform's load);
  * the same N bodies posted by bare loops (64 concurrent, keep-alive) to the same receiver:
    aiohttp and httpx, as the issue defines the baseline, and the dispatcher's own client
    (``recruitiq.webhooks.client``); each on asyncio's loop and on uvloop, the better kept;
    the worker's ratio to the faster of aiohttp/httpx, and to its own client's bare loop;
  * latency: events emitted through the real ``emit()`` path at a steady rate with the
    dispatcher embedded as in ``recruitiq serve``, commit → receipt p50/p99;
  * PostgreSQL only: two worker processes against one, on the loopback receiver and on
    receivers that take --slow-ms to answer, and on the loopback receiver with each worker
    held to --worker-cores by a Linux cgroup (a host of its own: on one 2-core machine the
    uncapped workers share their cores with PostgreSQL and the receiver, docs/adr/0005);
    latency with a separate worker woken by NOTIFY. A scratch PostgreSQL database is
    created and dropped;
  * for every backlog phase, the cores each party used (worker, PostgreSQL, receiver).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
RECRUITIQ = str(Path(sys.executable).parent / "recruitiq")
SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
BARE_CONCURRENCY = 64


# -- receiver (its own process) ---------------------------------------------------------

def run_receiver(port: int) -> None:
    from aiohttp import web

    receipts: dict[str, float] = {}
    times: list[float] = []

    async def hook(request: web.Request) -> web.Response:
        await request.read()
        # A receiver that takes its time, as real ones do (the scale-out phase).
        delay_ms = float(request.query.get("delay_ms", 0))
        if delay_ms:
            await asyncio.sleep(delay_ms / 1000)
        now = time.time()
        times.append(now)
        receipts[request.headers.get("webhook-id", "")] = now
        return web.Response(text='{"ok":true}', content_type="application/json")

    async def stats(_request: web.Request) -> web.Response:
        return web.json_response({"count": len(times), "first": times[0] if times else None,
                                  "last": times[-1] if times else None})

    async def all_receipts(_request: web.Request) -> web.Response:
        return web.json_response(receipts)

    async def reset(_request: web.Request) -> web.Response:
        receipts.clear()
        times.clear()
        return web.json_response({})

    app = web.Application()
    app.add_routes([web.post("/hook", hook), web.get("/stats", stats),
                    web.get("/receipts", all_receipts), web.post("/reset", reset)])
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


class Receiver:
    def __init__(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.process = subprocess.Popen([sys.executable, __file__, "--receiver", str(self.port)])
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                self.stats()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("receiver did not start")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def _call(self, path: str, method: str = "GET") -> Any:
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", method=method,
                                         data=b"" if method == "POST" else None)
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
            return json.loads(response.read())

    def stats(self) -> dict[str, Any]:
        return self._call("/stats")  # type: ignore[no-any-return]

    def receipts(self) -> dict[str, float]:
        return self._call("/receipts")  # type: ignore[no-any-return]

    def reset(self) -> None:
        self._call("/reset", "POST")

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


# -- database set-up ----------------------------------------------------------------------

def prepare_database(
    url: str, receiver_url: str, organizations: int
) -> tuple[Any, Any, list[tuple[str, str]]]:
    """Organizations (enterprise plan), each with one subscription: (org_id, sub_id) pairs."""
    from recruitiq import migrate
    from recruitiq.db import make_engine, make_session_factory

    migrate.upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    return engine, factory, add_tenants(factory, receiver_url, organizations)


def add_tenants(factory: Any, receiver_url: str, organizations: int) -> list[tuple[str, str]]:
    from recruitiq.kit.ids import new_id
    from recruitiq.models import Organization, WebhookSubscription
    from recruitiq.webhooks.schemas import MAX_RATE_LIMIT_PER_SECOND

    tenants = [(new_id("org"), new_id("wh")) for _ in range(organizations)]
    with factory() as session:
        for n, (org_id, _sub_id) in enumerate(tenants):
            session.add(Organization(id=org_id, name=f"Bench {n}", plan="enterprise"))
        session.flush()
        for org_id, sub_id in tenants:
            # The highest rate limit a subscription may set: the bench measures the
            # dispatcher, not a receiver's limit (webhooks/pacing.py still books every one).
            session.add(WebhookSubscription(id=sub_id, organization_id=org_id, url=receiver_url,
                                            events=["*"], secret=SECRET,
                                            rate_limit_per_second=MAX_RATE_LIMIT_PER_SECOND))
        session.commit()
    return tenants


def sample_envelope(org_id: str) -> tuple[Any, Any]:
    """``job.created``'s spec and its sample data."""
    from recruitiq.jobs.events import JOB_CREATED

    return JOB_CREATED, JOB_CREATED.data_model.model_validate(JOB_CREATED.sample)


def queue_backlog(engine: Any, tenants: list[tuple[str, str]], count: int) -> bytes:
    """``count`` pending deliveries spread round-robin over the tenants' subscriptions."""
    from recruitiq.events.emit import build_envelope
    from recruitiq.events.serialize import canonical_json
    from recruitiq.kit.clock import isoformat_z, utcnow
    from recruitiq.kit.ids import new_id
    from recruitiq.models import Event, WebhookDelivery

    spec, data = sample_envelope(tenants[0][0])
    event_type = spec.type
    now = utcnow()
    events, deliveries = [], []
    body = b""
    for n in range(count):
        org_id, sub_id = tenants[n % len(tenants)]
        event_id = new_id("evt")
        payload = canonical_json(build_envelope(event_id, event_type, org_id, isoformat_z(now),
                                                data.model_dump(mode="json", by_alias=True)))
        body = payload.encode()
        events.append({"id": event_id, "organization_id": org_id, "type": event_type,
                       "payload": payload, "created_at": now})
        deliveries.append({
            "id": new_id("dlv"), "organization_id": org_id, "subscription_id": sub_id,
            "event_id": event_id, "event_type": event_type, "status": "pending", "attempts": 0,
            "next_attempt_at": now, "created_at": now, "updated_at": now,
        })
    with engine.begin() as conn:
        for start in range(0, count, 5000):
            conn.execute(insert(Event), events[start:start + 5000])
            conn.execute(insert(WebhookDelivery), deliveries[start:start + 5000])
    return body


def pending(engine: Any) -> int:
    from recruitiq.models import WebhookDelivery

    # Every status but "delivered", named so the (status, next_attempt_at) index answers:
    # polled ten times a second, a table scan here was PostgreSQL's CPU, not the worker's.
    with engine.connect() as conn:
        return int(conn.scalar(
            select(func.count()).select_from(WebhookDelivery)
            .where(WebhookDelivery.status.in_(("pending", "held", "failed")))
        ) or 0)


# -- CPU accounting (Linux /proc): who used the cores during a phase ----------------------

def process_cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds() -> float:
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    total += process_cpu_seconds(int(entry.name))
            except OSError:
                continue
    return total


def machine_cpu_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of every core since boot."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = ticks[3] + ticks[4]
    hz = os.sysconf("SC_CLK_TCK")
    return (sum(ticks) - idle) / hz, sum(ticks) / hz


class CpuWindow:
    """Cores used by each party between ``start()`` and ``stop()``."""

    def __init__(self, receiver: Receiver, workers: list[subprocess.Popen[bytes]]) -> None:
        self.receiver, self.workers = receiver, workers

    def _read(self) -> dict[str, float]:
        busy, total = machine_cpu_seconds()
        return {"busy": busy, "total": total, "at": time.monotonic(),
                "workers": sum(process_cpu_seconds(w.pid) for w in self.workers),
                "receiver": process_cpu_seconds(self.receiver.process.pid),
                "postgresql": postgres_cpu_seconds()}

    def start(self) -> None:
        self.began = self._read()

    def stop(self) -> dict[str, float]:
        end = self._read()
        elapsed = end["at"] - self.began["at"]
        used = {k: (end[k] - self.began[k]) / elapsed
                for k in ("workers", "receiver", "postgresql", "busy")}
        used["cores"] = (end["total"] - self.began["total"]) / elapsed
        return used


# -- phases -------------------------------------------------------------------------------

class CpuCap:
    """A CPU budget of ``cores`` for each process started in it, as a host of its own would
    give: one cgroup per process (v2 ``cpu.max`` where the cpu controller is delegated, else
    v1 ``cpu.cfs_quota_us``). A short period keeps the throttling smooth."""

    PERIOD_US = 10_000

    def __init__(self, cores: float) -> None:
        self.cores = cores
        v2 = Path("/sys/fs/cgroup")
        controllers = v2 / "cgroup.controllers"
        self.v2 = controllers.exists() and "cpu" in controllers.read_text().split()
        self.root = v2 if self.v2 else v2 / "cpu"
        self.groups: list[Path] = []

    def unavailable(self) -> str | None:
        """Why no cgroup can be made here (not root, no cpu controller), or None."""
        try:
            self._make()
        except OSError as exc:
            return f"cannot make a cgroup under {self.root}: {exc.strerror}"
        self.remove()
        return None

    def _make(self) -> Path:
        group = self.root / f"recruitiq_bench_{os.getpid()}_{len(self.groups)}"
        group.mkdir()
        self.groups.append(group)
        quota = int(self.PERIOD_US * self.cores)
        if self.v2:
            (group / "cpu.max").write_text(f"{quota} {self.PERIOD_US}")
        else:
            (group / "cpu.cfs_period_us").write_text(str(self.PERIOD_US))
            (group / "cpu.cfs_quota_us").write_text(str(quota))
        return group

    def entering(self) -> Any:
        """A ``preexec_fn``: the child joins a new capped group before it runs anything."""
        procs = str(self._make() / "cgroup.procs")

        def enter() -> None:
            Path(procs).write_text(str(os.getpid()))
        return enter

    def place(self, pid: int) -> None:
        """Move a running process (one a server forked) into a new capped group."""
        (self._make() / "cgroup.procs").write_text(str(pid))

    def remove(self) -> None:
        """Once the processes have exited: an empty group can be removed."""
        for group in self.groups:
            for _ in range(50):  # the kernel lets go of an exited process's group shortly
                try:
                    group.rmdir()
                    break
                except OSError:
                    time.sleep(0.1)
        self.groups.clear()


def start_worker(url: str, cap: CpuCap | None = None) -> subprocess.Popen[bytes]:
    env = os.environ | {"RECRUITIQ_DATABASE_URL": url, "RECRUITIQ_WEBHOOK_POLL_SECONDS": "0.2"}
    return subprocess.Popen([RECRUITIQ, "worker"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL,
                            preexec_fn=cap.entering() if cap else None)


def backlog_rate(url: str, engine: Any, tenants: list[tuple[str, str]], receiver: Receiver,
                 count: int, workers: int,
                 cap: CpuCap | None = None) -> tuple[float, dict[str, float]]:
    """Deliveries/s, and the cores each party used while the backlog drained."""
    queue_backlog(engine, tenants, count)
    receiver.reset()
    processes = [start_worker(url, cap) for _ in range(workers)]
    cpu = CpuWindow(receiver, processes)
    try:
        deadline = time.monotonic() + 600
        while not receiver.stats()["count"] and time.monotonic() < deadline:
            time.sleep(0.02)
        cpu.start()  # from the first receipt: worker start-up is not the steady state
        while pending(engine) and time.monotonic() < deadline:
            time.sleep(0.1)
        done = time.time()
        used = cpu.stop()
        if pending(engine):
            raise RuntimeError("backlog not drained within 10 minutes")
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=60)
        if cap:
            cap.remove()
    first = receiver.stats()["first"]
    return count / (done - first), used


async def bare_aiohttp(url: str, body: bytes, count: int) -> float:
    import aiohttp

    headers = {"Content-Type": "application/json", "webhook-id": "bare"}
    remaining = iter(range(count))
    connector = aiohttp.TCPConnector(limit=BARE_CONCURRENCY)
    async with aiohttp.ClientSession(connector=connector) as http:
        async def loop() -> None:
            for _ in remaining:
                async with http.post(url, data=body, headers=headers) as response:
                    await response.read()

        began = time.perf_counter()
        await asyncio.gather(*(loop() for _ in range(BARE_CONCURRENCY)))
        return count / (time.perf_counter() - began)


async def bare_httpx(url: str, body: bytes, count: int) -> float:
    import httpx

    headers = {"Content-Type": "application/json", "webhook-id": "bare"}
    remaining = iter(range(count))
    limits = httpx.Limits(max_connections=BARE_CONCURRENCY,
                          max_keepalive_connections=BARE_CONCURRENCY)
    async with httpx.AsyncClient(limits=limits) as http:
        async def loop() -> None:
            for _ in remaining:
                (await http.post(url, content=body, headers=headers)).read()

        began = time.perf_counter()
        await asyncio.gather(*(loop() for _ in range(BARE_CONCURRENCY)))
        return count / (time.perf_counter() - began)


async def bare_recruitiq(url: str, body: bytes, count: int) -> float:
    from recruitiq.webhooks.client import WebhookClient

    headers = {"Content-Type": "application/json", "webhook-id": "bare"}
    remaining = iter(range(count))
    http = WebhookClient(timeout_seconds=10, guarded=False)

    async def loop() -> None:
        for _ in remaining:
            await http.post(url, body, headers)

    began = time.perf_counter()
    await asyncio.gather(*(loop() for _ in range(BARE_CONCURRENCY)))
    rate = count / (time.perf_counter() - began)
    await http.close()
    return rate


BARE_LOOPS = {"aiohttp": bare_aiohttp, "httpx": bare_httpx, "recruitiq": bare_recruitiq}
# The issue's baseline is the faster of these two; "recruitiq" is the dispatcher's own client.
ISSUE_BASELINE = ("aiohttp", "httpx")


def latency(
    factory: Any, org_id: str, receiver: Receiver, rate: float, seconds: float
) -> tuple[float, float, int]:
    """Emit through ``emit()`` at ``rate``/s; commit → receipt percentiles in ms."""
    from recruitiq.events.emit import emit

    spec, data = sample_envelope(org_id)
    receiver.reset()
    committed: dict[str, float] = {}
    total = int(rate * seconds)
    began = time.perf_counter()
    for i in range(total):
        delay = began + i / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        with factory() as session:
            event = emit(session, org_id, spec, data)
            session.commit()
        committed[event.id] = time.time()
    deadline = time.monotonic() + 60
    while receiver.stats()["count"] < total and time.monotonic() < deadline:
        time.sleep(0.1)
    receipts = receiver.receipts()
    latencies = sorted((receipts[e] - t) * 1000 for e, t in committed.items() if e in receipts)
    if len(latencies) < total:
        raise RuntimeError(f"only {len(latencies)} of {total} events arrived")
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return p50, p99, total


class EmbeddedDispatcher:
    """The dispatcher in this process on its own loop thread, as ``recruitiq serve`` runs it."""

    def __init__(self, url: str, factory: Any) -> None:
        from recruitiq.config import Settings
        from recruitiq.webhooks.dispatcher import Dispatcher
        from recruitiq.worker import run_event_loop, tune_interpreter

        tune_interpreter()
        settings = Settings(database_url=url)
        started = threading.Event()

        async def main() -> None:
            # uvloop, as uvicorn runs `recruitiq serve` when it is installed.
            self.loop = asyncio.get_running_loop()
            self.stopping = asyncio.Event()
            started.set()
            await Dispatcher(settings, factory, self.stopping).run()

        self.thread = threading.Thread(target=lambda: run_event_loop(main()))
        self.thread.start()
        started.wait(30)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.stopping.set)
        self.thread.join(timeout=60)


# -- driver -------------------------------------------------------------------------------

def bench_database(
    label: str, url: str, args: argparse.Namespace, receiver: Receiver
) -> dict[str, Any]:
    engine, factory, tenants = prepare_database(url, receiver.url, args.orgs)
    org_id = tenants[0][0]
    single, several = tenants[:1], tenants
    figures: dict[str, Any] = {"database": label}
    # One organization: capped by the per-organization concurrency limit (10 per process).
    phases = [("worker", single, 1), ("worker_multi", several, 1)]
    if label == "postgresql":
        phases += [("two_workers", single, 2), ("two_workers_multi", several, 2)]
    for key, tenants_of_phase, workers in phases:
        # "_multi": several organizations' backlogs at once, a platform's load.
        rate, used = backlog_rate(url, engine, tenants_of_phase, receiver, args.backlog, workers)
        figures[f"{key}_per_s"], figures[f"{key}_cpu"] = rate, used
    if label == "postgresql":
        # Receivers that take --slow-ms to answer: throughput is bounded by concurrency (10
        # per organization and worker), not by the CPU the loopback phases saturate.
        slow = add_tenants(factory, f"{receiver.url}?delay_ms={args.slow_ms:g}", args.orgs)
        for key, workers in (("slow_one", 1), ("slow_two", 2)):
            rate, used = backlog_rate(url, engine, slow, receiver, args.slow_backlog, workers)
            figures[f"{key}_per_s"], figures[f"{key}_cpu"] = rate, used
        # The loopback receiver again, each worker held to --worker-cores: the workers, not
        # the machine they share with PostgreSQL and the receiver, are the limit (ADR 0005).
        cap = CpuCap(args.worker_cores)
        figures["capped_unavailable"] = cap.unavailable()
        if not figures["capped_unavailable"]:
            for key, tenants_of_phase, workers in (
                ("capped_one", single, 1), ("capped_two", single, 2),
                ("capped_one_multi", several, 1), ("capped_two_multi", several, 2),
            ):
                rate, used = backlog_rate(url, engine, tenants_of_phase, receiver, args.backlog,
                                          workers, cap)
                figures[f"{key}_per_s"], figures[f"{key}_cpu"] = rate, used
    embedded = EmbeddedDispatcher(url, factory)
    try:
        figures["latency_embedded"] = latency(factory, org_id, receiver, args.rate, args.seconds)
    finally:
        embedded.stop()
    if label == "postgresql":
        # As in `recruitiq serve --no-worker`: the API process knows the database from its
        # environment and NOTIFYs the workers after each commit.
        from recruitiq.config import get_settings

        os.environ["RECRUITIQ_DATABASE_URL"] = url
        get_settings.cache_clear()
        worker = start_worker(url)
        try:
            time.sleep(3)  # let it start and LISTEN
            figures["latency_worker_notify"] = latency(factory, org_id, receiver, args.rate,
                                                       args.seconds)
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=60)
    engine.dispose()
    return figures


def scratch_pg(admin_url: str, label: str = "bench") -> tuple[str, str]:
    """A new database ``riq_<label>_<pid>`` (one a killed run left behind is replaced)."""
    name = f"riq_{label}_{os.getpid()}"
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


def sample_body() -> bytes:
    from recruitiq.events.emit import build_envelope
    from recruitiq.events.serialize import canonical_json
    from recruitiq.kit.ids import new_id

    spec, data = sample_envelope("org_bench")
    envelope = build_envelope(new_id("evt"), spec.type, "org_bench", "2026-11-29T10:00:00.000Z",
                              data.model_dump(mode="json", by_alias=True))
    return canonical_json(envelope).encode()


def run_bare_loops(url: str, body: bytes, count: int, best: dict[str, float]) -> dict[str, float]:
    """Run before and after the dispatcher phases, on asyncio's loop and on uvloop (the
    worker's loop); keep each client's best figure."""
    import uvloop

    measured = {name: max(runner(loop(url, body, count)) for runner in (asyncio.run, uvloop.run))
                for name, loop in BARE_LOOPS.items()}
    return {name: max(rate, best.get(name, 0.0)) for name, rate in measured.items()}


def cores_used(used: dict[str, float]) -> str:
    return (f"cores busy {used['busy']:.2f} of {used['cores']:.0f}: worker(s) "
            f"{used['workers']:.2f}, PostgreSQL {used['postgresql']:.2f}, "
            f"receiver {used['receiver']:.2f}")


def print_pair(figures: dict[str, Any], one_key: str, two_key: str) -> None:
    one, two = figures[f"{one_key}_per_s"], figures[f"{two_key}_per_s"]
    print(f"    one worker:  {one:8.0f} deliveries/s")
    print(f"      {cores_used(figures[f'{one_key}_cpu'])}")
    print(f"    two workers: {two:8.0f} deliveries/s ({two / one:.2f}x one)")
    print(f"      {cores_used(figures[f'{two_key}_cpu'])}")


def report(
    results: list[dict[str, Any]], bare: dict[str, float], args: argparse.Namespace
) -> None:
    fastest_name, fastest = max(((n, bare[n]) for n in ISSUE_BASELINE), key=lambda i: i[1])
    own = bare["recruitiq"]
    print(f"\nbare loops ({BARE_CONCURRENCY} concurrent keep-alive, {args.backlog} POSTs):")
    for name, rate in bare.items():
        print(f"  {name:9s} {rate:8.0f} req/s")
    for figures in results:
        print(f"\n{figures['database']}:")
        for suffix, who in (("", "1 organization"), ("_multi", f"{args.orgs} organizations")):
            one = figures[f"worker{suffix}_per_s"]
            print(f"  {who}, backlog of {args.backlog}:")
            print(f"    one worker:  {one:8.0f} deliveries/s ({one / fastest:.0%} of bare "
                  f"{fastest_name}, {one / own:.0%} of the bare loop of its own client)")
            print(f"      {cores_used(figures[f'worker{suffix}_cpu'])}")
            if f"two_workers{suffix}_per_s" in figures:
                two = figures[f"two_workers{suffix}_per_s"]
                print(f"    two workers: {two:8.0f} deliveries/s ({two / one:.2f}x one)")
                print(f"      {cores_used(figures[f'two_workers{suffix}_cpu'])}")
        if "slow_one_per_s" in figures:
            print(f"  receivers answering in {args.slow_ms:g} ms, {args.orgs} organizations, "
                  f"backlog of {args.slow_backlog}:")
            print_pair(figures, "slow_one", "slow_two")
        if figures.get("capped_unavailable"):
            print(f"  workers held to {args.worker_cores:g} core each: skipped, "
                  f"{figures['capped_unavailable']}")
        for suffix, who in (("", "1 organization"), ("_multi", f"{args.orgs} organizations")):
            if f"capped_one{suffix}_per_s" in figures:
                print(f"  each worker held to {args.worker_cores:g} core, {who}, "
                      f"backlog of {args.backlog}:")
                print_pair(figures, f"capped_one{suffix}", f"capped_two{suffix}")
        for key, name in (("latency_embedded", "embedded dispatcher"),
                          ("latency_worker_notify", "separate worker (NOTIFY)")):
            if key in figures:
                p50, p99, total = figures[key]
                print(f"  commit->receipt at {args.rate:g}/s, {name}: p50 {p50:.1f} ms, "
                      f"p99 {p99:.1f} ms ({total} events)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--receiver", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--backlog", type=int, default=20000)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--orgs", type=int, default=8,
                        help="organizations sharing the multi-organization backlog")
    parser.add_argument("--slow-ms", type=float, default=100,
                        help="how long the receivers of the scale-out phase take to answer")
    parser.add_argument("--slow-backlog", type=int, default=16000)
    parser.add_argument("--worker-cores", type=float, default=0.3,
                        help="each worker's CPU budget in the capped scale-out phase")
    parser.add_argument("--pg", default=os.environ.get(
        "RECRUITIQ_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    if args.receiver:
        run_receiver(args.receiver)
        return

    import tempfile

    receiver = Receiver()
    results = []
    try:
        body = sample_body()
        bare = run_bare_loops(receiver.url, body, args.backlog, {})
        with tempfile.TemporaryDirectory() as scratch:
            if not args.skip_sqlite:
                url = f"sqlite:///{Path(scratch) / 'bench.db'}"
                results.append(bench_database("sqlite", url, args, receiver))
            if not args.skip_pg:
                url, name = scratch_pg(args.pg)
                try:
                    results.append(bench_database("postgresql", url, args, receiver))
                finally:
                    drop_pg(args.pg, name)
        bare = run_bare_loops(receiver.url, body, args.backlog, bare)
    finally:
        receiver.close()
    report(results, bare, args)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    main()
