"""A cap on request bodies, enforced while they stream in.

Without it a client could make the server read and parse any amount (60 MB of JSON, or
900,000 unknown keys, each answered with an error detail). A declared ``Content-Length``
over the cap is refused before a byte is read; a chunked body is counted as it arrives and
refused as soon as it passes the cap. Either way the answer is ``413 payload_too_large`` in
the error shape, and the connection is closed (its unread rest is never parsed as a next
request). Pure ASGI, like every middleware here (ADR 0007). Routes that take files (a
resume upload) have their own, larger cap.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from recruitiq.errors import error_body


@dataclass(frozen=True)
class RouteLimit:
    """A different cap for the requests of one method whose path matches ``path``."""

    method: str
    path: re.Pattern[str]
    max_bytes: int


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when the body passes the cap. An HTTP exception, so that the
    app's own body readers (FastAPI's JSON parsing, Starlette's forms) let it through to
    the error handlers instead of turning it into a 400."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, too_large_message(max_bytes), headers={"Connection": "close"})


def too_large_message(max_bytes: int) -> str:
    return f"The request body is larger than this operation accepts ({max_bytes} bytes)"


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


class BodyLimitMiddleware:
    def __init__(
        self, app: ASGIApp, *, max_bytes: int, route_limits: Sequence[RouteLimit] = ()
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.route_limits = tuple(route_limits)

    def _limit_for(self, scope: Scope) -> int:
        for limit in self.route_limits:
            if scope["method"] == limit.method and limit.path.fullmatch(scope["path"]):
                return limit.max_bytes
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit_for(scope)
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await _refuse(scope, receive, send, limit)
            return

        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLarge:
            # Read outside the app's error handlers (the idempotency layer reads bodies).
            if started:
                raise
            await _refuse(scope, receive, send, limit)


async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    body = error_body(Request(scope), "payload_too_large", too_large_message(limit))
    response = JSONResponse(body, status_code=413, headers={"Connection": "close"})
    await response(scope, receive, send)
