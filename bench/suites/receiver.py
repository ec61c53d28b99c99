"""The suites' loopback webhook receiver: a process of its own (aiohttp.web on uvloop).

    python bench/suites/receiver.py --port N --mode chaos|soak [--seed S] [--hang-seconds H]

Subscriptions point at ``/hook/<name>``. Every request is noted on arrival, keyed by the
path and its ``webhook-id``: the receiver's own record of what reached it, which the suites
check against the database.

``chaos``: each (path, webhook-id) gets a reply plan chosen by a hash of the key and the
seed: most succeed at once (200, 201, 202 or 204), others first answer 500, 503, 429 with
``Retry-After: 1``, or hang past the dispatcher's timeout (``--hang-seconds``), once or
twice, then succeed. The n-th request for a key gets the plan's n-th reply, so the plan
holds whichever worker sends it. A path that has just been answered three failures in a
row gets a success instead: ten consecutive failures would disable the subscription
(tested in tests/webhooks/test_dispatcher.py), which is not what this run is about.
``GET /records`` returns ``{path: [[webhook-id, arrival, status, source port], ...]}``,
status 0 for a request the receiver held past the timeout (never a delivery, whatever it
answered later).

``soak``: every request is answered 200 at once; the receiver counts requests per second,
keeps the latency from the envelope's ``timestamp`` (set when the event was written, in
its transaction) to arrival, and the keys it has seen. ``GET /summary`` returns them.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import time
from collections import defaultdict
from datetime import datetime
from typing import Any

import orjson
from aiohttp import web

FAIL_STREAK_CAP = 3
SUCCESS_CODES = (200, 201, 202, 204)
HANG = 0  # a reply plan's "hang past the timeout"
# (weight, replies before the success): the chaos mix of first answers.
PLANS: list[tuple[int, tuple[int, ...]]] = [
    (60, ()),
    (10, (500,)),
    (5, (503,)),
    (10, (429,)),
    (8, (HANG,)),
    (4, (500, 429)),
    (3, (HANG, 503)),
]


def plan_for(key: str, seed: int) -> tuple[tuple[int, ...], int]:
    """The failures a key is answered first, and the 2xx code that ends them."""
    digest = hashlib.blake2b(f"{seed}|{key}".encode(), digest_size=8).digest()
    pick = int.from_bytes(digest[:4], "big") % sum(w for w, _ in PLANS)
    for weight, failures in PLANS:
        if pick < weight:
            return failures, SUCCESS_CODES[digest[4] % len(SUCCESS_CODES)]
        pick -= weight
    raise AssertionError("weights cover every pick")


class Chaos:
    def __init__(self, seed: int, hang_seconds: float) -> None:
        self.seed, self.hang_seconds = seed, hang_seconds
        self.records: dict[str, list[list[Any]]] = defaultdict(list)
        self.seen: dict[str, int] = defaultdict(int)
        self.fail_streak: dict[str, int] = defaultdict(int)

    async def hook(self, request: web.Request) -> web.Response:
        arrival = time.time()
        await request.read()
        path, event_id = request.path, request.headers.get("webhook-id", "")
        key = f"{path}|{event_id}"
        failures, success = plan_for(key, self.seed)
        n = self.seen[key]
        self.seen[key] = n + 1
        status = failures[n] if n < len(failures) else success
        if status not in SUCCESS_CODES and self.fail_streak[path] >= FAIL_STREAK_CAP:
            status = success
        self.fail_streak[path] = 0 if status in SUCCESS_CODES else self.fail_streak[path] + 1
        peer = request.transport.get_extra_info("peername") if request.transport else None
        self.records[path].append([event_id, arrival, status, peer[1] if peer else None])
        if status == HANG:
            await asyncio.sleep(self.hang_seconds)
            return web.Response(status=200, text="too late")
        headers = {"Retry-After": "1"} if status == 429 else {}
        return web.Response(status=status, headers=headers,
                            body=None if status == 204 else b'{"ok":true}')

    async def dump(self, _request: web.Request) -> web.Response:
        return web.Response(body=orjson.dumps(self.records), content_type="application/json")


class Soak:
    def __init__(self) -> None:
        self.per_second: dict[int, int] = defaultdict(int)
        self.latencies: list[tuple[int, float]] = []
        self.keys: set[str] = set()
        self.duplicates = 0

    async def hook(self, request: web.Request) -> web.Response:
        body = await request.read()
        arrival = time.time()
        second = int(arrival)
        self.per_second[second] += 1
        stamp = datetime.fromisoformat(orjson.loads(body)["timestamp"]).timestamp()
        self.latencies.append((second, (arrival - stamp) * 1000))
        key = f"{request.path}|{request.headers.get('webhook-id', '')}"
        if key in self.keys:
            self.duplicates += 1
        else:
            self.keys.add(key)
        return web.Response(text='{"ok":true}', content_type="application/json")

    async def dump(self, _request: web.Request) -> web.Response:
        return web.Response(body=orjson.dumps({
            "received": len(self.latencies), "unique": len(self.keys),
            "duplicates": self.duplicates, "per_second": self.per_second,
            "latencies": self.latencies,
        }, option=orjson.OPT_NON_STR_KEYS), content_type="application/json")


async def health(_request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mode", choices=("chaos", "soak"), required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--hang-seconds", type=float, default=3.0)
    args = parser.parse_args()
    mode: Chaos | Soak = (Chaos(args.seed, args.hang_seconds) if args.mode == "chaos"
                          else Soak())
    app = web.Application()
    app.add_routes([web.post("/hook/{name}", mode.hook), web.get("/health", health),
                    web.get("/records", mode.dump), web.get("/summary", mode.dump)])
    try:
        import uvloop
    except ImportError:
        loop_factory = None
    else:
        loop_factory = uvloop.new_event_loop
    web.run_app(app, host="127.0.0.1", port=args.port, access_log=None, print=None,
                # Dispatchers open up to 10 connections per organization and process at once.
                backlog=1024, loop=loop_factory() if loop_factory else None)


if __name__ == "__main__":
    main()
