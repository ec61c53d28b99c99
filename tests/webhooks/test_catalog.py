"""The event catalog: complete, valid samples, served over HTTP and as a script."""

from __future__ import annotations

import json
import subprocess
import sys

from recruitiq.events.catalog import all_specs, catalog_document
from tests.support import assert_error

REQUIRED = {
    "job.created", "job.updated", "job.published", "job.closed", "job.deleted",
    "application.received", "application.reviewed", "application.advanced",
    "application.stage_changed", "application.rejected", "application.withdrawn",
    "interview.scheduled", "interview.rescheduled", "interview.completed",
    "interview.cancelled", "interview.feedback_submitted",
    "candidate.created", "candidate.updated", "candidate.merged", "candidate.tagged",
    "candidate.deleted",
    "offer.sent", "offer.accepted", "offer.declined", "offer.expired",
    "hire.completed", "hire.onboarding_started", "webhook.test",
}


def test_catalog_covers_every_required_type():
    assert REQUIRED - set(all_specs()) == set()


def test_every_sample_validates_against_its_data_model():
    for spec in all_specs().values():
        validated = spec.data_model.model_validate(spec.sample)
        # The sample is what a receiver would get: the dump must round-trip unchanged.
        assert validated.model_dump(mode="json", by_alias=True) == spec.sample, spec.type
        assert spec.description and spec.json_schema()["type"] == "object"


def test_event_types_endpoint(client, tenant):
    response = tenant.get("/api/v1/webhooks/event-types")
    assert response.status_code == 200, response.text
    body = response.json()
    types = {item["type"]: item for item in body["eventTypes"]}
    assert body["count"] == len(types) == len(all_specs())
    created = types["job.created"]
    assert set(created) == {"type", "description", "schema", "sample"}
    sample = created["sample"]
    assert set(sample) == {"id", "type", "timestamp", "organizationId", "data"}
    assert sample["type"] == "job.created" and sample["id"].startswith("evt_")
    assert sample["data"]["job"]["status"] == "draft"
    assert "job" in created["schema"]["properties"]
    assert_error(tenant.client.get("/api/v1/webhooks/event-types"), 401)


def test_catalog_script_prints_the_document():
    result = subprocess.run(
        [sys.executable, "-m", "recruitiq.events.catalog"], capture_output=True, text=True,
        check=True, timeout=60,
    )
    assert json.loads(result.stdout) == json.loads(json.dumps(catalog_document()))
