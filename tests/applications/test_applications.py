from __future__ import annotations

import json

from sqlalchemy import select

from recruitiq.models import Event
from tests.support import assert_error, event_types, field_errors

CANDIDATE = {"firstName": "José", "lastName": "García", "email": "jose@example.com"}
STAGES = ["new", "screening", "interview", "reference_check", "background_check", "offer", "hired"]


def _open_job(tenant, title="Platform Engineer"):
    job_id = tenant.post("/api/v1/jobs", {"title": title, "department": "Engineering"}).json()["job"]["id"]
    assert tenant.post(f"/api/v1/jobs/{job_id}/publish").status_code == 200
    return job_id


def _apply(tenant, job_id, **extra):
    body = {"jobId": job_id, "candidate": CANDIDATE, "source": "careers_page"} | extra
    response = tenant.post("/api/v1/applications", body)
    assert response.status_code == 201, response.text
    return response.json()["application"]


def _payloads(client, tenant, event_type):
    with client.app.state.session_factory() as session:
        rows = session.scalars(
            select(Event).where(Event.organization_id == tenant.organization_id, Event.type == event_type).order_by(Event.created_at, Event.id)
        )
        return [json.loads(row.payload)["data"] for row in rows]


def test_apply_with_inline_candidate_emits_received_with_brief_payload(client, tenant):
    job_id = _open_job(tenant)
    application = _apply(tenant, job_id)
    assert application["stage"] == "new" and application["status"] == "active"
    assert application["candidateName"] == "José García"
    assert application["candidateEmail"] == "jose@example.com"
    assert application["source"] == "careers_page"
    # A second job: the same e-mail (any case) finds the same candidate instead of a new one.
    second = _apply(tenant, _open_job(tenant, "Designer"), candidate={**CANDIDATE, "email": "JOSE@example.com"})
    assert second["candidateId"] == application["candidateId"]
    assert event_types(client, tenant) == [
        "job.created", "job.published", "candidate.created", "application.received",
        "job.created", "job.published", "application.received",
    ]
    data = _payloads(client, tenant, "application.received")[0]
    assert data["job"] == {"id": job_id, "title": "Platform Engineer", "department": "Engineering"}
    brief_minimum = {"id", "jobId", "candidateId", "candidateName", "candidateEmail", "resumeUrl", "stage", "appliedAt"}
    assert brief_minimum <= set(data["application"])
    assert data["application"]["id"] == application["id"]


def test_apply_rules(client, tenant):
    job_id = _open_job(tenant)
    cid = tenant.post("/api/v1/candidates", CANDIDATE).json()["candidate"]["id"]
    tenant.post("/api/v1/applications", {"jobId": job_id, "candidateId": cid})
    assert_error(tenant.post("/api/v1/applications", {"jobId": job_id, "candidateId": cid}), 409, "application_exists")
    assert_error(tenant.post("/api/v1/applications", {"jobId": job_id, "candidate": CANDIDATE}), 409, "application_exists")
    draft = tenant.post("/api/v1/jobs", {"title": "Draft"}).json()["job"]["id"]
    assert_error(tenant.post("/api/v1/applications", {"jobId": draft, "candidateId": cid}), 409, "job_not_open")
    tenant.post(f"/api/v1/jobs/{job_id}/close")
    other = tenant.post("/api/v1/candidates", {**CANDIDATE, "email": "x@example.com"}).json()["candidate"]["id"]
    assert_error(tenant.post("/api/v1/applications", {"jobId": job_id, "candidateId": other}), 409, "job_not_open")
    assert tenant.get("/api/v1/applications").json()["count"] == 1


def test_bad_input_is_422_with_fields_and_writes_nothing(client, tenant):
    job_id = _open_job(tenant)
    cid = tenant.post("/api/v1/candidates", CANDIDATE).json()["candidate"]["id"]
    both = tenant.post("/api/v1/applications", {"jobId": job_id, "candidateId": cid, "candidate": CANDIDATE})
    assert field_errors(both) == {"candidateId", "candidate"}
    assert field_errors(tenant.post("/api/v1/applications", {"jobId": job_id})) == {"candidateId", "candidate"}
    assert field_errors(tenant.post("/api/v1/applications", {"jobId": "job_missing", "candidateId": cid})) == {"jobId"}
    assert field_errors(tenant.post("/api/v1/applications", {"jobId": job_id, "candidateId": "cand_missing"})) == {"candidateId"}
    inline_bad = tenant.post("/api/v1/applications", {"jobId": job_id, "candidate": {"firstName": "X", "email": "nope"}})
    assert {"candidate.lastName", "candidate.email"} <= field_errors(inline_bad)
    assert "bogus" in field_errors(tenant.post("/api/v1/applications", {"jobId": job_id, "candidateId": cid, "bogus": 1}))
    app_id = tenant.post("/api/v1/applications", {"jobId": job_id, "candidateId": cid}).json()["application"]["id"]
    assert field_errors(tenant.patch(f"/api/v1/applications/{app_id}", {"score": 101})) == {"score"}
    assert field_errors(tenant.patch(f"/api/v1/applications/{app_id}", {"assignedTo": "usr_missing"})) == {"assignedTo"}
    assert field_errors(tenant.put(f"/api/v1/applications/{app_id}/stage", {"stage": "lunch"})) == {"stage"}
    assert field_errors(tenant.post(f"/api/v1/applications/{app_id}/reject", {"reason": ""})) == {"reason"}
    assert field_errors(tenant.post(f"/api/v1/applications/{app_id}/notes", {})) == {"body"}
    assert "stage" in field_errors(tenant.get("/api/v1/applications", params={"stage": "lunch"}))
    application = tenant.get(f"/api/v1/applications/{app_id}").json()["application"]
    assert application["score"] is None and application["stage"] == "new"
    assert tenant.get("/api/v1/candidates").json()["count"] == 1
    assert event_types(client, tenant)[-1] == "application.received"
    assert event_types(client, tenant).count("application.received") == 1


def test_patch_score_and_assignee(client, tenant, other_tenant):
    app_id = _apply(tenant, _open_job(tenant))["id"]
    patched = tenant.patch(f"/api/v1/applications/{app_id}", {"score": 87, "assignedTo": tenant.user_id})
    assert patched.json()["application"]["score"] == 87
    assert patched.json()["application"]["assignedTo"] == tenant.user_id
    # Another organization's user is not a user of this one.
    foreign = tenant.patch(f"/api/v1/applications/{app_id}", {"assignedTo": other_tenant.user_id})
    assert field_errors(foreign) == {"assignedTo"}
    cleared = tenant.patch(f"/api/v1/applications/{app_id}", {"assignedTo": None}).json()["application"]
    assert cleared["assignedTo"] is None and cleared["score"] == 87


def test_stage_moves_record_history_and_emit(client, tenant):
    app_id = _apply(tenant, _open_job(tenant))["id"]
    reviewed = tenant.post(f"/api/v1/applications/{app_id}/review").json()["application"]
    assert reviewed["stage"] == "screening" and reviewed["reviewedAt"] is not None
    assert_error(tenant.post(f"/api/v1/applications/{app_id}/review"), 409, "invalid_transition")
    assert tenant.put(f"/api/v1/applications/{app_id}/stage", {"stage": "offer"}).json()["application"]["stage"] == "offer"
    assert tenant.put(f"/api/v1/applications/{app_id}/stage", {"stage": "interview"}).json()["application"]["stage"] == "interview"
    assert_error(tenant.put(f"/api/v1/applications/{app_id}/stage", {"stage": "interview"}), 409, "invalid_transition")
    detail = tenant.get(f"/api/v1/applications/{app_id}").json()["application"]
    moves = [(h["fromStage"], h["toStage"]) for h in detail["stageHistory"]]
    assert moves == [(None, "new"), ("new", "screening"), ("screening", "offer"), ("offer", "interview")]
    assert {h["actorType"] for h in detail["stageHistory"][1:]} == {"user"}
    assert detail["stageHistory"][1]["actorId"] == tenant.user_id
    types = event_types(client, tenant)
    assert types[types.index("application.received") + 1:] == [
        "application.stage_changed", "application.advanced", "application.reviewed",
        "application.stage_changed", "application.advanced",
        "application.stage_changed",  # backwards: no advanced
    ]
    back = _payloads(client, tenant, "application.stage_changed")[-1]
    assert back["previousStage"] == "offer" and back["application"]["stage"] == "interview"
    assert back["job"]["title"] == "Platform Engineer"


def test_api_key_actor_is_recorded(client, tenant):
    app_id = _apply(tenant, _open_job(tenant))["id"]
    key = tenant.key_headers("applications:write")
    tenant.put(f"/api/v1/applications/{app_id}/stage", {"stage": "interview"}, headers=key)
    history = tenant.get(f"/api/v1/applications/{app_id}").json()["application"]["stageHistory"]
    assert history[-1]["actorType"] == "api_key" and history[-1]["actorId"]


def test_hire_through_stage_and_onboarding(client, tenant):
    app_id = _apply(tenant, _open_job(tenant))["id"]
    assert_error(tenant.post(f"/api/v1/applications/{app_id}/onboarding"), 409, "invalid_transition")
    hired = tenant.put(f"/api/v1/applications/{app_id}/stage", {"stage": "hired"}).json()["application"]
    assert hired["stage"] == "hired" and hired["status"] == "hired" and hired["hiredAt"] is not None
    assert_error(tenant.post(f"/api/v1/applications/{app_id}/hire"), 409, "invalid_transition")
    assert_error(tenant.put(f"/api/v1/applications/{app_id}/stage", {"stage": "offer"}), 409, "invalid_transition")
    assert_error(tenant.post(f"/api/v1/applications/{app_id}/reject", {"reason": "x"}), 409, "invalid_transition")
    started = tenant.post(f"/api/v1/applications/{app_id}/onboarding").json()["application"]
    assert started["onboardingStartedAt"] is not None
    assert_error(tenant.post(f"/api/v1/applications/{app_id}/onboarding"), 409, "invalid_transition")
    types = event_types(client, tenant)
    assert types[types.index("application.received") + 1:] == [
        "application.stage_changed", "hire.completed", "hire.onboarding_started",
    ]
    completed = _payloads(client, tenant, "hire.completed")[0]
    assert completed["application"]["status"] == "hired"


def test_hire_endpoint_reject_and_withdraw(client, tenant):
    job_id = _open_job(tenant)
    hired_id = _apply(tenant, job_id)["id"]
    assert tenant.post(f"/api/v1/applications/{hired_id}/hire").json()["application"]["stage"] == "hired"
    rejected_id = _apply(tenant, job_id, candidate={**CANDIDATE, "email": "r@example.com"})["id"]
    rejected = tenant.post(f"/api/v1/applications/{rejected_id}/reject", {"reason": "Too junior"}).json()["application"]
    assert rejected["status"] == "rejected" and rejected["rejectionReason"] == "Too junior"
    assert_error(tenant.post(f"/api/v1/applications/{rejected_id}/withdraw"), 409, "invalid_transition")
    assert_error(tenant.put(f"/api/v1/applications/{rejected_id}/stage", {"stage": "screening"}), 409, "invalid_transition")
    withdrawn_id = _apply(tenant, job_id, candidate={**CANDIDATE, "email": "w@example.com"})["id"]
    withdrawn = tenant.post(f"/api/v1/applications/{withdrawn_id}/withdraw").json()["application"]
    assert withdrawn["status"] == "withdrawn" and withdrawn["withdrawnAt"] is not None
    assert_error(tenant.post(f"/api/v1/applications/{withdrawn_id}/review"), 409, "invalid_transition")
    types = [t for t in event_types(client, tenant) if not t.startswith(("job.", "candidate."))]
    assert types == [
        "application.received", "application.stage_changed", "hire.completed",
        "application.received", "application.rejected",
        "application.received", "application.withdrawn",
    ]
    assert _payloads(client, tenant, "application.rejected")[0]["reason"] == "Too junior"


def test_list_filters_and_pagination(client, tenant):
    job_a, job_b = _open_job(tenant, "A"), _open_job(tenant, "B")
    ids = [_apply(tenant, job_a, candidate={**CANDIDATE, "email": f"c{i}@example.com"})["id"] for i in range(4)]
    other = _apply(tenant, job_b)
    tenant.put(f"/api/v1/applications/{ids[0]}/stage", {"stage": "interview"})
    tenant.post(f"/api/v1/applications/{ids[1]}/reject", {"reason": "No"})

    def listed(**params):
        return [a["id"] for a in tenant.get("/api/v1/applications", params=params).json()["applications"]]

    assert listed(jobId=job_a) == list(reversed(ids))
    assert listed(jobId=job_b) == [other["id"]]
    assert listed(candidateId=other["candidateId"]) == [other["id"]]
    assert listed(stage="interview") == [ids[0]]
    assert listed(status="rejected") == [ids[1]]
    page = tenant.get("/api/v1/applications", params={"limit": 3}).json()
    rest = tenant.get("/api/v1/applications", params={"cursor": page["nextCursor"]}).json()
    assert [a["id"] for a in page["applications"] + rest["applications"]] == [other["id"], *reversed(ids)]


def test_notes_record_the_author(client, tenant):
    app_id = _apply(tenant, _open_job(tenant))["id"]
    note = tenant.post(f"/api/v1/applications/{app_id}/notes", {"body": "Strong system design."})
    assert note.status_code == 201
    assert note.json()["note"]["authorId"] == tenant.user_id and note.json()["note"]["authorType"] == "user"
    tenant.post(f"/api/v1/applications/{app_id}/notes", {"body": "Second"}, headers=tenant.key_headers("applications:write"))
    notes = tenant.get(f"/api/v1/applications/{app_id}/notes").json()
    assert [n["body"] for n in notes["notes"]] == ["Second", "Strong system design."]
    assert notes["notes"][0]["authorType"] == "api_key"


def test_pipeline_stages_are_ordered(client, tenant):
    stages = tenant.get("/api/v1/pipeline/stages").json()["stages"]
    assert [s["id"] for s in stages] == STAGES
    assert stages[3] == {"id": "reference_check", "name": "Reference Check", "position": 3}
    assert_error(client.get("/api/v1/pipeline/stages"), 401)
    assert_error(tenant.get("/api/v1/pipeline/stages", headers=tenant.key_headers("jobs:read")), 403, "missing_scope")


def test_auth_and_scopes(client, tenant):
    app_id = _apply(tenant, _open_job(tenant))["id"]
    assert_error(client.get("/api/v1/applications"), 401)
    assert_error(client.post(f"/api/v1/applications/{app_id}/review"), 401)
    reader = tenant.key_headers("applications:read")
    assert tenant.get(f"/api/v1/applications/{app_id}", headers=reader).status_code == 200
    assert tenant.get(f"/api/v1/applications/{app_id}/notes", headers=reader).status_code == 200
    writes = [
        ("post", "", {"jobId": "x", "candidateId": "y"}),
        ("patch", f"/{app_id}", {"score": 1}),
        ("post", f"/{app_id}/review", None),
        ("put", f"/{app_id}/stage", {"stage": "interview"}),
        ("post", f"/{app_id}/reject", {"reason": "x"}),
        ("post", f"/{app_id}/withdraw", None),
        ("post", f"/{app_id}/hire", None),
        ("post", f"/{app_id}/onboarding", None),
        ("post", f"/{app_id}/notes", {"body": "x"}),
    ]
    for method, suffix, body in writes:
        response = getattr(tenant, method)(f"/api/v1/applications{suffix}", body, headers=reader)
        assert_error(response, 403, "missing_scope")
    assert_error(tenant.get("/api/v1/applications", headers=tenant.key_headers("candidates:read")), 403, "missing_scope")
    assert tenant.get(f"/api/v1/applications/{app_id}").json()["application"]["stage"] == "new"


def test_other_tenant_sees_404_everywhere(client, tenant, other_tenant):
    job_id = _open_job(tenant)
    app_id = _apply(tenant, job_id)["id"]
    for method, suffix, body in [
        ("get", "", None),
        ("patch", "", {"score": 1}),
        ("post", "/review", None),
        ("put", "/stage", {"stage": "interview"}),
        ("post", "/reject", {"reason": "x"}),
        ("post", "/withdraw", None),
        ("post", "/hire", None),
        ("post", "/onboarding", None),
        ("post", "/notes", {"body": "x"}),
        ("get", "/notes", None),
    ]:
        call = getattr(other_tenant, method)
        response = call(f"/api/v1/applications/{app_id}{suffix}") if body is None else call(f"/api/v1/applications/{app_id}{suffix}", body)
        assert_error(response, 404)
    # Another organization's job or candidate in a body is an unknown reference.
    theirs = other_tenant.post("/api/v1/candidates", CANDIDATE).json()["candidate"]["id"]
    assert field_errors(other_tenant.post("/api/v1/applications", {"jobId": job_id, "candidateId": theirs})) == {"jobId"}
    assert other_tenant.get("/api/v1/applications").json()["count"] == 0
    assert tenant.get(f"/api/v1/applications/{app_id}").json()["application"]["status"] == "active"
    assert event_types(client, other_tenant) == ["candidate.created"]


def test_every_emitted_event_validates_against_its_spec(client, tenant):
    from recruitiq.applications.events import SPECS as APPLICATION_SPECS
    from recruitiq.candidates.events import SPECS as CANDIDATE_SPECS

    specs = {s.type: s for s in APPLICATION_SPECS + CANDIDATE_SPECS}
    job_id = _open_job(tenant)
    app_id = _apply(tenant, job_id)["id"]
    tenant.post(f"/api/v1/applications/{app_id}/review")
    tenant.post(f"/api/v1/applications/{app_id}/hire")
    tenant.post(f"/api/v1/applications/{app_id}/onboarding")
    other = _apply(tenant, job_id, candidate={**CANDIDATE, "email": "o@example.com"})
    tenant.post(f"/api/v1/applications/{other['id']}/reject", {"reason": "No"})
    checked = set()
    for event_type in specs:
        for data in _payloads(client, tenant, event_type):
            specs[event_type].data_model.model_validate(data)
            checked.add(event_type)
    for spec in specs.values():
        spec.data_model.model_validate(spec.sample)
    assert {"application.received", "application.reviewed", "application.advanced", "hire.completed",
            "hire.onboarding_started", "application.rejected", "candidate.created"} <= checked
