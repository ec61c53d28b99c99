"""Per-organization API quotas by plan (ratelimit/): shared by every API process through the
database, announced on every authenticated answer, refused with 429 past the quota."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, text, update

from recruitiq.app import create_app
from recruitiq.config import Settings
from recruitiq.models import ApiRateLimit, Job, Organization
from recruitiq.ratelimit.limiter import MAX_SHARE, RateLimiter, plan_limits
from recruitiq.webhooks.plans import PLANS
from tests.conftest import clear_tables
from tests.support import assert_error, live_server, register_tenant

POLICY = re.compile(r'^"api";q=(\d+);w=60$')
STATE = re.compile(r'^"api";r=(\d+);t=(\d+)$')
NOON = 1_796_212_800.0  # 2026-12-01T12:00:00Z, the start of a window


class Clock:
    """The wall clock the windows are cut from, held still so a test never straddles two."""

    def __init__(self) -> None:
        self.now = NOON + 5

    def __call__(self) -> float:
        return self.now


def _app(settings: Settings, clock: Clock) -> FastAPI:
    """An API process: its own limiter (its own memory), the shared database."""
    app = create_app(settings, run_worker=False)
    app.state.rate_limiter = RateLimiter(
        app.state.engine, plan_limits(settings.api_rate_limits), wall_clock=clock)
    return app


@pytest.fixture
def small_quota(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, data_dir=tmp_path / "data",
                    api_rate_limits={"free": 30, "pro": 60})


@pytest.fixture
def processes(small_quota: Settings, database_url: str) -> Iterator[tuple[FastAPI, FastAPI, Clock]]:
    clock = Clock()
    first, second = _app(small_quota, clock), _app(small_quota, clock)
    yield first, second, clock
    for app in (first, second):
        app.state.engine.dispose()
    clear_tables(database_url)


def _quota(response: httpx.Response) -> tuple[int, int, int]:
    policy = POLICY.match(response.headers["ratelimit-policy"])
    state = STATE.match(response.headers["ratelimit"])
    assert policy and state, response.headers
    return int(policy[1]), int(state[1]), int(state[2])


def test_every_authenticated_answer_carries_the_quota(client, tenant):
    free = PLANS["free"].api_requests_per_minute
    listed = tenant.get("/api/v1/jobs")
    limit, remaining, reset = _quota(listed)
    assert (limit, listed.status_code) == (free, 200)
    assert remaining == free - 1 and 1 <= reset <= 60
    missing = tenant.get("/api/v1/jobs/job_nope")  # an error answer after authentication
    assert missing.status_code == 404 and _quota(missing)[1] == free - 2
    by_key = tenant.get("/api/v1/jobs", headers=tenant.key_headers("jobs:read"))
    assert _quota(by_key)[0] == free
    refused = tenant.get("/api/v1/audit-events", headers=tenant.key_headers("jobs:read"))
    assert refused.status_code == 403 and _quota(refused)


def test_health_metrics_and_unauthenticated_answers_are_exempt(client, tenant):
    for response in (client.get("/healthz"), client.get("/metrics"),
                     client.get("/api/v1/jobs"), client.get("/openapi.json"),
                     client.post("/api/v1/auth/login",
                                 json={"email": tenant.email, "password": tenant.password})):
        assert "ratelimit" not in response.headers, response.request.url
        assert "ratelimit-policy" not in response.headers


def test_past_the_quota_a_request_is_refused_with_429_and_changes_nothing(processes):
    app, _, clock = processes
    client = TestClient(app)
    tenant = register_tenant(client, "Quota")
    headers = tenant.key_headers("jobs:write")
    answers = [client.get("/api/v1/jobs", headers=headers) for _ in range(29)]
    assert [a.status_code for a in answers] == [200] * 29
    # The key's creation was the first request: 28 remain after the first of these.
    assert [_quota(a)[1] for a in answers] == list(range(28, -1, -1))
    refused = client.post("/api/v1/jobs", json={"title": "Over quota"}, headers=headers)
    error = assert_error(refused, 429, "rate_limited")
    assert error["requestId"] == refused.headers["x-request-id"]
    assert refused.headers["retry-after"] == "55"  # to the next window
    assert _quota(refused) == (30, 0, 55)
    with app.state.session_factory() as session:
        assert session.scalar(select(Job.id).where(
            Job.organization_id == tenant.organization_id)) is None

    clock.now += 55  # the next minute
    assert client.post("/api/v1/jobs", json={"title": "Next minute"},
                       headers=headers).status_code == 201


def test_two_processes_share_one_quota(processes):
    first, second, _ = processes
    limit = 30
    grant = limit // MAX_SHARE  # the most a process reserves at once, and its credit
    with live_server(first) as one, live_server(second) as two:
        tenant = register_tenant(TestClient(first), "Shared")
        headers = tenant.key_headers("jobs:read")
        lock = threading.Lock()
        statuses: list[int] = []

        def client_loop(base: str) -> None:
            with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
                while True:
                    status = client.get("/api/v1/jobs").status_code
                    with lock:
                        statuses.append(status)
                        if statuses.count(429) >= 20 or len(statuses) >= 10 * limit:
                            return

        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(client_loop, [one, two, one, two]))

    admitted = statuses.count(200)
    assert set(statuses) == {200, 429}, statuses
    # Made the key: one request. Overshoot at most one grant of credit per process; a
    # reservation left unspent by one process may make the other refuse that many early.
    assert limit - 1 - 2 * grant <= admitted <= limit - 1 + 2 * grant, admitted
    with first.state.session_factory() as session:
        row = session.get(ApiRateLimit, tenant.organization_id)
        assert row is not None and row.reserved <= limit + 2 * grant


def test_a_larger_plan_gets_a_larger_quota(processes):
    app, _, _ = processes
    client = TestClient(app)
    free, pro = register_tenant(client, "Free"), register_tenant(client, "Pro")
    with app.state.session_factory() as session:
        session.execute(update(Organization).where(Organization.id == pro.organization_id)
                        .values(plan="pro"))
        session.commit()

    def admitted(tenant) -> int:
        statuses = [tenant.get("/api/v1/auth/me").status_code for _ in range(70)]
        assert set(statuses) == {200, 429}
        return statuses.count(200)

    assert (admitted(free), admitted(pro)) == (30, 60)
    assert _quota(pro.get("/api/v1/auth/me"))[0] == 60


def test_a_read_never_waits_for_a_writer_to_count_itself(processes, database_url):
    """SQLite: with the writer lock taken, the reservation is skipped and the request
    admitted on credit; the next reservation settles it."""
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL has no writer lock")
    app, _, _ = processes
    client = TestClient(app)
    tenant = register_tenant(client, "Busy")
    with app.state.session_factory() as writer:
        writer.execute(text("UPDATE organizations SET name = name"))  # holds the lock
        assert tenant.get("/api/v1/auth/me").status_code == 200
        writer.commit()
    assert tenant.get("/api/v1/auth/me").status_code == 200
    with app.state.session_factory() as session:
        row = session.get(ApiRateLimit, tenant.organization_id)
        assert row is not None and row.reserved == 2  # the credit, settled, and this one


def test_an_unknown_plan_in_the_setting_is_refused_at_start_up(database_url):
    with pytest.raises(ValueError, match="unknown plans"):
        create_app(Settings(database_url=database_url, api_rate_limits={"gold": 5}),
                   run_worker=False)
