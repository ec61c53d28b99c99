from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from recruitiq.kit.ids import new_id
from recruitiq.models import Job
from recruitiq.reports.export_formats import columns, csv_safe
from recruitiq.reports.export_specs import SPECS
from tests.interviews.pipeline import later
from tests.support import assert_error, field_errors

RESOURCES = ("jobs", "candidates", "applications", "interviews", "offers")


def _export(tenant, resource: str, fmt: str, **params):
    response = tenant.get(f"/api/v1/exports/{resource}", params={"format": fmt, **params})
    assert response.status_code == 200, response.text
    return response


def _as_json(tenant, resource: str, **params) -> list[dict]:
    body = _export(tenant, resource, "json", **params).json()
    assert body["success"] is True and body["count"] == len(body[resource])
    return body[resource]


def _as_csv(tenant, resource: str, **params) -> list[dict]:
    response = _export(tenant, resource, "csv", **params)
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == columns(SPECS[resource].schema)
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def _list_all(tenant, resource: str) -> list[dict]:
    """Every row the list endpoint returns, oldest first like the export."""
    items, cursor = [], None
    while True:
        page = tenant.get(f"/api/v1/{resource}", params={"limit": 100} | ({"cursor": cursor} if cursor else {})).json()
        items += page[resource]
        cursor = page["nextCursor"]
        if cursor is None:
            return list(reversed(items))


def _pipeline(tenant, first_name: str = "José", title: str = "Platform Engineer") -> dict:
    job = tenant.post("/api/v1/jobs", {"title": title, "department": "Engineering",
                                       "salaryRange": {"min": 90000, "max": 120000, "currency": "EUR"}})
    assert job.status_code == 201, job.text
    job_id = job.json()["job"]["id"]
    tenant.post(f"/api/v1/jobs/{job_id}/publish")
    candidate = {"firstName": first_name, "lastName": "Müller", "email": f"{abs(hash(first_name + title))}@example.com",
                 "tags": ["python", "remote"]}
    application = tenant.post("/api/v1/applications", {"jobId": job_id, "candidate": candidate})
    assert application.status_code == 201, application.text
    app_id = application.json()["application"]["id"]
    interview = tenant.post("/api/v1/interviews", {"applicationId": app_id, "scheduledAt": later(days=1),
                                                    "interviewers": ["panel@example.com", "cto@example.com"]})
    assert interview.status_code == 201, interview.text
    offer = tenant.post("/api/v1/offers", {"applicationId": app_id, "salary": 100000, "currency": "EUR",
                                           "startDate": "2027-01-04", "expiresAt": later(days=7)})
    assert offer.status_code == 201, offer.text
    return {"job": job_id, "application": app_id}


def test_every_export_has_the_list_endpoints_fields_and_rows(client, tenant):
    _pipeline(tenant, "José")
    _pipeline(tenant, "Ana", title="Designer")
    for resource in RESOURCES:
        listed = _list_all(tenant, resource)
        assert len(listed) == 2
        assert _as_json(tenant, resource) == listed, resource
        ndjson = _export(tenant, resource, "ndjson")
        assert ndjson.headers["content-type"] == "application/x-ndjson"
        assert [json.loads(line) for line in ndjson.text.splitlines()] == listed
        flat = _as_csv(tenant, resource)
        assert [row["id"] for row in flat] == [item["id"] for item in listed]


def test_csv_flattens_and_is_safe_from_formula_injection(client, tenant):
    _pipeline(tenant, first_name="=HYPERLINK(\"http://evil.example\",\"x\")", title="+SUM(A1:A9)")
    _pipeline(tenant, first_name="@cmd", title="-2+3")
    tenant.post("/api/v1/jobs", {"title": "Plain title", "department": "=1+1", "location": "\uff1dfull width"})
    response = _export(tenant, "jobs", "csv")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="recruitiq-jobs-') and disposition.endswith('.csv"')
    jobs = _as_csv(tenant, "jobs")
    assert [j["title"] for j in jobs] == ["'+SUM(A1:A9)", "'-2+3", "Plain title"]
    assert jobs[2]["department"] == "'=1+1"
    assert jobs[2]["location"] == "'\uff1dfull width"
    assert jobs[0]["salaryRange.min"] == "90000" and jobs[0]["salaryRange.currency"] == "EUR"
    assert jobs[2]["salaryRange.min"] == "" and jobs[2]["hiringManagerId"] == ""
    candidates = _as_csv(tenant, "candidates")
    assert [c["firstName"] for c in candidates] == ["'=HYPERLINK(\"http://evil.example\",\"x\")", "'@cmd"]
    assert candidates[0]["tags"] == "python; remote"
    applications = _as_csv(tenant, "applications")
    assert applications[1]["candidateName"] == "'@cmd Müller"
    interviews = _as_csv(tenant, "interviews")
    assert interviews[0]["interviewers"] == "panel@example.com; cto@example.com"
    assert interviews[0]["endsAt"]  # computed fields are exported too
    # The JSON formats carry the values untouched: they are not read by spreadsheets.
    assert _as_json(tenant, "jobs")[0]["title"] == "+SUM(A1:A9)"


def test_csv_safe_covers_every_trigger():
    for trigger in ("=", "+", "-", "@", "\t", "\r"):
        assert csv_safe(f"{trigger}1") == f"'{trigger}1"
    assert csv_safe("1-2") == "1-2" and csv_safe("") == "" and csv_safe("a=b") == "a=b"


def _insert_jobs(client, organization_id: str, count: int) -> list[tuple[datetime, str, str]]:
    """Jobs with known created_at values; every third shares its moment with the next row,
    so the order must fall back on the id across batch boundaries."""
    base = datetime(2026, 1, 1, tzinfo=UTC)
    rows = []
    for i in range(count):
        moment = base + timedelta(seconds=i - i % 3)
        rows.append({"id": new_id("job"), "organization_id": organization_id, "title": f"Job {i}",
                     "status": "open" if i % 2 else "draft", "employment_type": "full_time",
                     "created_at": moment, "updated_at": moment})
    with client.app.state.engine.begin() as conn:
        conn.execute(insert(Job.__table__), rows)
    return sorted((r["created_at"], r["id"], r["status"]) for r in rows)


def test_large_exports_stream_every_row_once_in_order(client, tenant):
    expected = _insert_jobs(client, tenant.organization_id, 2345)  # three batches of 1000
    ids = [row_id for _, row_id, _ in expected]
    lines = _export(tenant, "jobs", "ndjson").text.splitlines()
    assert [json.loads(line)["id"] for line in lines] == ids
    assert [row["id"] for row in _as_csv(tenant, "jobs")] == ids
    assert [row["id"] for row in _as_json(tenant, "jobs")] == ids
    opened = _as_json(tenant, "jobs", status="open")
    assert [row["id"] for row in opened] == [i for _, i, status in expected if status == "open"]
    assert len(opened) == 1172  # odd-numbered of 2345
    since = expected[1999][0]
    later_rows = _as_json(tenant, "jobs", createdAfter=since.isoformat())
    assert [row["id"] for row in later_rows] == [i for c, i, _ in expected if c > since]


def test_filters_scope_tenancy_and_errors(client, tenant, other_tenant):
    mine = _pipeline(tenant)
    theirs = _pipeline(other_tenant, first_name="Zoë")
    assert [a["id"] for a in _as_json(tenant, "applications", jobId=mine["job"])] == [mine["application"]]
    assert _as_json(tenant, "applications", jobId=theirs["job"]) == []
    assert [c["firstName"] for c in _as_json(other_tenant, "candidates")] == ["Zoë"]
    assert len(_as_json(tenant, "offers", applicationId=mine["application"], status="draft")) == 1
    assert _as_json(tenant, "offers", status="accepted") == []
    assert len(_as_json(tenant, "interviews", jobId=mine["job"])) == 1
    assert len(_as_json(tenant, "applications", stage="new")) == 1
    assert len(_as_json(tenant, "candidates", jobId=mine["job"])) == 1
    assert _as_csv(tenant, "offers", status="expired") == []  # header only

    assert_error(tenant.get("/api/v1/exports/users"), 404, "not_found")
    assert "format" in field_errors(tenant.get("/api/v1/exports/jobs", params={"format": "xlsx"}))
    assert field_errors(tenant.get("/api/v1/exports/jobs", params={"stage": "new"})) == {"stage"}
    assert field_errors(tenant.get("/api/v1/exports/offers", params={"status": "open"})) == {"status"}
    assert field_errors(tenant.get("/api/v1/exports/applications", params={"stage": "lunch"})) == {"stage"}
    assert "createdAfter" in field_errors(tenant.get("/api/v1/exports/jobs", params={"createdAfter": "2026-01-01T00:00:00"}))
    assert_error(client.get("/api/v1/exports/jobs"), 401)
    key = tenant.key_headers("jobs:read")
    assert tenant.get("/api/v1/exports/jobs", headers=key).status_code == 200
    assert_error(tenant.get("/api/v1/exports/candidates", headers=key), 403, "missing_scope")
    assert_error(tenant.get("/api/v1/exports/offers", headers=key), 403, "missing_scope")


def test_exports_are_audited_with_filter_names(client, tenant):
    mine = _pipeline(tenant)
    _export(tenant, "candidates", "csv", jobId=mine["job"])
    rows = tenant.get("/api/v1/audit-events", params={"action": "export"}).json()["auditEvents"]
    assert [(r["resourceType"], r["resourceId"], r["changedFields"]) for r in rows] == [
        ("export", "candidates", ["jobId"])
    ]
    assert_error(tenant.get("/api/v1/exports/candidates", params={"format": "pdf"}), 422)
    assert len(tenant.get("/api/v1/audit-events", params={"action": "export"}).json()["auditEvents"]) == 1
