"""Admission control: a server past its capacity keeps serving at its capacity.

At most ``limit`` requests run in the app at once (one per API thread: each holds at most
one database connection, so neither the thread pool nor the connection pool is ever waited
on). The rest wait in line, first come first served, for at most ``queue_timeout``
seconds; a request that cannot start in time, or finds ``max_queue`` already waiting, is
answered at once with ``503`` and ``Retry-After`` instead of a slow time-out, a pool error
or a dropped connection. Liveness and metrics are never queued.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque

from starlette.types import ASGIApp, Receive, Scope, Send

from recruitiq.errors import overloaded_response

RETRY_AFTER_SECONDS = 1
NEVER_QUEUED = frozenset({"/healthz", "/metrics"})


class AdmissionMiddleware:
    def __init__(self, app: ASGIApp, *, limit: int, queue_timeout: float, max_queue: int) -> None:
        self.app = app
        self.limit = limit
        self.queue_timeout = queue_timeout
        self.max_queue = max_queue
        self.running = 0
        self.waiting: deque[asyncio.Future[None]] = deque()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in NEVER_QUEUED:
            await self.app(scope, receive, send)
            return
        if not await self._admit():
            response = overloaded_response(scope, RETRY_AFTER_SECONDS)
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
        if len(self.waiting) >= self.max_queue:
            return False
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
        while self.waiting:
            turn = self.waiting.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self.running -= 1
