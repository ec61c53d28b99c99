from __future__ import annotations

from recruitiq.models import Candidate
from tests.support import assert_error, event_types, field_errors

JOSE = {
    "firstName": "José",
    "lastName": "García",
    "email": "Jose.Garcia@Example.com",
    "phone": "+34 600 000 000",
    "currentTitle": "Backend Engineer",
    "tags": [" python ", "Python", "remote"],
}
MULLER = {"firstName": "Anna", "lastName": "MÜLLER", "email": "anna@example.de", "tags": ["go"]}
JOB = {"title": "Platform Engineer", "department": "Engineering"}


def _create(tenant, body=JOSE):
    response = tenant.post("/api/v1/candidates", body)
    assert response.status_code == 201, response.text
    return response.json()["candidate"]


def _open_job(tenant, title="Platform Engineer"):
    job_id = tenant.post("/api/v1/jobs", {**JOB, "title": title}).json()["job"]["id"]
    assert tenant.post(f"/api/v1/jobs/{job_id}/publish").status_code == 200
    return job_id


def _apply(tenant, job_id, candidate_id):
    response = tenant.post("/api/v1/applications", {"jobId": job_id, "candidateId": candidate_id})
    assert response.status_code == 201, response.text
    return response.json()["application"]["id"]


def test_create_normalises_and_lifecycle_emits_events(client, tenant):
    candidate = _create(tenant)
    assert candidate["email"] == "jose.garcia@example.com"
    assert candidate["tags"] == ["python", "remote"]
    assert candidate["fullName"] == "José García"
    assert candidate["resumeUrl"] is None
    cid = candidate["id"]

    assert tenant.get(f"/api/v1/candidates/{cid}").json()["candidate"] == candidate
    patched = tenant.patch(f"/api/v1/candidates/{cid}", {"currentTitle": "Staff Engineer"})
    assert patched.json()["candidate"]["currentTitle"] == "Staff Engineer"
    tenant.patch(f"/api/v1/candidates/{cid}", {"currentTitle": "Staff Engineer"})  # no change
    tagged = tenant.post(f"/api/v1/candidates/{cid}/tags", {"tags": ["REMOTE", "lead", " lead "]})
    assert tagged.json()["candidate"]["tags"] == ["python", "remote", "lead"]
    tenant.post(f"/api/v1/candidates/{cid}/tags", {"tags": ["Lead"]})  # nothing new, no event
    assert tenant.delete(f"/api/v1/candidates/{cid}").status_code == 204
    assert_error(tenant.get(f"/api/v1/candidates/{cid}"), 404)
    assert event_types(client, tenant) == [
        "candidate.created", "candidate.updated", "candidate.tagged", "candidate.deleted",
    ]


def test_event_data_carries_previous_values_and_added_tags(client, tenant):
    from sqlalchemy import select

    from recruitiq.models import Event

    cid = _create(tenant)["id"]
    tenant.patch(f"/api/v1/candidates/{cid}", {"currentTitle": "CTO"})
    tenant.post(f"/api/v1/candidates/{cid}/tags", {"tags": ["lead", "python"]})
    with client.app.state.session_factory() as session:
        events = list(session.scalars(select(Event).where(Event.organization_id == tenant.organization_id).order_by(Event.created_at, Event.id)))
    import json

    updated, tagged = (json.loads(e.payload)["data"] for e in events[1:])
    assert updated["previous"] == {"currentTitle": "Backend Engineer"}
    assert updated["candidate"]["currentTitle"] == "CTO"
    assert tagged["tags"] == ["lead"]


def test_email_unique_per_organization_case_insensitive(client, tenant, other_tenant):
    first = _create(tenant)
    clash = tenant.post("/api/v1/candidates", {**JOSE, "email": "JOSE.GARCIA@example.com"})
    assert assert_error(clash, 409, "candidate_exists")["details"][0]["field"] == "email"
    other = _create(tenant, MULLER)
    assert_error(tenant.patch(f"/api/v1/candidates/{other['id']}", {"email": first["email"]}), 409, "candidate_exists")
    # Another organization may hold the same person; a deleted candidate frees the e-mail.
    _create(other_tenant)
    tenant.delete(f"/api/v1/candidates/{first['id']}")
    _create(tenant)
    assert event_types(client, tenant).count("candidate.created") == 3


def test_search_is_case_and_accent_insensitive(client, tenant):
    jose = _create(tenant)["id"]
    muller = _create(tenant, MULLER)["id"]
    _create(tenant, {"firstName": "Li", "lastName": "Wei", "email": "li@example.cn", "currentTitle": "Designer"})

    def found(**params):
        return [c["id"] for c in tenant.get("/api/v1/candidates", params=params).json()["candidates"]]

    assert found(q="jose") == [jose]
    assert found(q="GARCIA jose") == [jose]
    assert found(q="muller") == [muller]
    assert found(q="Müller") == [muller]
    assert found(q="backend") == [jose]
    assert found(q="remote") == [jose]
    assert found(q="example.de") == [muller]
    assert found(q="100%") == []
    assert found(tag="GO") == [muller]
    assert found(tag="python") == [jose]
    assert found(tag="pyth") == []
    assert found(email="ANNA@example.de") == [muller]
    tenant.patch(f"/api/v1/candidates/{muller}", {"lastName": "Schmidt"})
    assert found(q="muller") == []
    tenant.post(f"/api/v1/candidates/{muller}/tags", {"tags": ["Señor"]})
    assert found(q="senor") == [muller]


def test_list_pagination_and_created_after(client, tenant):
    ids = [_create(tenant, {**MULLER, "email": f"c{i}@example.com"})["id"] for i in range(5)]
    page = tenant.get("/api/v1/candidates", params={"limit": 2}).json()
    assert [c["id"] for c in page["candidates"]] == [ids[4], ids[3]]
    rest = tenant.get("/api/v1/candidates", params={"limit": 10, "cursor": page["nextCursor"]}).json()
    assert [c["id"] for c in rest["candidates"]] == [ids[2], ids[1], ids[0]]
    assert rest["nextCursor"] is None
    created = tenant.get(f"/api/v1/candidates/{ids[2]}").json()["candidate"]["createdAt"]
    newer = tenant.get("/api/v1/candidates", params={"createdAfter": created}).json()["candidates"]
    assert [c["id"] for c in newer] == [ids[4], ids[3]]


def test_bad_input_is_422_with_fields_and_writes_nothing(client, tenant):
    bad = tenant.post(
        "/api/v1/candidates",
        {"firstName": "", "email": "not-an-email", "linkedinUrl": "javascript:alert(1)", "tags": [""], "nickname": "x"},
    )
    fields = field_errors(bad)
    assert {"firstName", "lastName", "email", "linkedinUrl", "nickname"} <= fields
    assert any(f.startswith("tags") for f in fields)
    cid = _create(tenant)["id"]
    assert "email" in field_errors(tenant.patch(f"/api/v1/candidates/{cid}", {"email": None}))
    assert "firstName" in field_errors(tenant.patch(f"/api/v1/candidates/{cid}", {"firstName": None}))
    assert "tags" in field_errors(tenant.post(f"/api/v1/candidates/{cid}/tags", {"tags": []}))
    assert tenant.get("/api/v1/candidates").json()["count"] == 1
    assert event_types(client, tenant) == ["candidate.created"]


def test_auth_and_scopes(client, tenant):
    assert_error(client.get("/api/v1/candidates"), 401)
    cid = _create(tenant)["id"]
    reader = tenant.key_headers("candidates:read")
    assert tenant.get(f"/api/v1/candidates/{cid}", headers=reader).status_code == 200
    assert_error(tenant.post("/api/v1/candidates", MULLER, headers=reader), 403, "missing_scope")
    assert_error(tenant.patch(f"/api/v1/candidates/{cid}", {"phone": "1"}, headers=reader), 403, "missing_scope")
    assert_error(tenant.delete(f"/api/v1/candidates/{cid}", headers=reader), 403, "missing_scope")
    assert_error(tenant.post(f"/api/v1/candidates/{cid}/tags", {"tags": ["a"]}, headers=reader), 403, "missing_scope")
    assert_error(tenant.post(f"/api/v1/candidates/{cid}/merge", {"duplicateId": cid}, headers=reader), 403, "missing_scope")
    jobs_only = tenant.key_headers("jobs:read")
    assert_error(tenant.get("/api/v1/candidates", headers=jobs_only), 403, "missing_scope")
    writer = tenant.key_headers("candidates:write")
    assert tenant.post("/api/v1/candidates", MULLER, headers=writer).status_code == 201


def test_other_tenant_sees_404_everywhere(client, tenant, other_tenant):
    cid = _create(tenant)["id"]
    theirs = _create(other_tenant, MULLER)["id"]
    assert_error(other_tenant.get(f"/api/v1/candidates/{cid}"), 404)
    assert_error(other_tenant.patch(f"/api/v1/candidates/{cid}", {"phone": "1"}), 404)
    assert_error(other_tenant.delete(f"/api/v1/candidates/{cid}"), 404)
    assert_error(other_tenant.post(f"/api/v1/candidates/{cid}/tags", {"tags": ["x"]}), 404)
    assert_error(other_tenant.post(f"/api/v1/candidates/{cid}/merge", {"duplicateId": theirs}), 404)
    # Another organization's candidate as the duplicate is an unknown reference.
    assert field_errors(tenant.post(f"/api/v1/candidates/{cid}/merge", {"duplicateId": theirs})) == {"duplicateId"}
    assert other_tenant.get("/api/v1/candidates", params={"q": "jose"}).json()["count"] == 0
    assert tenant.get(f"/api/v1/candidates/{cid}").json()["candidate"]["tags"] == ["python", "remote"]
    assert event_types(client, tenant) == ["candidate.created"]


def test_resume_url_points_at_the_authenticated_api(client, tenant):
    cid = _create(tenant)["id"]
    with client.app.state.session_factory() as session:
        session.get(Candidate, cid).resume_path = "resumes/x.pdf"
        session.commit()
    url = tenant.get(f"/api/v1/candidates/{cid}").json()["candidate"]["resumeUrl"]
    assert url.endswith(f"/api/v1/candidates/{cid}/resume") and url.startswith("http")


def test_merge_moves_applications_unions_tags_fills_fields(client, tenant):
    job_a, job_b = _open_job(tenant, "A"), _open_job(tenant, "B")
    keeper = _create(tenant, {**JOSE, "phone": None, "tags": ["python"]})["id"]
    duplicate = _create(tenant, {**JOSE, "email": "jose@old.example", "phone": "+34 1", "location": "Madrid", "tags": ["Python", "referral"]})["id"]
    app_a = _apply(tenant, job_a, duplicate)

    merged = tenant.post(f"/api/v1/candidates/{keeper}/merge", {"duplicateId": duplicate})
    assert merged.status_code == 200, merged.text
    body = merged.json()
    assert body["candidate"]["tags"] == ["python", "referral"]
    assert body["candidate"]["phone"] == "+34 1" and body["candidate"]["location"] == "Madrid"
    assert body["candidate"]["email"] == "jose.garcia@example.com"
    assert body["merge"] == {"duplicateId": duplicate, "movedApplicationIds": [app_a], "conflicts": []}
    assert tenant.get(f"/api/v1/applications/{app_a}").json()["application"]["candidateId"] == keeper
    assert_error(tenant.get(f"/api/v1/candidates/{duplicate}"), 404)
    assert tenant.get("/api/v1/candidates", params={"q": "referral"}).json()["candidates"][0]["id"] == keeper
    # The duplicate's e-mail is free again.
    assert tenant.post("/api/v1/candidates", {**JOSE, "email": "jose@old.example"}).status_code == 201
    _apply(tenant, job_b, keeper)
    assert event_types(client, tenant)[-4:] == [
        "application.received", "candidate.merged", "candidate.created", "application.received",
    ]


def test_merge_conflict_keeps_the_older_application(client, tenant):
    job_a, job_b = _open_job(tenant, "A"), _open_job(tenant, "B")
    keeper = _create(tenant)["id"]
    duplicate = _create(tenant, MULLER)["id"]
    older_dup = _apply(tenant, job_a, duplicate)  # older than the keeper's on job A
    newer_keep = _apply(tenant, job_a, keeper)
    older_keep = _apply(tenant, job_b, keeper)  # older than the duplicate's on job B
    newer_dup = _apply(tenant, job_b, duplicate)

    body = tenant.post(f"/api/v1/candidates/{keeper}/merge", {"duplicateId": duplicate}).json()
    assert body["merge"]["movedApplicationIds"] == [older_dup]
    conflicts = {c["jobId"]: c for c in body["merge"]["conflicts"]}
    assert conflicts[job_a] == {"jobId": job_a, "keptApplicationId": older_dup, "droppedApplicationId": newer_keep}
    assert conflicts[job_b] == {"jobId": job_b, "keptApplicationId": older_keep, "droppedApplicationId": newer_dup}
    listed = tenant.get("/api/v1/applications", params={"candidateId": keeper}).json()["applications"]
    assert sorted(a["id"] for a in listed) == sorted([older_dup, older_keep])
    dropped = tenant.get(f"/api/v1/applications/{newer_keep}").json()["application"]
    assert dropped["supersededById"] == older_dup and dropped["candidateId"] == duplicate
    assert tenant.get("/api/v1/applications").json()["count"] == 2


def test_merge_into_itself_is_422_and_missing_duplicate_is_422(client, tenant):
    cid = _create(tenant)["id"]
    assert field_errors(tenant.post(f"/api/v1/candidates/{cid}/merge", {"duplicateId": cid})) == {"duplicateId"}
    assert field_errors(tenant.post(f"/api/v1/candidates/{cid}/merge", {"duplicateId": "cand_missing"})) == {"duplicateId"}
    assert "duplicateId" in field_errors(tenant.post(f"/api/v1/candidates/{cid}/merge", {}))
    assert event_types(client, tenant) == ["candidate.created"]
