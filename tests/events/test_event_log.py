"""GET /api/v1/events: the organization's stored envelopes, filtered and paged."""

from __future__ import annotations

import json

from recruitiq.models import Event
from tests.support import assert_error, field_errors

JOB = {"title": "Data Engineer", "location": "Zürich"}


def _make_history(tenant) -> list[str]:
    ids = [tenant.post("/api/v1/jobs", {**JOB, "title": f"Job {i}"}).json()["job"]["id"]
           for i in range(3)]
    tenant.post(f"/api/v1/jobs/{ids[0]}/publish")
    tenant.post(f"/api/v1/jobs/{ids[0]}/close")
    return ids


def test_items_are_the_stored_envelopes(client, tenant):
    _make_history(tenant)
    body = tenant.get("/api/v1/events").json()
    assert body["success"] is True and body["count"] == 5
    types = [e["type"] for e in body["events"]]
    assert types == ["job.closed", "job.published", "job.created", "job.created", "job.created"]
    newest = body["events"][0]
    with client.app.state.session_factory() as session:
        stored = session.get_one(Event, newest["id"]).payload
    assert newest == json.loads(stored)
    assert newest["organizationId"] == tenant.organization_id
    assert newest["data"]["job"]["location"] == "Zürich"
    one = tenant.get(f"/api/v1/events/{newest['id']}")
    assert one.status_code == 200 and one.json()["event"] == newest


def test_type_filter_repeatable_or_comma_list(client, tenant):
    _make_history(tenant)
    both = {"job.published", "job.closed"}
    repeated = tenant.get("/api/v1/events", params=[("type", "job.published"), ("type", "job.closed")])
    comma = tenant.get("/api/v1/events", params={"type": "job.published,job.closed"})
    for response in (repeated, comma):
        assert {e["type"] for e in response.json()["events"]} == both
        assert response.json()["count"] == 2
    assert tenant.get("/api/v1/events", params={"type": "job.created"}).json()["count"] == 3
    assert field_errors(tenant.get("/api/v1/events", params={"type": "job.created,nope"})) == {"type"}
    assert "updatedAfter" in field_errors(
        tenant.get("/api/v1/events", params={"updatedAfter": "2026-01-01T00:00:00Z"})
    )


def test_created_after_and_cursor_pagination(client, tenant):
    _make_history(tenant)
    everything = [e["id"] for e in tenant.get("/api/v1/events").json()["events"]]
    seen: list[str] = []
    cursor = None
    while True:
        page = tenant.get("/api/v1/events", params={"limit": 2} | ({"cursor": cursor} if cursor else {})).json()
        assert page["count"] <= 2
        seen += [e["id"] for e in page["events"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert seen == everything
    oldest = tenant.get(f"/api/v1/events/{everything[-1]}").json()["event"]
    newer = tenant.get("/api/v1/events", params={"createdAfter": oldest["timestamp"]}).json()
    assert [e["id"] for e in newer["events"]] == everything[:-1]
    assert "cursor" in field_errors(tenant.get("/api/v1/events", params={"cursor": "!!"}))


def test_tenancy_and_scopes(client, tenant, other_tenant):
    _make_history(tenant)
    event_id = tenant.get("/api/v1/events").json()["events"][0]["id"]
    assert other_tenant.get("/api/v1/events").json()["count"] == 0
    assert_error(other_tenant.get(f"/api/v1/events/{event_id}"), 404)
    assert_error(client.get("/api/v1/events"), 401)
    assert_error(tenant.get("/api/v1/events", headers=tenant.key_headers("jobs:write")), 403,
                 "missing_scope")
    reader = tenant.key_headers("webhooks:read")
    assert tenant.get(f"/api/v1/events/{event_id}", headers=reader).status_code == 200


def test_each_event_keeps_the_snapshot_of_its_moment(client, tenant):
    """Later changes do not rewrite history: job.created still shows the first title and
    status, job.updated the new title and what it replaced."""
    job_id = tenant.post("/api/v1/jobs", JOB).json()["job"]["id"]
    assert tenant.patch(f"/api/v1/jobs/{job_id}", {"title": "Staff Data Engineer"}).status_code == 200
    assert tenant.post(f"/api/v1/jobs/{job_id}/publish").status_code == 200
    events = {e["type"]: e["data"] for e in tenant.get("/api/v1/events").json()["events"]}
    assert events["job.created"]["job"]["title"] == "Data Engineer"
    assert events["job.created"]["job"]["status"] == "draft"
    assert events["job.updated"]["job"]["title"] == "Staff Data Engineer"
    assert events["job.updated"]["previous"] == {"title": "Data Engineer"}
    assert events["job.published"]["job"]["status"] == "open"
