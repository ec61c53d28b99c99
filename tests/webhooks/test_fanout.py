"""Fan-out: which subscriptions get a delivery row, PII stripping, and the outbox guarantee."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from recruitiq.db import unit_of_work
from recruitiq.events.catalog import all_specs
from recruitiq.events.emit import emit
from recruitiq.jobs import service as jobs_service
from recruitiq.jobs.schemas import JobCreate
from recruitiq.models import Event, WebhookDelivery
from tests.support import event_types
from tests.webhooks.test_subscriptions import JOB, create_hook, deliveries


def test_matching_active_subscriptions_get_one_pending_row_each(client, tenant, other_tenant):
    created_only = create_hook(tenant, events=["job.created"])
    everything = create_hook(tenant, events=["*"])
    published_only = create_hook(tenant, events=["job.published"])
    inactive = create_hook(tenant, events=["*"], isActive=False)
    paused = create_hook(tenant, events=["*"])
    tenant.put(f"/api/v1/webhooks/{paused['id']}", {"isActive": False})
    deleted = create_hook(tenant, events=["*"])
    tenant.delete(f"/api/v1/webhooks/{deleted['id']}")
    foreign = create_hook(other_tenant, events=["*"])

    job_id = tenant.post("/api/v1/jobs", JOB).json()["job"]["id"]
    [event_id] = [e["id"] for e in tenant.get("/api/v1/events").json()["events"]]
    rows = deliveries(client, event_id=event_id)
    assert sorted(r.subscription_id for r in rows) == sorted([created_only["id"], everything["id"]])
    for row in rows:
        assert row.status == "pending" and row.attempts == 0 and row.event_type == "job.created"
        assert row.next_attempt_at is not None and row.payload is None
        assert row.organization_id == tenant.organization_id

    tenant.post(f"/api/v1/jobs/{job_id}/publish")
    subscribers = {r.subscription_id for r in deliveries(client, event_type="job.published")}
    assert subscribers == {everything["id"], published_only["id"]}
    assert not {inactive["id"], paused["id"], deleted["id"], foreign["id"]} & {
        r.subscription_id for r in deliveries(client)
    }


def test_reenabled_subscription_receives_again(client, tenant):
    hook = create_hook(tenant, events=["job.created"], isActive=False)
    tenant.post("/api/v1/jobs", JOB)
    assert deliveries(client) == []
    tenant.put(f"/api/v1/webhooks/{hook['id']}", {"isActive": True})
    tenant.post("/api/v1/jobs", JOB)
    assert [d.subscription_id for d in deliveries(client)] == [hook["id"]]


def _emit_sample(client, organization_id: str, event_type: str) -> str:
    spec = all_specs()[event_type]
    with unit_of_work(client.app.state.session_factory) as session:
        event = emit(session, organization_id, spec, spec.data_model.model_validate(spec.sample))
        return event.id


PII_TYPES = ["candidate.created", "candidate.updated", "candidate.merged", "application.received",
             "interview.scheduled", "offer.sent", "hire.completed"]


# The candidate the catalog samples describe (candidates/events.py SAMPLE_CANDIDATE and its
# merged duplicate), written out here so the test does not reuse the code it checks.
CANDIDATE_PII = ["José", "Müller", "jose.muller@example.com", "jose@old-employer.example",
                 "+41 44 123 45 67", "linkedin.com/in/jose-muller", "/resume"]


@pytest.mark.parametrize("event_type", PII_TYPES)
def test_no_pii_subscription_gets_stripped_bytes(client, tenant, event_type):
    with_pii = create_hook(tenant, events=["*"])
    without_pii = create_hook(tenant, events=["*"], includePii=False)
    event_id = _emit_sample(client, tenant.organization_id, event_type)
    by_subscription = {d.subscription_id: d for d in deliveries(client, event_id=event_id)}
    assert by_subscription[with_pii["id"]].payload is None  # the event's own bytes

    with client.app.state.session_factory() as session:
        original = session.get_one(Event, event_id).payload
    stripped = by_subscription[without_pii["id"]].payload
    assert stripped is not None
    body = json.loads(stripped)
    assert body["id"] == event_id and body["type"] == event_type
    assert "jose.muller@example.com" in original  # the sample does carry PII
    for value in CANDIDATE_PII:
        assert value not in stripped, value
    # Only personal fields go: ids and the rest of the snapshot stay.
    assert "cand_" in stripped
    assert json.dumps(body, separators=(",", ":"), ensure_ascii=False) == stripped


def test_strip_only_candidate_personal_data():
    from recruitiq.webhooks.pii import strip_pii

    envelope = {"id": "evt_1", "type": "interview.scheduled", "data": {
        "candidate": {"id": "cand_1", "name": "Ann Lee", "email": "ann@x.io", "tags": ["a"]},
        "application": {"candidateName": "Ann Lee", "candidateEmail": "ann@x.io",
                        "resumeUrl": "https://r/1", "stage": "new"},
        "job": {"title": "Engineer", "name": "kept"},
        "panel": [{"userId": "usr_1", "email": "dana@acme.example", "name": "Dana"}],
        "candidates": [{"name": "Bo", "phone": "+1 555", "id": "cand_2"}],
    }}
    data = strip_pii(envelope)["data"]
    assert data["candidate"] == {"id": "cand_1", "tags": ["a"]}
    assert data["application"] == {"stage": "new"}
    assert data["job"] == {"title": "Engineer", "name": "kept"}
    assert data["panel"] == envelope["data"]["panel"]  # staff, not the candidate
    assert data["candidates"] == [{"id": "cand_2"}]
    assert envelope["data"]["candidate"]["name"] == "Ann Lee"  # the original is untouched

    updated = {"id": "evt_2", "type": "candidate.updated", "data": {
        "candidate": {"id": "cand_1", "email": "new@x.io"},
        "previous": {"email": "old@x.io", "currentTitle": "Engineer"},
    }}
    assert strip_pii(updated)["data"] == {"candidate": {"id": "cand_1"},
                                          "previous": {"currentTitle": "Engineer"}}


def test_rolled_back_transaction_leaves_no_event_and_no_delivery(client, tenant):
    create_hook(tenant, events=["*"])
    factory = client.app.state.session_factory
    with pytest.raises(RuntimeError), unit_of_work(factory) as session:
        jobs_service.create_job(session, tenant.organization_id, JobCreate(title="Doomed"))
        session.flush()
        assert session.scalar(select(WebhookDelivery.id)) is not None  # it was written...
        raise RuntimeError("a later step of the same request fails")
    assert event_types(client, tenant) == []  # ...and vanished with the rollback
    assert deliveries(client) == []
    assert tenant.get("/api/v1/jobs").json()["count"] == 0
