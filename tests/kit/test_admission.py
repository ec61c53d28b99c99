"""Admission control (kit/admission.py): past its capacity the API answers 503 at once, with
Retry-After and the documented error shape, and never loses a request it admitted."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from recruitiq.kit.admission import AdmissionMiddleware


class SlowApp:
    """An ASGI app whose requests take ``seconds``; counts how many ran at once."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.running = self.most = self.served = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.running += 1
        self.most = max(self.most, self.running)
        try:
            await asyncio.sleep(self.seconds)
        finally:
            self.running -= 1
        self.served += 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})


async def request(app: Any, path: str = "/api/v1/jobs") -> tuple[int, dict[str, str], Any]:
    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    scope = {"type": "http", "method": "POST", "path": path, "headers": [], "query_string": b"",
             "state": {"request_id": "req_test"}}
    await app(scope, receive, send)
    start = messages[0]
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    body = b"".join(m.get("body", b"") for m in messages[1:])
    return start["status"], headers, json.loads(body)


def test_at_most_limit_run_the_rest_wait_their_turn_in_order() -> None:
    async def run() -> None:
        inner = SlowApp(0.05)
        app = AdmissionMiddleware(inner, limit=2, queue_timeout=5, max_queue=100)
        answers = await asyncio.gather(*(request(app) for _ in range(10)))
        assert [status for status, _, _ in answers] == [200] * 10
        assert inner.most == 2 and inner.served == 10
        assert app.running == 0 and not app.waiting

    asyncio.run(run())


def test_a_request_that_cannot_start_in_time_gets_503_with_retry_after() -> None:
    async def run() -> None:
        inner = SlowApp(0.5)
        app = AdmissionMiddleware(inner, limit=1, queue_timeout=0.05, max_queue=100)
        answers = await asyncio.gather(*(request(app) for _ in range(3)))
        statuses = sorted(status for status, _, _ in answers)
        assert statuses == [200, 503, 503]
        for status, headers, body in answers:
            if status == 503:
                assert headers["retry-after"] == "1"
                assert body["success"] is False
                assert body["error"]["code"] == "overloaded"
                assert body["error"]["requestId"] == "req_test"
        assert inner.served == 1 and app.running == 0 and not app.waiting

    asyncio.run(run())


def test_a_full_line_is_refused_at_once() -> None:
    async def run() -> None:
        inner = SlowApp(0.3)
        app = AdmissionMiddleware(inner, limit=1, queue_timeout=10, max_queue=1)
        loop = asyncio.get_running_loop()
        began = loop.time()
        first = asyncio.create_task(request(app))
        second = asyncio.create_task(request(app))
        await asyncio.sleep(0.01)
        status, _, _ = await request(app)  # one running, one waiting: no room in line
        assert status == 503 and loop.time() - began < 0.2
        assert [s for s, _, _ in await asyncio.gather(first, second)] == [200, 200]

    asyncio.run(run())


def test_a_line_longer_than_the_server_clears_within_the_wait_is_refused_at_once() -> None:
    async def run() -> None:
        inner = SlowApp(0.02)
        app = AdmissionMiddleware(inner, limit=1, queue_timeout=0.2, max_queue=1000)
        app.pace.rate = 10.0  # 10 answers a second: a 0.2 s wait clears two in line
        sent = [asyncio.create_task(request(app)) for _ in range(4)]
        await asyncio.sleep(0)
        assert len(app.waiting) == 2  # one runs, two wait; the fourth could not be cleared
        assert sorted(s for s, _, _ in await asyncio.gather(*sent)) == [200, 200, 200, 503]

    asyncio.run(run())


def test_a_cancelled_waiter_gives_up_its_place_and_its_slot() -> None:
    async def run() -> None:
        inner = SlowApp(0.1)
        app = AdmissionMiddleware(inner, limit=1, queue_timeout=5, max_queue=10)
        first = asyncio.create_task(request(app))
        await asyncio.sleep(0.01)
        waiter = asyncio.create_task(request(app))
        await asyncio.sleep(0.01)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        assert (await first)[0] == 200
        assert app.running == 0 and not app.waiting
        assert (await request(app))[0] == 200

    asyncio.run(run())


def test_liveness_is_never_queued() -> None:
    async def run() -> None:
        inner = SlowApp(0.3)
        app = AdmissionMiddleware(inner, limit=1, queue_timeout=0.01, max_queue=0)
        busy = asyncio.create_task(request(app))
        await asyncio.sleep(0.01)
        assert (await request(app, "/healthz"))[0] == 200
        assert (await busy)[0] == 200

    asyncio.run(run())


def test_the_pace_is_unknown_until_a_busy_second_and_forgets_quiet_spells(monkeypatch) -> None:
    from recruitiq.kit import admission

    clock = [100.0]
    monkeypatch.setattr(admission.time, "monotonic", lambda: clock[0])
    pace = admission.Pace(floor=2)
    assert pace.waits_within(0.5) == float("inf")
    for _ in range(55):  # 50 answers a second, for a little over a second
        clock[0] += 0.02
        pace.finished()
    assert pace.rate == pytest.approx(50, rel=0.05)
    assert pace.waits_within(0.5) == pytest.approx(25, rel=0.05)
    clock[0] += 30  # a quiet half minute, then a trickle: the old rate stands
    pace.finished()
    clock[0] += 0.5
    pace.finished()
    assert pace.rate == pytest.approx(50, rel=0.05)
    assert admission.Pace(floor=8).waits_within(0.0) == 8


def test_a_second_of_light_traffic_does_not_count_as_the_servers_pace(monkeypatch) -> None:
    from recruitiq.kit import admission

    clock = [100.0]
    monkeypatch.setattr(admission.time, "monotonic", lambda: clock[0])
    pace = admission.Pace(floor=2)
    for _ in range(30):  # 20 answers a second, but slots were free: that was the traffic
        clock[0] += 0.05
        pace.finished(saturated=False)
    assert pace.rate == float("inf")
    for _ in range(120):  # full: 100 a second is the server
        clock[0] += 0.01
        pace.finished(saturated=True)
    assert pace.rate == pytest.approx(100, rel=0.05)
