from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from recruitiq.audit.service import purge_older_than
from recruitiq.kit.clock import utcnow
from recruitiq.models import AuditEvent
from tests.support import assert_error, field_errors

JOB = {"title": "Platform Engineer", "department": "Engineering", "location": "Berlin"}


def _audit(tenant, **params):
    response = tenant.get("/api/v1/audit-events", params=params)
    assert response.status_code == 200, response.text
    return response.json()["auditEvents"]


def _summary(rows):
    """Oldest first, as (action, resourceType, changedFields)."""
    return [(r["action"], r["resourceType"], r["changedFields"]) for r in reversed(rows)]


def test_mutations_are_recorded_with_actor_verb_fields_and_request_id(client, tenant):
    created = tenant.post("/api/v1/jobs", JOB, headers={**tenant.headers, "X-Request-Id": "req-create-1"})
    job_id = created.json()["job"]["id"]
    tenant.post(f"/api/v1/jobs/{job_id}/publish")
    tenant.patch(f"/api/v1/jobs/{job_id}", {"location": "Remote"})
    tenant.delete(f"/api/v1/jobs/{job_id}")

    rows = _audit(tenant, resourceType="job")
    assert _summary(rows) == [
        ("create", "job", ["department", "employmentType", "location", "status", "title"]),
        ("job.publish", "job", ["publishedAt", "status"]),
        ("update", "job", ["location"]),
        ("delete", "job", ["deletedAt"]),
    ]
    assert {r["resourceId"] for r in rows} == {job_id}
    assert {(r["actorType"], r["actorId"]) for r in rows} == {("user", tenant.user_id)}
    assert rows[-1]["requestId"] == "req-create-1"
    assert all(r["requestId"] for r in rows)
    assert len({r["requestId"] for r in rows}) == 4
    # Filters: by action and by resource id.
    assert [r["action"] for r in _audit(tenant, action="job.publish")] == ["job.publish"]
    assert len(_audit(tenant, resourceId=job_id)) == 4


def test_api_key_actor_and_key_lifecycle_without_secrets(client, tenant):
    created = tenant.post("/api/v1/api-keys", {"name": "Zapier", "scopes": ["jobs:write"]})
    assert created.status_code == 201, created.text
    key = created.json()["apiKey"]
    secret = key["key"]
    key_headers = {"Authorization": f"Bearer {secret}"}
    job_id = tenant.post("/api/v1/jobs", JOB, headers=key_headers).json()["job"]["id"]
    assert tenant.delete(f"/api/v1/api-keys/{key['id']}").status_code == 204

    rows = _audit(tenant)
    assert _summary(rows) == [
        ("create", "api_key", ["createdByUserId", "keyHash", "name", "prefix", "scopes"]),
        ("create", "job", ["department", "employmentType", "location", "status", "title"]),
        ("delete", "api_key", ["revokedAt"]),
    ]
    by_resource = {r["resourceType"]: r for r in rows if r["action"] == "create"}
    assert by_resource["job"]["actorType"] == "api_key"
    assert by_resource["job"]["actorId"] == key["id"]
    assert by_resource["api_key"]["resourceId"] == key["id"]
    assert by_resource["api_key"]["actorId"] == tenant.user_id
    assert [r["resourceId"] for r in _audit(tenant, actorId=key["id"])] == [job_id]
    # The stored rows hold names, never values: no key, hash, password or job text anywhere.
    factory = client.app.state.session_factory
    with factory() as session:
        stored = [
            repr(list(row))
            for row in session.execute(select(AuditEvent.__table__))
        ]
    dump = " ".join(stored)
    for needle in (secret, secret[-12:], tenant.password, "Platform Engineer", "Berlin", "Zapier"):
        assert needle not in dump


def test_reads_and_failed_writes_are_not_recorded(client, tenant):
    job_id = tenant.post("/api/v1/jobs", JOB).json()["job"]["id"]
    tenant.get("/api/v1/jobs")
    tenant.get(f"/api/v1/jobs/{job_id}")
    tenant.get("/api/v1/audit-events")
    field_errors(tenant.post("/api/v1/jobs", {"title": ""}))
    tenant.post(f"/api/v1/jobs/{job_id}/close")
    assert_error(tenant.post(f"/api/v1/jobs/{job_id}/close"), 409)  # rolled back, not audited
    tenant.patch(f"/api/v1/jobs/{job_id}", {"location": JOB["location"]})  # no change
    assert [r["action"] for r in reversed(_audit(tenant))] == ["create", "job.close"]


def test_other_organization_sees_nothing(client, tenant, other_tenant):
    tenant.post("/api/v1/jobs", JOB)
    other_tenant.post("/api/v1/jobs", JOB)
    mine = _audit(tenant)
    theirs = _audit(other_tenant)
    assert len(mine) == len(theirs) == 1
    assert mine[0]["organizationId"] == tenant.organization_id
    assert theirs[0]["organizationId"] == other_tenant.organization_id
    assert _audit(other_tenant, resourceId=mine[0]["resourceId"]) == []


def test_access_rules_and_pagination(client, tenant):
    for i in range(5):
        tenant.post("/api/v1/jobs", {**JOB, "title": f"Job {i}"})
    assert_error(client.get("/api/v1/audit-events"), 401)
    assert_error(tenant.get("/api/v1/audit-events", headers=tenant.key_headers("jobs:read")), 403, "missing_scope")
    assert_error(tenant.get("/api/v1/audit-events", headers=tenant.key_headers("reports:read")), 403, "missing_scope")
    reporter = tenant.get("/api/v1/audit-events", headers=tenant.key_headers("audit:read"), params={"resourceType": "job"})
    assert reporter.status_code == 200 and reporter.json()["count"] == 5
    recruiter = tenant.post(
        "/api/v1/users",
        {"name": "Rita Recruiter", "email": "rita@acme.example", "password": "a long enough password", "role": "recruiter"},
    )
    assert recruiter.status_code == 201, recruiter.text
    login = client.post("/api/v1/auth/login", json={"email": "rita@acme.example", "password": "a long enough password"})
    recruiter_headers = {"Authorization": f"Bearer {login.json()['accessToken']}"}
    assert_error(tenant.get("/api/v1/audit-events", headers=recruiter_headers), 403, "missing_scope")

    seen, cursor = [], None
    while True:
        page = tenant.get("/api/v1/audit-events", params={"limit": 2, "resourceType": "job"} | ({"cursor": cursor} if cursor else {})).json()
        seen += page["auditEvents"]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert len(seen) == 5 and len({r["id"] for r in seen}) == 5
    assert "createdAfter" in field_errors(tenant.get("/api/v1/audit-events", params={"createdAfter": "2026-01-01T00:00:00"}))
    later = tenant.get("/api/v1/audit-events", params={"createdAfter": seen[1]["createdAt"], "resourceType": "job"}).json()
    assert {r["id"] for r in later["auditEvents"]} <= {seen[0]["id"]}


def test_retention_purges_only_old_rows(client, tenant):
    tenant.post("/api/v1/jobs", JOB)
    factory = client.app.state.session_factory
    with factory() as session:
        assert purge_older_than(session, 90) == 0
        assert purge_older_than(session, 90, now=utcnow() + timedelta(days=91)) == 1
        session.commit()
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def _audit_dump(client) -> str:
    with client.app.state.session_factory() as session:
        return " ".join(repr(list(row)) for row in session.execute(select(AuditEvent.__table__)))


def test_pipeline_verbs_and_erasure_leave_no_personal_data(client, tenant):
    job_id = tenant.post("/api/v1/jobs", JOB).json()["job"]["id"]
    tenant.post(f"/api/v1/jobs/{job_id}/publish")
    person = {"firstName": "Søren", "lastName": "Kierkegaard-Audit", "email": "soren.audit@example.com",
              "phone": "+45 11 22 33 44"}
    created = tenant.post("/api/v1/applications", {"jobId": job_id, "candidate": person})
    assert created.status_code == 201, created.text
    application = created.json()["application"]
    app_id, candidate_id = application["id"], application["candidateId"]
    assert tenant.put(f"/api/v1/applications/{app_id}/stage", {"stage": "screening"}).status_code == 200
    assert tenant.post(f"/api/v1/applications/{app_id}/reject", {"reason": "Timing"}).status_code == 200
    assert tenant.delete(f"/api/v1/candidates/{candidate_id}", params={"erase": "true"}).status_code == 204

    by_resource = {}
    for row in reversed(_audit(tenant)):
        by_resource.setdefault(row["resourceType"], []).append(row["action"])
    assert by_resource["application"] == ["create", "application.stage", "application.reject"]
    assert by_resource["candidate"][0] == "create" and by_resource["candidate"][-1] == "erase"
    assert by_resource["stage_change"] == ["create", "create"]
    erased = _audit(tenant, resourceId=candidate_id, action="erase")[0]
    assert {"email", "firstName", "lastName", "phone"} <= set(erased["changedFields"])
    dump = _audit_dump(client)
    for needle in ("Søren", "Kierkegaard", "soren.audit", "+45 11", "Timing"):
        assert needle not in dump
