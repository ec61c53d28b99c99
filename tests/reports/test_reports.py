from __future__ import annotations

import pytest

from tests.interviews.pipeline import later
from tests.reports.scenario import at, seed_history
from tests.support import assert_error, field_errors

RANGE = {"from": "2026-10-01T00:00:00Z", "to": "2026-10-31T00:00:00Z"}


def _user(tenant, name: str) -> str:
    response = tenant.post(
        "/api/v1/users",
        {"name": name, "email": f"{name.lower()}-{tenant.organization_id[-6:]}@acme.example",
         "password": "a long enough password", "role": "recruiter"},
    )
    assert response.status_code == 201, response.text
    return response.json()["user"]["id"]


@pytest.fixture
def seeded(client, tenant):
    alice, bob = _user(tenant, "Alice"), _user(tenant, "Bob")
    with client.app.state.session_factory() as session:
        seeded = seed_history(session, tenant.organization_id, alice, bob)
        session.commit()
    seeded.alice, seeded.bob = alice, bob
    return seeded


def _report(tenant, kind: str, **params):
    response = tenant.get(f"/api/v1/reports/{kind}", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is True
    return body["report"]


def test_pipeline_report_matches_hand_computed_figures(tenant, seeded):
    report = _report(tenant, "pipeline", **RANGE)
    assert report["period"]["from"] == "2026-10-01T00:00:00.000Z"
    assert report["jobId"] is None
    # A7 was created before `from`: 7 of the 8 applications are in range.
    assert report["totalApplications"] == 7
    assert report["byStage"] == {
        "new": 1,  # A5
        "screening": 0,
        "interview": 2,  # A2, A4
        "reference_check": 0,
        "background_check": 0,
        "offer": 1,  # A6
        "hired": 3,  # A1, A3, A8
    }
    assert report["byStatus"] == {"active": 2, "rejected": 1, "withdrawn": 1, "hired": 3}
    # Furthest stage: A1 hired, A2 interview, A3 hired, A4 interview (screening skipped
    # counts as passed), A5 new, A6 offer, A8 hired.
    # Reached ≥ new 7, ≥ screening 6, ≥ interview 6, ≥ reference 4, ≥ background 4,
    # ≥ offer 4, hired 3.
    assert [(c["fromStage"], c["toStage"], c["reached"], c["converted"], c["rate"]) for c in report["conversion"]] == [
        ("new", "screening", 7, 6, 0.8571),  # 6/7
        ("screening", "interview", 6, 6, 1.0),
        ("interview", "reference_check", 6, 4, 0.6667),  # 4/6
        ("reference_check", "background_check", 4, 4, 1.0),
        ("background_check", "offer", 4, 4, 1.0),
        ("offer", "hired", 4, 3, 0.75),  # 3/4
    ]
    # Finished stays (hours). new: A1 24, A2 12, A3 48, A4 24, A5 6 (withdrawn), A6 6
    #   → 6 6 12 24 24 48, median (12+24)/2 = 18.
    # screening: A1 48, A2 48, A3 48, A6 24 → median (48+48)/2 = 48.
    # interview: A1 48, A2 24 (rejected), A3 48, A6 24; A4's stay is still open → 36.
    # offer: A1 120, A3 192 → 156; A6's is open. A8 has no finished stay.
    assert [(s["stage"], s["completedStays"], s["medianHours"]) for s in report["timeInStage"]] == [
        ("new", 6, 18.0),
        ("screening", 4, 48.0),
        ("interview", 4, 36.0),
        ("reference_check", 0, None),
        ("background_check", 0, None),
        ("offer", 2, 156.0),
    ]
    # Hired: A1 240 h = 10 d, A3 336 h = 14 d, A8 48 h = 2 d → median 10, mean 26/3.
    assert report["timeToHire"] == {"hires": 3, "medianDays": 10.0, "meanDays": 8.67}
    # Sent 5; accepted A1, A3 = 2; declined A3 = 1; expired A6 = 1; A2's withdrawn ignored.
    assert report["offers"] == {
        "sent": 5, "accepted": 2, "declined": 1, "expired": 1, "acceptanceRate": 0.5,  # 2/4
    }


def test_pipeline_report_for_one_job_and_without_range(tenant, seeded):
    in_range = _report(tenant, "pipeline", jobId=seeded.job2, **RANGE)
    assert in_range["jobId"] == seeded.job2
    assert in_range["totalApplications"] == 1  # A6 (A7 is before the range)
    assert in_range["offers"]["acceptanceRate"] == 0.0  # 0 / (0 + 0 + 1 expired)
    everything = _report(tenant, "pipeline", jobId=seeded.job2)
    assert everything["totalApplications"] == 2
    assert everything["period"]["from"] is None
    assert _report(tenant, "pipeline")["totalApplications"] == 8
    empty = _report(tenant, "pipeline", **{"from": "2030-01-01T00:00:00+02:00"})
    assert empty["totalApplications"] == 0
    assert empty["timeToHire"] == {"hires": 0, "medianDays": None, "meanDays": None}
    assert empty["conversion"][0]["rate"] is None


def test_recruiter_report_matches_hand_computed_figures(tenant, seeded):
    rows = _report(tenant, "recruiters", **RANGE)["recruiters"]
    assert [(r["recruiter"]["id"], r["recruiter"]["name"]) for r in rows] == [
        (seeded.alice, "Alice"), (seeded.bob, "Bob"), (None, "Unassigned"),
    ]
    alice, bob, unassigned = rows
    # Alice: A1, A2 (A7 out of range). Hired A1 in 10 d. Interviews done 2 + 1 = 3.
    # Offers sent: A1 accepted, A2 withdrawn = 2 → 2/3. Acceptance 1 / (1 + 0 + 0).
    assert {k: alice[k] for k in alice if k != "recruiter"} == {
        "applications": 2, "hires": 1, "medianTimeToHireDays": 10.0,
        "interviewsCompleted": 3, "offersSent": 2, "interviewToOfferRatio": 0.6667,
        "offers": {"sent": 2, "accepted": 1, "declined": 0, "expired": 0, "acceptanceRate": 1.0},
    }
    # Bob: A3, A4, A8. Hired A3 14 d, A8 2 d → median 8. Interviews done: A3's one.
    # Offers sent: A3 declined + accepted = 2 → 2/1 = 2.0. Acceptance 1 / (1 + 1).
    assert {k: bob[k] for k in bob if k != "recruiter"} == {
        "applications": 3, "hires": 2, "medianTimeToHireDays": 8.0,
        "interviewsCompleted": 1, "offersSent": 2, "interviewToOfferRatio": 2.0,
        "offers": {"sent": 2, "accepted": 1, "declined": 1, "expired": 0, "acceptanceRate": 0.5},
    }
    # Unassigned: A5, A6. One interview done (A6), one offer sent (A6, expired) → 1/1.
    assert {k: unassigned[k] for k in unassigned if k != "recruiter"} == {
        "applications": 2, "hires": 0, "medianTimeToHireDays": None,
        "interviewsCompleted": 1, "offersSent": 1, "interviewToOfferRatio": 1.0,
        "offers": {"sent": 1, "accepted": 0, "declined": 0, "expired": 1, "acceptanceRate": 0.0},
    }
    assert sum(r["applications"] for r in rows) == 7


def test_reports_are_scoped_to_the_organization(tenant, other_tenant, seeded):
    assert_error(other_tenant.get("/api/v1/reports/pipeline", params={"jobId": seeded.job1}), 404)
    assert _report(other_tenant, "pipeline")["totalApplications"] == 0
    rows = _report(other_tenant, "recruiters")["recruiters"]
    assert [(r["recruiter"]["name"], r["applications"]) for r in rows] == [("Unassigned", 0)]


def test_report_input_and_access_errors(client, tenant, seeded):
    assert "from" in field_errors(tenant.get("/api/v1/reports/pipeline", params={"from": RANGE["to"], "to": RANGE["from"]}))
    assert "from" in field_errors(tenant.get("/api/v1/reports/recruiters", params={"from": RANGE["from"], "to": RANGE["from"]}))
    assert "to" in field_errors(tenant.get("/api/v1/reports/pipeline", params={"to": "2026-10-01T00:00:00"}))
    assert "from" in field_errors(tenant.get("/api/v1/reports/pipeline", params={"from": "yesterday"}))
    assert_error(tenant.get("/api/v1/reports/pipeline", params={"jobId": "job_missing"}), 404)
    assert_error(client.get("/api/v1/reports/pipeline"), 401)
    for kind in ("pipeline", "recruiters"):
        assert_error(tenant.get(f"/api/v1/reports/{kind}", headers=tenant.key_headers("jobs:read")), 403, "missing_scope")
        assert tenant.get(f"/api/v1/reports/{kind}", headers=tenant.key_headers("reports:read")).status_code == 200


def test_scenario_clock():
    assert at(24).isoformat() == "2026-10-02T00:00:00+00:00"


def test_reports_follow_a_pipeline_driven_through_the_api(client, tenant):
    """End to end: the figures that do not depend on elapsed time, after real API calls."""
    job_id = tenant.post("/api/v1/jobs", {"title": "Data Engineer"}).json()["job"]["id"]
    tenant.post(f"/api/v1/jobs/{job_id}/publish")
    recruiter = _user(tenant, "Rita")

    def apply(name: str) -> str:
        body = {"jobId": job_id, "candidate": {"firstName": name, "lastName": "Test", "email": f"{name.lower()}@example.com"}}
        response = tenant.post("/api/v1/applications", body)
        assert response.status_code == 201, response.text
        return response.json()["application"]["id"]

    hired, rejected = apply("Hana"), apply("Ravi")
    apply("Wen")  # stays in new
    assert tenant.patch(f"/api/v1/applications/{hired}", {"assignedTo": recruiter}).status_code == 200
    for stage in ("screening", "interview"):
        assert tenant.put(f"/api/v1/applications/{hired}/stage", {"stage": stage}).status_code == 200
    interview = tenant.post("/api/v1/interviews", {"applicationId": hired, "scheduledAt": later(days=1), "interviewers": ["a@example.com"]})
    assert tenant.post(f"/api/v1/interviews/{interview.json()['interview']['id']}/complete").status_code == 200
    offer = tenant.post("/api/v1/offers", {"applicationId": hired, "salary": 90000, "currency": "EUR",
                                           "startDate": "2027-02-01", "expiresAt": later(days=7)}).json()["offer"]
    assert tenant.post(f"/api/v1/offers/{offer['id']}/send").status_code == 200
    assert tenant.post(f"/api/v1/offers/{offer['id']}/accept").status_code == 200
    assert tenant.put(f"/api/v1/applications/{rejected}/stage", {"stage": "screening"}).status_code == 200
    assert tenant.post(f"/api/v1/applications/{rejected}/reject", {"reason": "Other candidate"}).status_code == 200

    report = _report(tenant, "pipeline", jobId=job_id)
    assert report["byStatus"] == {"active": 1, "rejected": 1, "withdrawn": 0, "hired": 1}
    assert report["byStage"]["hired"] == 1 and report["byStage"]["screening"] == 1 and report["byStage"]["new"] == 1
    # Furthest: hired (Hana), screening (Ravi), new (Wen) → 3, 2, 1, 1, 1, 1, 1.
    assert [c["reached"] for c in report["conversion"]] == [3, 2, 1, 1, 1, 1]
    assert report["conversion"][0]["rate"] == 0.6667  # 2/3
    assert report["timeToHire"]["hires"] == 1
    assert report["offers"] == {"sent": 1, "accepted": 1, "declined": 0, "expired": 0, "acceptanceRate": 1.0}
    # Finished stays: Hana new, screening and interview (each ended when she moved on);
    # Ravi new and screening (rejected there); Wen's new stay is still open.
    stays = {s["stage"]: s["completedStays"] for s in report["timeInStage"]}
    assert stays["new"] == 2 and stays["screening"] == 2 and stays["interview"] == 1
    rows = {r["recruiter"]["name"]: r for r in _report(tenant, "recruiters")["recruiters"]}
    assert rows["Rita"]["applications"] == 1 and rows["Rita"]["hires"] == 1
    assert rows["Rita"]["interviewsCompleted"] == 1 and rows["Rita"]["interviewToOfferRatio"] == 1.0
    assert rows["Unassigned"]["applications"] == 2
