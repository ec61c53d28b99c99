"""Real loopback HTTP receivers for the delivery tests, and helpers to drive the dispatcher."""

from __future__ import annotations

import asyncio
import base64
import json
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sqlalchemy import select, update

from recruitiq.config import Settings
from recruitiq.kit.clock import utcnow
from recruitiq.kit.ids import new_id
from recruitiq.models import Organization, WebhookAttempt, WebhookDelivery, WebhookSubscription
from recruitiq.webhooks.dispatcher import Dispatcher

SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # fixed test secret (base64 of 24 bytes)

# The brief's receiver, in node: HMAC-SHA256 over JSON.stringify(JSON.parse(body)), keyed by
# the secret string, compared with X-Webhook-Signature. One JSON line per request on stdin.
_BRIEF_RECEIVER = r"""
const crypto = require('crypto');
const secret = process.argv[1];
const lines = require('fs').readFileSync(0, 'utf8').split('\n').filter(Boolean);
process.stdout.write(JSON.stringify(lines.map((line) => {
  const {body, header} = JSON.parse(line);
  const raw = Buffer.from(body, 'base64').toString('utf8');
  const payload = JSON.stringify(JSON.parse(raw));
  const expected = 'sha256=' + crypto.createHmac('sha256', secret).update(payload).digest('hex');
  return {verified: expected === header, sameBytes: payload === raw};
})));
"""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # A dispatcher opens up to 10 connections per organization at once. With the default
    # listen backlog (5) a loaded machine dropped connection attempts, whose retries after
    # 1, 3 and 7 s made attempts time out.
    request_queue_size = 128


@dataclass
class Reply:
    status: int = 200
    body: bytes = b'{"ok":true}'
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    arrived: float = 0.0  # time.time() when its body had been read


class Receiver:
    """Records every request; answers with queued replies, then with ``default``."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.replies: list[Reply] = []
        self.default = Reply()
        self.hold: threading.Event | None = None  # when set by a test, the next request waits
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                with receiver.lock:
                    receiver.requests.append(
                        Received(self.path, dict(self.headers), body, time.time()))
                    reply = receiver.replies.pop(0) if receiver.replies else receiver.default
                    hold, receiver.hold = receiver.hold, None
                if hold is not None:
                    hold.wait(30)
                if reply.delay:
                    time.sleep(reply.delay)
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    try:
        yield r
    finally:
        r.close()


def brief_receiver_checks(secret: str, requests: list[Received]) -> list[dict[str, bool]]:
    """What the brief's JavaScript receiver makes of each request: its HMAC ``verified``,
    and whether its JSON round trip gave back the ``sameBytes``."""
    lines = [json.dumps({"body": base64.b64encode(r.body).decode(),
                         "header": {k.lower(): v for k, v in r.headers.items()}
                         ["x-webhook-signature"]}) for r in requests]
    out = subprocess.run(["node", "-e", _BRIEF_RECEIVER, secret], input="\n".join(lines),
                         capture_output=True, text=True, check=True, timeout=60)
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def wait_for(condition: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
    """Poll until ``condition()`` is truthy; a deadline, not a timed assertion."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")


def add_subscription(app: Any, organization_id: str, url: str, **fields: Any) -> str:
    """Insert a subscription row (the API is tested in test_subscriptions*.py)."""
    values: dict[str, Any] = {
        "id": new_id("wh"), "organization_id": organization_id, "url": url, "events": ["*"],
        "secret": SECRET, "is_active": True, "include_pii": True, "max_retries": 3,
        "retry_delay_seconds": 60,
    } | fields
    with app.state.session_factory() as session:
        session.add(WebhookSubscription(**values))
        session.commit()
    return str(values["id"])


def set_plan(app: Any, organization_id: str, plan: str) -> None:
    """Move an organization to another plan (its quota and limits: webhooks/plans.py)."""
    with app.state.session_factory() as session:
        session.execute(update(Organization).where(Organization.id == organization_id)
                        .values(plan=plan))
        session.commit()


def drain(app: Any, settings: Settings | None = None) -> None:
    """Run one dispatcher until nothing is due and nothing is in flight."""
    settings = settings or app.state.settings

    async def run() -> None:
        stopping = asyncio.Event()
        await Dispatcher(
            settings, app.state.session_factory, stopping, stop_when_idle=True
        ).run()

    asyncio.run(run())


def deliveries(app: Any, organization_id: str) -> list[WebhookDelivery]:
    with app.state.session_factory() as session:
        return list(session.scalars(
            select(WebhookDelivery).where(WebhookDelivery.organization_id == organization_id)
            .order_by(WebhookDelivery.created_at, WebhookDelivery.id)
        ))


def attempts(app: Any, delivery_id: str) -> list[WebhookAttempt]:
    with app.state.session_factory() as session:
        return list(session.scalars(
            select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery_id)
            .order_by(WebhookAttempt.attempt_number)
        ))


def subscription(app: Any, subscription_id: str) -> WebhookSubscription:
    with app.state.session_factory() as session:
        row = session.get(WebhookSubscription, subscription_id)
        assert row is not None
        return row


def make_due(app: Any, delivery_id: str) -> None:
    """Instead of sleeping through a retry delay, move the retry to now."""
    with app.state.session_factory() as session:
        session.execute(
            update(WebhookDelivery).where(WebhookDelivery.id == delivery_id)
            .values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )
        session.commit()


JOB = {"title": "Backend Engineer", "department": "Engineering", "location": "Zürich",
       "description": "Ünïcödé everywhere — 日本語", "employmentType": "full_time"}


def create_job(tenant: Any, title: str = "Backend Engineer") -> dict[str, Any]:
    response = tenant.post("/api/v1/jobs", {**JOB, "title": title})
    assert response.status_code == 201, response.text
    return response.json()["job"]  # type: ignore[no-any-return]
