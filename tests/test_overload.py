"""Past its capacity the API keeps serving: what it cannot take in time is a fast 503 with
Retry-After in the documented shape, never a 500, a reset or a lost change (kit/admission.py,
the pool and writer-lock limits in db.py). Speed is measured in bench/api.py, not here."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from recruitiq.app import create_app
from recruitiq.config import Settings
from recruitiq.models import Event, Job
from tests.conftest import clear_tables
from tests.support import live_server, register_tenant

FLOOD = 48


@pytest.fixture
def small_app(database_url: str, tmp_path: Path) -> Iterator[FastAPI]:
    """One API thread and a short line: a few concurrent requests are already too many."""
    settings = Settings(database_url=database_url, data_dir=tmp_path / "data", api_threads=1,
                        api_queue_timeout_seconds=0.05, api_max_queue=4)
    application = create_app(settings, run_worker=False)
    yield application
    application.state.engine.dispose()
    clear_tables(database_url)


def test_a_flood_gets_201_or_503_and_every_201_committed_its_job_and_event(small_app):
    with live_server(small_app) as url:
        tenant = register_tenant(TestClient(small_app), "Flood")  # the same app and database
        headers = tenant.key_headers("jobs:write")

        def create(n: int) -> httpx.Response:
            with httpx.Client(base_url=url, timeout=30) as client:
                return client.post("/api/v1/jobs", json={"title": f"Role {n}"}, headers=headers)

        with ThreadPoolExecutor(max_workers=FLOOD) as pool:
            answers = list(pool.map(create, range(FLOOD)))

    statuses = [a.status_code for a in answers]
    assert set(statuses) <= {201, 503}, statuses
    assert 201 in statuses and 503 in statuses
    for answer in answers:
        if answer.status_code == 503:
            assert answer.headers["retry-after"] == "1"
            error = answer.json()["error"]
            assert error["code"] == "overloaded" and error["requestId"]
            assert answer.headers["x-request-id"] == error["requestId"]
    created = {a.json()["job"]["id"] for a in answers if a.status_code == 201}
    with small_app.state.session_factory() as session:
        jobs = set(session.scalars(select(Job.id).where(
            Job.organization_id == tenant.organization_id)))
        events = session.scalar(select(func.count()).select_from(Event).where(
            Event.organization_id == tenant.organization_id, Event.type == "job.created"))
    assert jobs == created  # a 503 changed nothing; a 201 was committed
    assert events == len(created)
