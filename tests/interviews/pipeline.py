"""Arrange a hiring pipeline through the public API, and read back what it emitted."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from recruitiq.events.spec import EventSpec
from recruitiq.interviews.events import SPECS as INTERVIEW_SPECS
from recruitiq.offers.events import SPECS as OFFER_SPECS
from tests.support import Tenant, event_types

SPECS: dict[str, EventSpec] = {s.type: s for s in [*INTERVIEW_SPECS, *OFFER_SPECS]}


def later(**delta: float) -> str:
    return (datetime.now(UTC) + timedelta(**delta)).isoformat()


def open_application(tenant: Tenant, first_name: str = "José") -> dict[str, Any]:
    """An active application to a published job; returns the application as the API shows it."""
    job = tenant.post("/api/v1/jobs", {"title": "Platform Engineer", "department": "Engineering"})
    assert job.status_code == 201, job.text
    job_id = job.json()["job"]["id"]
    assert tenant.post(f"/api/v1/jobs/{job_id}/publish").status_code == 200
    candidate = {
        "firstName": first_name,
        "lastName": "Müller",
        "email": f"{first_name.lower()}.{uuid.uuid4().hex[:6]}@example.com",
    }
    created = tenant.post("/api/v1/applications", {"jobId": job_id, "candidate": candidate})
    assert created.status_code == 201, created.text
    return created.json()["application"]  # type: ignore[no-any-return]


def events_since(client: Any, tenant: Tenant, mark: int) -> list[str]:
    return event_types(client, tenant)[mark:]


def payloads(client: Any, tenant: Tenant, event_type: str) -> list[dict[str, Any]]:
    """The stored envelopes of one type, oldest first; their data must match the spec."""
    from sqlalchemy import select

    from recruitiq.models import Event

    factory = client.app.state.session_factory
    with factory() as session:
        rows = session.scalars(
            select(Event)
            .where(Event.organization_id == tenant.organization_id, Event.type == event_type)
            .order_by(Event.created_at, Event.id)
        )
        envelopes = [json.loads(row.payload) for row in rows]
    if event_type in SPECS:
        for envelope in envelopes:
            SPECS[event_type].data_model.model_validate(envelope["data"])
    return envelopes
