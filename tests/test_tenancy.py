"""One walk over every route: another organization's ids are 404 everywhere, change nothing,
and never leak through list filters or body references.

The routes come from the OpenAPI document, so a new route is walked automatically; a route
whose path parameter this test cannot fill, or whose request body it does not know, fails
the test until it is added here.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.resumes.files import pdf_with_text
from tests.support import Tenant

PDF = pdf_with_text("Ana Lima, platform engineer")


def _later(**delta: float) -> str:
    return (datetime.now(UTC) + timedelta(**delta)).isoformat()


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code in (status, 201, 202), response.text
    return response.json()  # type: ignore[no-any-return]


def build_world(tenant: Tenant) -> dict[str, str]:
    """One of every resource, created through the API; returns path parameter → id."""
    job = _ok(tenant.post("/api/v1/jobs", {"title": "Platform Engineer"}))["job"]["id"]
    _ok(tenant.post(f"/api/v1/jobs/{job}/publish"))
    candidate = _ok(
        tenant.post(
            "/api/v1/candidates",
            {"firstName": "Ana", "lastName": "Lima", "email": "ana@acme.example"},
        )
    )["candidate"]["id"]
    application = _ok(
        tenant.post("/api/v1/applications", {"jobId": job, "candidateId": candidate})
    )["application"]["id"]
    _ok(tenant.post(f"/api/v1/applications/{application}/notes", {"body": "Strong portfolio"}))
    interview = _ok(
        tenant.post(
            "/api/v1/interviews",
            {
                "applicationId": application,
                "scheduledAt": _later(days=2),
                "durationMinutes": 45,
                "timezone": "UTC",
                "interviewers": [tenant.user_id],
            },
        )
    )["interview"]["id"]
    offer = _ok(
        tenant.post(
            "/api/v1/offers",
            {
                "applicationId": application,
                "salary": 100000,
                "currency": "EUR",
                "startDate": (datetime.now(UTC) + timedelta(days=30)).date().isoformat(),
                "expiresAt": _later(days=7),
            },
        )
    )["offer"]["id"]
    webhook = _ok(
        tenant.post("/api/v1/webhooks", {"url": "http://127.0.0.1:9/hook", "events": ["*"]})
    )["webhook"]["id"]
    _ok(tenant.patch(f"/api/v1/jobs/{job}", {"description": "Now with a delivery"}))
    delivery_id = _ok(tenant.get(f"/api/v1/webhooks/{webhook}/events"))["events"][0]["id"]
    event = _ok(tenant.get("/api/v1/events", params={"limit": 1}))["events"][0]["id"]
    message = _ok(
        tenant.post(
            f"/api/v1/candidates/{candidate}/emails", {"subject": "Hello", "text": "Hi Ana"}
        ),
        202,
    )["message"]["id"]
    _ok(
        tenant.client.put(
            f"/api/v1/candidates/{candidate}/resume",
            files={"file": ("cv.pdf", PDF, "application/pdf")},
            headers=tenant.headers,
        )
    )
    key = _ok(tenant.post("/api/v1/api-keys", {"name": "walker", "scopes": ["jobs:read"]}))
    user = _ok(
        tenant.post(
            "/api/v1/users",
            {
                "name": "Rita Recruiter",
                "email": "rita@acme.example",
                "password": "a long password",
            },
        )
    )["user"]["id"]
    return {
        "job_id": job,
        "candidate_id": candidate,
        "application_id": application,
        "interview_id": interview,
        "offer_id": offer,
        "webhook_id": webhook,
        "delivery_id": delivery_id,
        "event_id": event,
        "message_id": message,
        "key_id": key["apiKey"]["id"],
        "user_id": user,
    }


# Valid bodies, so that a 404 cannot hide behind a 422.
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("PATCH", "/api/v1/jobs/{job_id}"): {"title": "Hijacked"},
    ("PUT", "/api/v1/jobs/{job_id}/status"): {"status": "closed"},
    ("PATCH", "/api/v1/candidates/{candidate_id}"): {"firstName": "Hijacked"},
    ("POST", "/api/v1/candidates/{candidate_id}/tags"): {"tags": ["hijacked"]},
    ("POST", "/api/v1/candidates/{candidate_id}/emails"): {"subject": "x", "text": "y"},
    ("POST", "/api/v1/candidates/{candidate_id}/merge"): {"duplicateId": "cand_000000000000"},
    ("PATCH", "/api/v1/applications/{application_id}"): {"score": 1},
    ("PUT", "/api/v1/applications/{application_id}/stage"): {"stage": "screening"},
    ("POST", "/api/v1/applications/{application_id}/reject"): {"reason": "hijacked"},
    ("POST", "/api/v1/applications/{application_id}/notes"): {"body": "hijacked"},
    ("PATCH", "/api/v1/interviews/{interview_id}"): {"durationMinutes": 30},
    ("POST", "/api/v1/interviews/{interview_id}/cancel"): {},
    ("POST", "/api/v1/interviews/{interview_id}/feedback"): {
        "rating": 3,
        "recommendation": "yes",
        "notes": "x",
    },
    ("PATCH", "/api/v1/offers/{offer_id}"): {"salary": 1},
    ("POST", "/api/v1/offers/{offer_id}/decline"): {},
    ("PUT", "/api/v1/webhooks/{webhook_id}"): {"description": "hijacked"},
    ("POST", "/api/v1/webhooks/{webhook_id}/recover"): {"since": "2020-01-01T00:00:00Z"},
}
NOT_IDS = {"resource"}  # /exports/{resource} names a kind, not a row


def _fill(path: str, ids: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in ids, (
            f"the tenancy walk cannot fill {{{name}}} in {path}: add it to build_world"
        )
        return ids[name]

    return re.sub(r"\{([a-z_]+)\}", replace, path)


def _snapshot(tenant: Tenant, ids: dict[str, str]) -> dict[str, Any]:
    reads = {
        "job": f"/api/v1/jobs/{ids['job_id']}",
        "candidate": f"/api/v1/candidates/{ids['candidate_id']}",
        "application": f"/api/v1/applications/{ids['application_id']}",
        "interview": f"/api/v1/interviews/{ids['interview_id']}",
        "offer": f"/api/v1/offers/{ids['offer_id']}",
        "webhook": f"/api/v1/webhooks/{ids['webhook_id']}",
        "notes": f"/api/v1/applications/{ids['application_id']}/notes",
        "keys": "/api/v1/api-keys",
        "users": "/api/v1/users",
    }
    snapshot = {}
    for name, path in reads.items():
        body = _ok(tenant.get(path))
        body.pop("requestId", None)
        snapshot[name] = body
    return snapshot


def test_every_route_hides_other_organizations(client, tenant, other_tenant):
    ids = build_world(tenant)
    before = _snapshot(tenant, ids)
    walked = []
    for path, operations in client.app.openapi()["paths"].items():
        params = set(re.findall(r"\{([a-z_]+)\}", path)) - NOT_IDS
        if not params:
            continue
        for method in operations:
            method = method.upper()
            url = _fill(path, ids)
            if method == "PUT" and path.endswith("/resume"):
                response = client.put(
                    url,
                    files={"file": ("cv.pdf", PDF, "application/pdf")},
                    headers=other_tenant.headers,
                )
            else:
                body = BODIES.get((method, path))
                response = client.request(method, url, json=body, headers=other_tenant.headers)
            assert response.status_code == 404, (
                f"{method} {path} → {response.status_code} {response.text}"
            )
            assert response.json()["error"]["code"] == "not_found", f"{method} {path}"
            walked.append(f"{method} {path}")
    assert len(walked) >= 50, walked
    assert _snapshot(tenant, ids) == before, "another organization's calls changed something"


def test_lists_and_filters_never_leak(client, tenant, other_tenant):
    ids = build_world(tenant)
    lists = {
        "/api/v1/jobs": "jobs",
        "/api/v1/candidates": "candidates",
        "/api/v1/applications": "applications",
        "/api/v1/interviews": "interviews",
        "/api/v1/offers": "offers",
        "/api/v1/webhooks": "webhooks",
        "/api/v1/events": "events",
        "/api/v1/messages": "messages",
        "/api/v1/api-keys": "apiKeys",
    }
    for path, key in lists.items():
        body = _ok(other_tenant.get(path))
        assert all(ids["job_id"] not in str(item) for item in body[key]), path
    filtered = [
        ("/api/v1/applications", {"jobId": ids["job_id"]}, "applications"),
        ("/api/v1/applications", {"candidateId": ids["candidate_id"]}, "applications"),
        ("/api/v1/interviews", {"applicationId": ids["application_id"]}, "interviews"),
        ("/api/v1/offers", {"applicationId": ids["application_id"]}, "offers"),
        ("/api/v1/messages", {"candidateId": ids["candidate_id"]}, "messages"),
        ("/api/v1/candidates", {"q": "ana"}, "candidates"),
    ]
    for path, params, key in filtered:
        assert _ok(other_tenant.get(path, params=params))[key] == [], (path, params)
    for resource in ("jobs", "candidates", "applications", "interviews", "offers"):
        export = other_tenant.get(f"/api/v1/exports/{resource}", params={"format": "ndjson"})
        assert export.status_code == 200 and ids["job_id"] not in export.text, resource
    report = _ok(other_tenant.get("/api/v1/reports/pipeline"))
    assert ids["job_id"] not in str(report)
    # Organization-wide figures with no id in the path: the caller's own, never the other's.
    usage = _ok(other_tenant.get("/api/v1/usage"))["usage"]
    assert usage["organizationId"] == other_tenant.organization_id
    assert tenant.organization_id not in str(usage) and usage["subscriptions"]["used"] == 0
    assert _ok(tenant.get("/api/v1/usage"))["usage"]["subscriptions"]["used"] == 1
    assert _ok(other_tenant.get("/api/v1/audit-events"))["auditEvents"] == [] or all(
        tenant.organization_id not in str(e)
        for e in other_tenant.get("/api/v1/audit-events").json()["auditEvents"]
    )


def test_body_references_to_other_organizations_are_refused(client, tenant, other_tenant):
    ids = build_world(tenant)
    own_candidate = _ok(
        other_tenant.post(
            "/api/v1/candidates",
            {"firstName": "Bo", "lastName": "Berg", "email": "bo@globex.example"},
        )
    )["candidate"]["id"]
    attempts = [
        ("/api/v1/applications", {"jobId": ids["job_id"], "candidateId": own_candidate}),
        (
            "/api/v1/interviews",
            {
                "applicationId": ids["application_id"],
                "scheduledAt": _later(days=1),
                "durationMinutes": 30,
                "timezone": "UTC",
                "interviewers": ["x@globex.example"],
            },
        ),
        (
            "/api/v1/offers",
            {
                "applicationId": ids["application_id"],
                "salary": 1,
                "currency": "EUR",
                "startDate": "2030-01-01",
                "expiresAt": _later(days=3),
            },
        ),
        (f"/api/v1/candidates/{own_candidate}/merge", {"duplicateId": ids["candidate_id"]}),
        ("/api/v1/jobs", {"title": "x", "hiringManagerId": tenant.user_id}),
    ]
    for path, body in attempts:
        response = other_tenant.post(path, body)
        assert response.status_code in (404, 422), (
            f"{path} → {response.status_code} {response.text}"
        )
    assert _ok(other_tenant.get("/api/v1/applications"))["applications"] == []
    assert _ok(other_tenant.get("/api/v1/interviews"))["interviews"] == []
    assert _ok(other_tenant.get("/api/v1/offers"))["offers"] == []
    assert (
        _ok(tenant.get(f"/api/v1/candidates/{ids['candidate_id']}"))["candidate"]["firstName"]
        == "Ana"
    )
