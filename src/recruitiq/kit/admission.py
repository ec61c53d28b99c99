"""Admission control: a server past its capacity keeps serving at its capacity.

At most ``limit`` requests run in the app at once (one per API thread: each holds at most
one database connection, so neither the thread pool nor the connection pool is ever waited
on). The rest wait in line, first come first served, for at most ``queue_timeout``
seconds; a request that cannot start in time, or finds a line longer than the server clears
within that wait (or ``max_queue``), is answered with ``503`` and ``Retry-After``, at once,
instead of a slow time-out, a pool error or a dropped connection. Liveness and metrics are
never queued.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque

from starlette.types import ASGIApp, Receive, Scope, Send

from recruitiq.errors import overloaded_response

NEVER_QUEUED = frozenset({"/healthz", "/metrics"})


class AdmissionMiddleware:
    def __init__(self, app: ASGIApp, *, limit: int, queue_timeout: float, max_queue: int) -> None:
        self.app = app
        self.limit = limit
        self.queue_timeout = queue_timeout
        self.max_queue = max_queue
        self.running = 0
        self.waiting: deque[asyncio.Future[None]] = deque()
        self.pace = Pace(floor=limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in NEVER_QUEUED:
            await self.app(scope, receive, send)
            return
        if not await self._admit():
            response = overloaded_response(scope)
            await response(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self._release()

    async def _admit(self) -> bool:
        if self.running < self.limit and not self.waiting:
            self.running += 1
            return True
        if len(self.waiting) >= min(self.max_queue, self.pace.waits_within(self.queue_timeout)):
            return False  # it would time out in line anyway: say so now, not in half a second
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiting.append(turn)
        try:
            await asyncio.wait_for(asyncio.shield(turn), self.queue_timeout)
        except TimeoutError:
            return self._handed_over(turn)  # a slot that came as time ran out is still ours
        except BaseException:
            if self._handed_over(turn):
                self._release()
            raise
        return True  # the releasing request handed its slot over: ``running`` is unchanged

    def _handed_over(self, turn: asyncio.Future[None]) -> bool:
        if turn.done() and not turn.cancelled():
            return True
        turn.cancel()
        with contextlib.suppress(ValueError):
            self.waiting.remove(turn)
        return False

    def _release(self) -> None:
        self.pace.finished(saturated=self.running >= self.limit)
        while self.waiting:
            turn = self.waiting.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self.running -= 1


class Pace:
    """How many requests the server finishes per second when it is full (its capacity), so
    a newcomer can be told at once when the line ahead of it will not clear within its
    wait. Only seconds in which every slot stayed taken count: a second of light traffic
    measures the traffic, not the server. Unknown (no early refusal) until one is seen."""

    WINDOW_SECONDS = 1.0

    def __init__(self, floor: int) -> None:
        self.floor = floor  # never refuse a line shorter than the running requests
        self.rate = float("inf")
        self.count = 0
        self.since = self.last = time.monotonic()

    def finished(self, *, saturated: bool = True) -> None:
        now = time.monotonic()
        if not saturated or now - self.last > self.WINDOW_SECONDS:  # not a full second
            self.count, self.since = 0, now
        self.last = now
        self.count += 1
        if now - self.since >= self.WINDOW_SECONDS:
            self.rate = self.count / (now - self.since)
            self.count, self.since = 0, now

    def waits_within(self, seconds: float) -> float:
        return max(self.floor, self.rate * seconds)
