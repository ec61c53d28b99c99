from __future__ import annotations

from tests.support import assert_error, event_types, field_errors

JOB = {
    "title": "Senior Software Engineer",
    "department": "Engineering",
    "location": "Zürich",
    "description": "Build the integration layer.",
    "employmentType": "full_time",
    "salaryRange": {"min": 120000, "max": 160000, "currency": "CHF"},
}


def test_job_lifecycle_emits_events(client, tenant):
    created = tenant.post("/api/v1/jobs", JOB)
    assert created.status_code == 201, created.text
    job = created.json()["job"]
    assert job["status"] == "draft" and job["salaryRange"] == JOB["salaryRange"]
    job_id = job["id"]

    assert tenant.post(f"/api/v1/jobs/{job_id}/publish").json()["job"]["status"] == "open"
    patched = tenant.patch(f"/api/v1/jobs/{job_id}", {"title": "Staff Engineer"})
    assert patched.json()["job"]["title"] == "Staff Engineer"
    assert tenant.post(f"/api/v1/jobs/{job_id}/close").json()["job"]["status"] == "closed"
    assert tenant.put(f"/api/v1/jobs/{job_id}/status", {"status": "open"}).json()["job"]["status"] == "open"
    assert tenant.delete(f"/api/v1/jobs/{job_id}").status_code == 204
    assert_error(tenant.get(f"/api/v1/jobs/{job_id}"), 404)
    assert event_types(client, tenant) == [
        "job.created", "job.published", "job.updated", "job.closed", "job.published", "job.deleted",
    ]


def test_illegal_transitions_are_409_and_change_nothing(client, tenant):
    job_id = tenant.post("/api/v1/jobs", JOB).json()["job"]["id"]
    tenant.post(f"/api/v1/jobs/{job_id}/publish")
    assert_error(tenant.post(f"/api/v1/jobs/{job_id}/publish"), 409, "invalid_transition")
    assert_error(tenant.put(f"/api/v1/jobs/{job_id}/status", {"status": "draft"}), 409)
    assert tenant.get(f"/api/v1/jobs/{job_id}").json()["job"]["status"] == "open"
    assert event_types(client, tenant) == ["job.created", "job.published"]


def test_bad_input_is_422_with_fields_and_writes_nothing(client, tenant):
    bad = tenant.post(
        "/api/v1/jobs",
        {"title": "", "employmentType": "gig", "salaryRange": {"min": 5, "max": 1, "currency": "usd"}, "extra": 1},
    )
    fields = field_errors(bad)
    assert {"title", "employmentType", "extra"} <= fields
    assert any(f.startswith("salaryRange") for f in fields)
    unknown_manager = tenant.post("/api/v1/jobs", {**JOB, "hiringManagerId": "usr_missing"})
    assert field_errors(unknown_manager) == {"hiringManagerId"}
    assert tenant.get("/api/v1/jobs").json()["count"] == 0
    assert event_types(client, tenant) == []


def test_update_records_previous_values(client, tenant):
    job_id = tenant.post("/api/v1/jobs", JOB).json()["job"]["id"]
    tenant.patch(f"/api/v1/jobs/{job_id}", {"location": "Remote"})
    tenant.patch(f"/api/v1/jobs/{job_id}", {"location": "Remote"})  # no change, no event
    assert event_types(client, tenant) == ["job.created", "job.updated"]


def test_list_filters_and_cursor_pagination(client, tenant):
    ids = [tenant.post("/api/v1/jobs", {**JOB, "title": f"Job {i}"}).json()["job"]["id"] for i in range(7)]
    tenant.post(f"/api/v1/jobs/{ids[0]}/publish")
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = tenant.get("/api/v1/jobs", params=params).json()
        assert page["count"] == len(page["jobs"]) <= 3
        seen += [j["id"] for j in page["jobs"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert seen == list(reversed(ids))
    opened = tenant.get("/api/v1/jobs", params={"status": "open"}).json()["jobs"]
    assert [j["id"] for j in opened] == [ids[0]]
    assert "limit" in field_errors(tenant.get("/api/v1/jobs", params={"limit": 101}))
    assert "cursor" in field_errors(tenant.get("/api/v1/jobs", params={"cursor": "!!"}))
    created_after = tenant.get(f"/api/v1/jobs/{ids[3]}").json()["job"]["createdAt"]
    newer = tenant.get("/api/v1/jobs", params={"createdAfter": created_after}).json()["jobs"]
    assert [j["id"] for j in newer] == list(reversed(ids[4:]))


def test_other_tenant_sees_404(client, tenant, other_tenant):
    job_id = tenant.post("/api/v1/jobs", JOB).json()["job"]["id"]
    assert_error(other_tenant.get(f"/api/v1/jobs/{job_id}"), 404)
    assert_error(other_tenant.patch(f"/api/v1/jobs/{job_id}", {"title": "x"}), 404)
    assert_error(other_tenant.post(f"/api/v1/jobs/{job_id}/publish"), 404)
    assert_error(other_tenant.delete(f"/api/v1/jobs/{job_id}"), 404)
    assert other_tenant.get("/api/v1/jobs").json()["count"] == 0
    assert tenant.get(f"/api/v1/jobs/{job_id}").json()["job"]["status"] == "draft"


def test_idempotency_key_replays_first_response(client, tenant):
    headers = {**tenant.headers, "Idempotency-Key": "create-job-1"}
    first = client.post("/api/v1/jobs", json=JOB, headers=headers)
    again = client.post("/api/v1/jobs", json=JOB, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert tenant.get("/api/v1/jobs").json()["count"] == 1
    other_body = client.post("/api/v1/jobs", json={**JOB, "title": "Other"}, headers=headers)
    assert_error(other_body, 409, "idempotency_key_reused")
    assert event_types(client, tenant) == ["job.created"]
