"""The quota on the wire: checked once the caller is known, announced on every answer.

``enforce`` runs in authentication (auth/dependencies.py), so every operation that needs a
token counts against its organization's quota and nothing else does (/healthz, /metrics,
sign-in, the docs). Its verdict rides in the request's state, and the pure ASGI layer adds
the headers of draft-ietf-httpapi-ratelimit-headers-09 to whatever answer follows, errors
included:

    RateLimit-Policy: "api";q=600;w=60
    RateLimit: "api";r=599;t=42

A refused request is ``429 rate_limited`` with ``Retry-After`` (the seconds to the next
window), before the operation does anything.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from recruitiq.errors import RateLimited
from recruitiq.ratelimit.limiter import WINDOW_SECONDS, RateLimiter, Verdict

POLICY = "api"
_STATE_KEY = "rate_limit"


def enforce(request: Request, organization_id: str) -> None:
    limiter: RateLimiter | None = getattr(request.app.state, "rate_limiter", None)
    if limiter is None:
        return
    verdict = limiter.admit(organization_id)
    request.scope.setdefault("state", {})[_STATE_KEY] = verdict
    if not verdict.allowed:
        raise RateLimited(
            f"This organization's API quota of {verdict.limit} requests per minute is used "
            f"up; retry after {verdict.reset_seconds} seconds",
            retry_after_seconds=verdict.reset_seconds,
        )


def headers(verdict: Verdict) -> list[tuple[bytes, bytes]]:
    return [
        (b"ratelimit-policy", f'"{POLICY}";q={verdict.limit};w={WINDOW_SECONDS}'.encode()),
        (b"ratelimit",
         f'"{POLICY}";r={verdict.remaining};t={verdict.reset_seconds}'.encode()),
    ]


class RateLimitHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_quota(message: Message) -> None:
            if message["type"] == "http.response.start":
                verdict = scope.get("state", {}).get(_STATE_KEY)
                if verdict is not None and verdict.limit > 0:
                    message["headers"] = [*message.get("headers", []), *headers(verdict)]
            await send(message)

        await self.app(scope, receive, send_with_quota)
