from __future__ import annotations

from tests.interviews.pipeline import events_since, later, open_application, payloads
from tests.support import assert_error, event_types, field_errors

BASE = "/api/v1/interviews"


def interview_body(application_id: str, **overrides: object) -> dict[str, object]:
    return {
        "applicationId": application_id,
        "scheduledAt": later(days=2),
        "durationMinutes": 45,
        "timezone": "Europe/Zurich",
        "interviewers": ["Panel@Example.com"],
        "location": "Zürich office",
        "meetingUrl": "https://meet.example.com/abc",
        **overrides,
    }


def schedule(tenant, application_id: str, **overrides: object) -> dict:
    response = tenant.post(BASE, interview_body(application_id, **overrides))
    assert response.status_code == 201, response.text
    return response.json()["interview"]


def test_interview_lifecycle_emits_events_with_context(client, tenant):
    application = open_application(tenant)
    mark = len(event_types(client, tenant))
    interview = schedule(tenant, application["id"], interviewers=[tenant.user_id, "Panel@Example.com"])
    assert interview["status"] == "scheduled"
    assert interview["interviewers"] == [tenant.user_id, "panel@example.com"]
    assert interview["durationMinutes"] == 45 and interview["timezone"] == "Europe/Zurich"
    assert interview["endsAt"] > interview["scheduledAt"]
    interview_id = interview["id"]
    assert tenant.get(f"{BASE}/{interview_id}").json()["interview"] == interview

    new_start = later(days=3)
    moved = tenant.patch(f"{BASE}/{interview_id}", {"scheduledAt": new_start, "location": "Remote"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["interview"]["location"] == "Remote"

    feedback = tenant.post(
        f"{BASE}/{interview_id}/feedback", {"rating": 4, "recommendation": "yes", "notes": "Solid"}
    )
    assert feedback.status_code == 201, feedback.text
    assert feedback.json()["feedback"]["authorId"] == tenant.user_id
    completed = tenant.post(f"{BASE}/{interview_id}/complete")
    assert completed.json()["interview"]["status"] == "completed"
    assert completed.json()["interview"]["completedAt"] is not None
    # A second author (an API key) may still add feedback to the completed interview.
    by_key = tenant.post(
        f"{BASE}/{interview_id}/feedback",
        {"rating": 2, "recommendation": "strong_no", "notes": None},
        headers=tenant.key_headers("interviews:write"),
    )
    assert by_key.status_code == 201, by_key.text
    listed = tenant.get(f"{BASE}/{interview_id}/feedback").json()
    assert [f["rating"] for f in listed["feedback"]] == [4, 2] and listed["count"] == 2

    assert events_since(client, tenant, mark) == [
        "interview.scheduled",
        "interview.rescheduled",
        "interview.feedback_submitted",
        "interview.completed",
        "interview.feedback_submitted",
    ]
    scheduled = payloads(client, tenant, "interview.scheduled")[0]["data"]
    assert scheduled["application"]["id"] == application["id"]
    assert scheduled["application"]["candidateName"] == "José Müller"
    assert scheduled["job"]["title"] == "Platform Engineer"
    assert scheduled["panel"] == [
        {"userId": tenant.user_id, "email": tenant.email, "name": "Acme Admin"},
        {"userId": None, "email": "panel@example.com", "name": None},
    ]
    rescheduled = payloads(client, tenant, "interview.rescheduled")[0]["data"]
    assert rescheduled["previousScheduledAt"] == interview["scheduledAt"]
    assert rescheduled["previous"] == {
        "scheduledAt": interview["scheduledAt"], "location": "Zürich office",
    }
    assert rescheduled["interview"]["scheduledAt"] == moved.json()["interview"]["scheduledAt"]
    submitted = payloads(client, tenant, "interview.feedback_submitted")
    assert [p["data"]["feedback"]["recommendation"] for p in submitted] == ["yes", "strong_no"]


def test_cancel_with_reason_and_unchanged_patch_is_silent(client, tenant):
    application = open_application(tenant)
    interview = schedule(tenant, application["id"])
    mark = len(event_types(client, tenant))
    same = tenant.patch(f"{BASE}/{interview['id']}", {"location": "Zürich office"})
    assert same.status_code == 200
    cancelled = tenant.post(f"{BASE}/{interview['id']}/cancel", {"reason": "Candidate ill"})
    body = cancelled.json()["interview"]
    assert body["status"] == "cancelled" and body["cancellationReason"] == "Candidate ill"
    no_body = tenant.post(f"{BASE}/{schedule(tenant, application['id'])['id']}/cancel")
    assert no_body.status_code == 200 and no_body.json()["interview"]["cancellationReason"] is None
    assert events_since(client, tenant, mark) == [
        "interview.cancelled", "interview.scheduled", "interview.cancelled",
    ]


def test_illegal_transitions_are_409_and_change_nothing(client, tenant):
    application = open_application(tenant)
    done = schedule(tenant, application["id"])
    tenant.post(f"{BASE}/{done['id']}/complete")
    cancelled = schedule(tenant, application["id"])
    tenant.post(f"{BASE}/{cancelled['id']}/cancel")
    tenant.post(f"{BASE}/{done['id']}/feedback", {"rating": 5, "recommendation": "strong_yes"})
    mark = len(event_types(client, tenant))

    assert_error(tenant.post(f"{BASE}/{done['id']}/complete"), 409, "invalid_transition")
    assert_error(tenant.post(f"{BASE}/{done['id']}/cancel"), 409, "invalid_transition")
    assert_error(tenant.patch(f"{BASE}/{done['id']}", {"location": "x"}), 409, "invalid_transition")
    assert_error(tenant.post(f"{BASE}/{cancelled['id']}/complete"), 409, "invalid_transition")
    assert_error(
        tenant.post(f"{BASE}/{cancelled['id']}/feedback", {"rating": 3, "recommendation": "no"}),
        409, "invalid_transition",
    )
    assert_error(
        tenant.post(f"{BASE}/{done['id']}/feedback", {"rating": 1, "recommendation": "no"}),
        409, "feedback_exists",
    )
    rejected = tenant.post(f"/api/v1/applications/{application['id']}/reject", {"reason": "Role filled"})
    assert rejected.status_code == 200, rejected.text
    mark = len(event_types(client, tenant))
    assert_error(tenant.post(BASE, interview_body(application["id"])), 409, "application_not_active")

    assert tenant.get(f"{BASE}/{done['id']}").json()["interview"]["status"] == "completed"
    assert tenant.get(f"{BASE}/{done['id']}/feedback").json()["count"] == 1
    assert events_since(client, tenant, mark) == []


def test_bad_input_is_422_with_fields_and_writes_nothing(client, tenant):
    application = open_application(tenant)
    mark = len(event_types(client, tenant))
    bad = tenant.post(BASE, {
        "applicationId": application["id"],
        "scheduledAt": later(hours=-1),
        "durationMinutes": 10,
        "timezone": "Mars/Olympus_Mons",
        "interviewers": ["not-an-email@"],
        "meetingUrl": "javascript:alert(1)",
        "room": "A",
    })
    assert field_errors(bad) == {
        "scheduledAt", "durationMinutes", "timezone", "interviewers", "meetingUrl", "room",
    }
    naive = tenant.post(BASE, interview_body(application["id"], scheduledAt="2030-01-01T10:00:00"))
    assert field_errors(naive) == {"scheduledAt"}
    assert field_errors(tenant.post(BASE, interview_body(application["id"], durationMinutes=481))) == {
        "durationMinutes"
    }
    assert field_errors(tenant.post(BASE, interview_body(application["id"], interviewers=[]))) == {
        "interviewers"
    }
    unknown_user = tenant.post(BASE, interview_body(application["id"], interviewers=["a@b.example", "usr_nobody"]))
    assert field_errors(unknown_user) == {"interviewers.1"}
    assert field_errors(tenant.post(BASE, interview_body("app_missing"))) == {"applicationId"}
    assert tenant.get(BASE).json()["count"] == 0

    interview = schedule(tenant, application["id"])
    path = f"{BASE}/{interview['id']}"
    assert field_errors(tenant.patch(path, {"scheduledAt": later(minutes=-5)})) == {"scheduledAt"}
    assert field_errors(tenant.patch(path, {"scheduledAt": None})) == {"scheduledAt"}
    assert field_errors(tenant.patch(path, {"timezone": "Nowhere/Special"})) == {"timezone"}
    assert field_errors(tenant.patch(path, {"interviewers": ["usr_nobody"]})) == {"interviewers.0"}
    rating = tenant.post(f"{path}/feedback", {"rating": 6, "recommendation": "maybe"})
    assert field_errors(rating) == {"rating", "recommendation"}
    assert field_errors(tenant.post(f"{path}/feedback", {"rating": 0, "recommendation": "yes"})) == {
        "rating"
    }
    assert tenant.get(path).json()["interview"] == interview
    assert tenant.get(f"{path}/feedback").json()["count"] == 0
    assert events_since(client, tenant, mark) == ["interview.scheduled"]


def test_list_filters_and_pagination(client, tenant):
    first = open_application(tenant, "Ana")
    second = open_application(tenant, "Ben")
    soon = schedule(tenant, first["id"], scheduledAt=later(days=1))
    far = schedule(tenant, first["id"], scheduledAt=later(days=10))
    other = schedule(tenant, second["id"], scheduledAt=later(days=5))
    tenant.post(f"{BASE}/{far['id']}/cancel")

    def ids(**params: object) -> list[str]:
        response = tenant.get(BASE, params=params)
        assert response.status_code == 200, response.text
        return [i["id"] for i in response.json()["interviews"]]

    assert ids() == [other["id"], far["id"], soon["id"]]
    assert ids(applicationId=first["id"]) == [far["id"], soon["id"]]
    assert ids(status="cancelled") == [far["id"]]
    assert ids(scheduledAfter=later(days=3)) == [other["id"], far["id"]]
    assert ids(scheduledBefore=later(days=3)) == [soon["id"]]
    assert ids(scheduledAfter=later(days=3), scheduledBefore=later(days=7)) == [other["id"]]
    page = tenant.get(BASE, params={"limit": 2}).json()
    assert page["count"] == 2 and page["nextCursor"]
    rest = tenant.get(BASE, params={"limit": 2, "cursor": page["nextCursor"]}).json()
    assert [i["id"] for i in rest["interviews"]] == [soon["id"]] and rest["nextCursor"] is None
    assert "scheduledAfter" in field_errors(tenant.get(BASE, params={"scheduledAfter": "2030-01-01T00:00:00"}))
    assert "status" in field_errors(tenant.get(BASE, params={"status": "postponed"}))


def test_scopes_and_authentication(client, tenant):
    application = open_application(tenant)
    interview = schedule(tenant, application["id"])
    path = f"{BASE}/{interview['id']}"
    reader = tenant.key_headers("interviews:read")
    assert tenant.get(path, headers=reader).status_code == 200
    assert tenant.get(f"{path}/feedback", headers=reader).status_code == 200
    for response in (
        tenant.post(BASE, interview_body(application["id"]), headers=reader),
        tenant.patch(path, {"location": "x"}, headers=reader),
        tenant.post(f"{path}/complete", headers=reader),
        tenant.post(f"{path}/cancel", headers=reader),
        tenant.post(f"{path}/feedback", {"rating": 3, "recommendation": "yes"}, headers=reader),
    ):
        assert_error(response, 403, "missing_scope")
    unrelated = tenant.key_headers("offers:write")
    for response in (tenant.get(BASE, headers=unrelated), tenant.get(path, headers=unrelated),
                     tenant.get(f"{path}/feedback", headers=unrelated)):
        assert_error(response, 403, "missing_scope")
    assert_error(client.get(BASE), 401)
    assert_error(client.post(f"{path}/complete"), 401)
    assert tenant.get(path).json()["interview"]["status"] == "scheduled"


def test_other_organization_sees_404_everywhere(client, tenant, other_tenant):
    application = open_application(tenant)
    interview = schedule(tenant, application["id"])
    path = f"{BASE}/{interview['id']}"
    mark = len(event_types(client, tenant))
    for response in (
        other_tenant.get(path),
        other_tenant.patch(path, {"location": "x"}),
        other_tenant.post(f"{path}/complete"),
        other_tenant.post(f"{path}/cancel"),
        other_tenant.post(f"{path}/feedback", {"rating": 3, "recommendation": "yes"}),
        other_tenant.get(f"{path}/feedback"),
    ):
        assert_error(response, 404, "not_found")
    # An id in the body that belongs to someone else is a field error, like an unknown id.
    assert field_errors(other_tenant.post(BASE, interview_body(application["id"]))) == {"applicationId"}
    assert other_tenant.get(BASE).json()["count"] == 0
    assert other_tenant.get(BASE, params={"applicationId": application["id"]}).json()["count"] == 0
    # Another organization's user cannot sit on this panel.
    foreign_user = tenant.post(BASE, interview_body(application["id"], interviewers=[other_tenant.user_id]))
    assert field_errors(foreign_user) == {"interviewers.0"}
    assert tenant.get(path).json()["interview"] == interview
    assert events_since(client, tenant, mark) == []
    assert event_types(client, other_tenant) == []
