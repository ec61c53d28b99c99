"""HTTP load for the API benchmark, run in a process of its own (aiohttp on uvloop).

    python bench/loadgen.py < spec.json   →   one JSON result on stdout

A spec names the requests (method, path, JSON body, headers; ``{i}`` in a path or body is
replaced by a request counter, ``{id}`` by the next of ``ids``), and either
``concurrency`` (closed loop: that many keep-alive clients, each sending as soon as its
answer arrives) or ``rate`` (open loop: a request starts every 1/rate s whatever the
answers, as real traffic does; each waits at most ``timeout`` s). The result has the count
per status, the latencies' percentiles and the rate of answers; status 0 counts time-outs
and dropped connections.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
import time
from typing import Any

import aiohttp


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class Requests:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.base = spec["base"].rstrip("/")
        self.method = spec.get("method", "GET")
        self.path = spec["path"]
        self.body = spec.get("body")
        self.headers = spec.get("headers", {})
        self.id_count = len(spec.get("ids") or [""])
        self.ids = itertools.cycle(spec.get("ids") or [""])
        self.counter = itertools.count()
        # Bodies taken in turn, one round of ``ids`` each (a stage moved back and forth).
        self.alternate = spec.get("alternate")

    def next(self) -> tuple[str, str | None]:
        n = next(self.counter)
        identifier = next(self.ids)
        path = self.path.replace("{id}", identifier).replace("{i}", str(n))
        body: Any = self.body
        if self.alternate:
            body = self.alternate[n // self.id_count % len(self.alternate)]
        text = None if body is None else json.dumps(body).replace("{i}", str(n))
        return self.base + path, text


class Recorder:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.retry_after: int = 0
        self.first = self.last = 0.0

    def add(self, status: int, seconds: float, retry_after: bool) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1
        self.retry_after += retry_after
        if 200 <= status < 300:
            self.latencies.append(seconds)

    def result(self, elapsed: float) -> dict[str, Any]:
        ok = len(self.latencies)
        return {
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "ok": ok,
            "sent": sum(self.statuses.values()),
            "elapsed": elapsed,
            "ok_per_second": ok / elapsed if elapsed else 0.0,
            "p50_ms": percentile(self.latencies, 0.50) * 1000,
            "p95_ms": percentile(self.latencies, 0.95) * 1000,
            "p99_ms": percentile(self.latencies, 0.99) * 1000,
            "retry_after_on_503": self.retry_after,
        }


async def one(http: aiohttp.ClientSession, requests: Requests, recorder: Recorder,
              timeout: float) -> None:
    url, body = requests.next()
    headers = dict(requests.headers)
    if body is not None:
        headers["Content-Type"] = "application/json"
    began = time.perf_counter()
    try:
        async with http.request(requests.method, url, data=body, headers=headers,
                                timeout=aiohttp.ClientTimeout(total=timeout)) as response:
            await response.read()
            status = response.status
            retry_after = status == 503 and "Retry-After" in response.headers
    except (aiohttp.ClientError, TimeoutError):
        status, retry_after = 0, False
    recorder.add(status, time.perf_counter() - began, retry_after)


async def closed_loop(spec: dict[str, Any]) -> dict[str, Any]:
    requests, recorder = Requests(spec), Recorder()
    concurrency, seconds, timeout = spec["concurrency"], spec["seconds"], spec.get("timeout", 60)
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    async with aiohttp.ClientSession(connector=connector) as http:
        for _ in range(min(concurrency, 8)):  # warm the connections and the server's caches
            await one(http, requests, Recorder(), timeout)
        began = time.perf_counter()
        stop = began + seconds

        async def client() -> None:
            while time.perf_counter() < stop:
                await one(http, requests, recorder, timeout)

        await asyncio.gather(*(client() for _ in range(concurrency)))
        return recorder.result(time.perf_counter() - began)


async def open_loop(spec: dict[str, Any]) -> dict[str, Any]:
    requests, recorder = Requests(spec), Recorder()
    rate, seconds, timeout = spec["rate"], spec["seconds"], spec.get("timeout", 60)
    connector = aiohttp.TCPConnector(limit=spec.get("connections", 2000))
    async with aiohttp.ClientSession(connector=connector) as http:
        began = time.perf_counter()
        total = int(rate * seconds)
        tasks = []
        for n in range(total):
            delay = began + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(http, requests, recorder, timeout)))
        offered_for = time.perf_counter() - began
        await asyncio.gather(*tasks)
        result = recorder.result(offered_for)
        result["offered_per_second"] = total / offered_for
        result["drained_after"] = time.perf_counter() - began
        return result


def answer_stdin(run: Any) -> None:
    """Read the spec from stdin, run ``run(spec)`` on uvloop where it exists, print its
    result as JSON: the protocol of every load process the benches start."""
    spec = json.load(sys.stdin)
    try:
        import uvloop
    except ImportError:
        result = asyncio.run(run(spec))
    else:
        result = uvloop.run(run(spec))
    json.dump(result, sys.stdout)


def main() -> None:
    answer_stdin(lambda spec: (open_loop if "rate" in spec else closed_loop)(spec))


if __name__ == "__main__":
    main()
