"""Expiry: the plain service function on both databases, the worker job, and answers that
arrive after the deadline but before the job ran."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from recruitiq.kit.background import WorkerContext
from recruitiq.models import Offer
from recruitiq.offers.service import expire_due_offers
from recruitiq.offers.tasks import expire_offers, periodic_jobs
from tests.interviews.pipeline import later, open_application, payloads
from tests.offers.test_offers import BASE, draft
from tests.support import assert_error, event_types


def sent_offer(tenant, first_name: str = "José", **overrides: object) -> dict:
    offer = draft(tenant, open_application(tenant, first_name)["id"], **overrides)
    sent = tenant.post(f"{BASE}/{offer['id']}/send")
    assert sent.status_code == 200, sent.text
    return sent.json()["offer"]


def backdate(client, *offer_ids: str) -> None:
    """Arrange an offer whose deadline has passed (the API refuses past deadlines)."""
    factory = client.app.state.session_factory
    with factory.begin() as session:
        session.execute(
            update(Offer).where(Offer.id.in_(offer_ids))
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )


def status_of(tenant, offer_id: str) -> str:
    return tenant.get(f"{BASE}/{offer_id}").json()["offer"]["status"]  # type: ignore[no-any-return]


def test_expire_due_offers_marks_only_sent_offers_past_their_deadline(client, tenant, other_tenant):
    soon = sent_offer(tenant, "Ana", expiresAt=later(days=1))
    late = sent_offer(tenant, "Ben", expiresAt=later(days=20))
    unsent = draft(tenant, open_application(tenant, "Cleo")["id"], expiresAt=later(days=1))
    foreign = sent_offer(other_tenant, "Dan", expiresAt=later(days=1))
    factory = client.app.state.session_factory

    with factory.begin() as session:
        assert expire_due_offers(session, datetime.now(UTC)) == 0
    with factory.begin() as session:
        assert expire_due_offers(session, datetime.now(UTC) + timedelta(days=2)) == 2
    with factory.begin() as session:
        assert expire_due_offers(session, datetime.now(UTC) + timedelta(days=2)) == 0

    assert status_of(tenant, soon["id"]) == "expired"
    assert tenant.get(f"{BASE}/{soon['id']}").json()["offer"]["expiredAt"]
    assert status_of(other_tenant, foreign["id"]) == "expired"
    assert status_of(tenant, late["id"]) == "sent"
    assert status_of(tenant, unsent["id"]) == "draft"
    expired = payloads(client, tenant, "offer.expired")
    assert [e["data"]["offer"]["id"] for e in expired] == [soon["id"]]
    assert expired[0]["organizationId"] == tenant.organization_id
    assert expired[0]["data"]["application"]["candidateName"] == "Ana Müller"
    assert event_types(client, other_tenant)[-1] == "offer.expired"
    assert_error(tenant.post(f"{BASE}/{soon['id']}/accept"), 409, "offer_expired")


def test_expire_due_offers_works_in_batches(client, tenant):
    offers = [sent_offer(tenant, name) for name in ("Ana", "Ben", "Cleo")]
    factory = client.app.state.session_factory
    future = datetime.now(UTC) + timedelta(days=30)
    counts = []
    for _ in range(3):
        with factory.begin() as session:
            counts.append(expire_due_offers(session, future, batch_size=2))
    assert counts == [2, 1, 0]
    assert {status_of(tenant, o["id"]) for o in offers} == {"expired"}
    assert event_types(client, tenant).count("offer.expired") == 3


def test_worker_job_expires_lapsed_offers(client, tenant, app):
    lapsed = sent_offer(tenant, "Ana")
    current = sent_offer(tenant, "Ben")
    backdate(client, lapsed["id"])
    (job,) = periodic_jobs(app.state.settings)
    assert job.name == "offers.expire" and job.run is expire_offers
    ctx = WorkerContext(app.state.settings, app.state.engine, app.state.session_factory)
    asyncio.run(job.run(ctx))
    assert status_of(tenant, lapsed["id"]) == "expired"
    assert status_of(tenant, current["id"]) == "sent"
    assert [e["data"]["offer"]["id"] for e in payloads(client, tenant, "offer.expired")] == [lapsed["id"]]


def test_answers_after_the_deadline_are_409_even_before_the_job_runs(client, tenant):
    accept_late = sent_offer(tenant, "Ana")
    decline_late = sent_offer(tenant, "Ben")
    backdate(client, accept_late["id"], decline_late["id"])
    mark = len(event_types(client, tenant))
    assert_error(tenant.post(f"{BASE}/{accept_late['id']}/accept"), 409, "offer_expired")
    assert_error(tenant.post(f"{BASE}/{decline_late['id']}/decline"), 409, "offer_expired")
    assert status_of(tenant, accept_late["id"]) == "sent"
    # A withdrawal still closes it: the organization may tidy up a lapsed offer itself.
    assert tenant.post(f"{BASE}/{decline_late['id']}/withdraw").status_code == 200
    assert event_types(client, tenant)[mark:] == ["offer.withdrawn"]

    unsent = draft(tenant, open_application(tenant, "Cleo")["id"])
    backdate(client, unsent["id"])
    assert_error(tenant.post(f"{BASE}/{unsent['id']}/send"), 409, "offer_expired")
    fixed = tenant.patch(f"{BASE}/{unsent['id']}", {"expiresAt": later(days=3)})
    assert fixed.status_code == 200
    assert tenant.post(f"{BASE}/{unsent['id']}/send").status_code == 200
