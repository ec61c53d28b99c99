"""The database, not only a read-before-write, keeps one open offer per application and one
feedback per author: concurrent requests cannot both win."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from recruitiq.errors import Conflict
from recruitiq.kit.ids import new_id
from recruitiq.models import InterviewFeedback, Offer
from recruitiq.offers.schemas import OfferCreate
from recruitiq.offers.service import create_offer
from tests.interviews.pipeline import later, open_application
from tests.offers.test_offers import BASE, offer_body


def _wait_for_lock_waiter(session) -> None:
    """PostgreSQL: block until another backend waits on a lock (the second insert)."""
    for _ in range(500):
        waiting = session.execute(text(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )).scalar_one()
        if waiting:
            return
        threading.Event().wait(0.02)
    pytest.fail("the concurrent create never reached the unique index")


def test_concurrent_creates_leave_exactly_one_open_offer(client, tenant):
    application = open_application(tenant)
    body = OfferCreate.model_validate(offer_body(application["id"]))
    factory = client.app.state.session_factory
    outcome: dict[str, object] = {}

    first = factory()
    create_offer(first, tenant.organization_id, body)  # flushed, not yet committed

    def second_request() -> None:
        with factory() as session:
            try:
                create_offer(session, tenant.organization_id, body)
                session.commit()
                outcome["result"] = "created"
            except Conflict as exc:
                session.rollback()
                outcome["result"] = exc.code

    worker = threading.Thread(target=second_request)
    worker.start()
    try:
        if first.get_bind().dialect.name == "postgresql":
            with factory() as observer:
                _wait_for_lock_waiter(observer)
        first.commit()
    finally:
        first.close()  # on a failure too: an open transaction would hang the teardown
    worker.join(timeout=60)
    assert outcome == {"result": "offer_exists"}
    listed = tenant.get(BASE, params={"applicationId": application["id"]}).json()
    assert listed["count"] == 1


def test_the_schema_refuses_a_second_open_offer_and_duplicate_feedback(client, tenant):
    application = open_application(tenant)
    offer = tenant.post(BASE, offer_body(application["id"])).json()["offer"]
    interview = tenant.post("/api/v1/interviews", {
        "applicationId": application["id"], "scheduledAt": later(days=1),
        "interviewers": ["panel@example.com"],
    }).json()["interview"]
    tenant.post(f"/api/v1/interviews/{interview['id']}/feedback", {"rating": 3, "recommendation": "yes"})
    factory = client.app.state.session_factory

    def insert(row: object) -> None:
        with factory() as session:
            session.add(row)
            with pytest.raises(IntegrityError):
                session.flush()
            session.rollback()

    insert(Offer(
        id=new_id("off"), organization_id=tenant.organization_id, application_id=application["id"],
        salary=1, currency="EUR", start_date=date(2027, 1, 1), expires_at=datetime.now(UTC) + timedelta(days=3), status="sent",
    ))
    insert(InterviewFeedback(
        id=new_id("fb"), organization_id=tenant.organization_id, interview_id=interview["id"],
        rating=1, recommendation="no", author_type="user", author_id=tenant.user_id,
    ))
    assert tenant.get(BASE).json()["offers"] == [offer]
