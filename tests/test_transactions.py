"""The request owns its transaction (deps.DbSession, kit/routing.py): a read is never held up
by a writer, a read that writes is refused loudly, and the answer follows the commit."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select, text

from recruitiq import db
from recruitiq.models import ApiKey, Job

READ_WAIT_SECONDS = 5


def _hold_a_write(app, organization_id, release: threading.Event, holding: threading.Event):
    with db.writing(), app.state.session_factory() as session:
        session.execute(text("UPDATE organizations SET name = name WHERE id = :id"),
                        {"id": organization_id})
        holding.set()
        release.wait(30)
        session.commit()


def test_reads_are_not_held_up_by_an_open_write_transaction(client, tenant, app):
    headers = tenant.key_headers("jobs:read")  # first use: its last-use touch is due too
    release, holding = threading.Event(), threading.Event()
    writer = threading.Thread(target=_hold_a_write,
                              args=(app, tenant.organization_id, release, holding))
    writer.start()
    try:
        assert holding.wait(10)
        began = time.monotonic()
        answers = [client.get("/api/v1/jobs", headers=headers) for _ in range(3)]
        answers.append(client.get("/api/v1/auth/me", headers=tenant.headers))
        took = time.monotonic() - began
    finally:
        release.set()
        writer.join(30)
    assert [a.status_code for a in answers] == [200, 200, 200, 200]
    # Generous: before reads began deferred transactions they queued for the writer (30 s).
    assert took < READ_WAIT_SECONDS


def test_the_last_use_of_a_key_is_recorded_after_the_request(client, tenant, app):
    headers = tenant.key_headers("jobs:read")
    assert client.get("/api/v1/jobs", headers=headers).status_code == 200
    with app.state.session_factory() as session:
        used = session.scalars(select(ApiKey.last_used_at)).all()
    assert any(moment is not None for moment in used)


def test_a_read_only_request_that_writes_is_refused(app, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("only SQLite's deferred read transactions refuse writes (PostgreSQL "
                    "needs no read mode: its readers never wait for writers)")
    token = db.set_transaction_mode(False)
    try:
        with app.state.session_factory() as session:
            session.execute(select(Job.id)).all()
            with pytest.raises(db.ReadOnlyTransactionError):
                session.execute(text("UPDATE jobs SET title = title"))
    finally:
        db.reset_transaction_mode(token)


def test_a_created_resource_is_committed_before_the_answer(client, tenant, app):
    answer = tenant.post("/api/v1/jobs", json={"title": "Committed"})
    assert answer.status_code == 201
    job_id = answer.json()["job"]["id"]
    with app.state.session_factory() as session:  # another connection sees it at once
        assert session.get(Job, job_id) is not None
