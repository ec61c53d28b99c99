"""Security headers on every response, in one place.

A response that sets a header itself keeps its own value (the ``/docs`` page and the portal
send their Content-Security-Policy and caching rules). Everything else gets:
``X-Content-Type-Options: nosniff`` (a JSON answer is never sniffed into HTML or script),
``Referrer-Policy: no-referrer``, ``X-Frame-Options: DENY``; API answers
(``/api/…``) ``Cache-Control: no-store``, as they are per-caller data, tokens and keys
included, that no shared or browser cache should keep; and in production mode
``Strict-Transport-Security``. Pure ASGI (ADR 0007).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
EVERY_RESPONSE = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)
API_RESPONSE = ((b"cache-control", b"no-store"),)
API_PREFIX = "/api/"


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, production: bool) -> None:
        self.app = app
        common = (*EVERY_RESPONSE, HSTS) if production else EVERY_RESPONSE
        self.common = common
        self.api = (*common, *API_RESPONSE)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        defaults = self.api if scope["path"].startswith(API_PREFIX) else self.common

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in defaults if h[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
