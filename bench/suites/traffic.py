"""API clients for the soak: several routes at once, each open-loop at its own rate.

    python bench/suites/traffic.py < spec.json   →   one JSON result on stdout

``spec``: ``{"seconds": S, "window": W, "routes": [{"name": ..., "rate": ..., ...}]}``, each
route in bench/loadgen.py's request format; routes of one name (the same route for several
organizations) are reported together. Runs in a process of its own (aiohttp on uvloop).
The result: per name, its statuses and latency percentiles over the run, and its p95 in
each window of W seconds.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from loadgen import Recorder, Requests, answer_stdin, one, percentile  # noqa: E402


class WindowedRecorder(Recorder):
    """loadgen's recorder, also keeping each answer's latency by window."""

    def __init__(self, began: float, window: float) -> None:
        super().__init__()
        self.began, self.window = began, window
        self.by_window: dict[int, list[float]] = {}

    def add(self, status: int, seconds: float, retry_after: bool) -> None:
        super().add(status, seconds, retry_after)
        if 200 <= status < 300:
            slot = int((time.perf_counter() - self.began) // self.window)
            self.by_window.setdefault(slot, []).append(seconds)


async def route(http: aiohttp.ClientSession, spec: dict[str, Any], seconds: float,
                recorder: WindowedRecorder) -> float:
    requests = Requests(spec)
    rate, timeout = spec["rate"], spec.get("timeout", 30)
    began = time.perf_counter()
    tasks = []
    for n in range(int(rate * seconds)):
        delay = began + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(http, requests, recorder, timeout)))
    offered_for = time.perf_counter() - began
    await asyncio.gather(*tasks)
    return offered_for


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    seconds, window = spec["seconds"], spec.get("window", 10)
    began = time.perf_counter()
    recorders = {r["name"]: WindowedRecorder(began, window) for r in spec["routes"]}
    connector = aiohttp.TCPConnector(limit=spec.get("connections", 512))
    async with aiohttp.ClientSession(connector=connector) as http:
        offered = await asyncio.gather(*(
            route(http, route_spec, seconds, recorders[route_spec["name"]])
            for route_spec in spec["routes"]))
    results = {}
    offered_for = max(offered)
    for name, recorder in recorders.items():
        result = recorder.result(offered_for)
        result["p95_by_window_ms"] = {
            str(slot * window): percentile(values, 0.95) * 1000
            for slot, values in sorted(recorder.by_window.items())}
        results[name] = result
    return results


def main() -> None:
    answer_stdin(run)


if __name__ == "__main__":
    main()
