from __future__ import annotations

from typing import Any

from recruitiq.events.spec import EventSpec
from recruitiq.jobs.schemas import JobOut
from recruitiq.kit.schema import CamelModel

SAMPLE_JOB = {
    "id": "job_0193a1b2c3d4e5f6a7b8c9d0",
    "organizationId": "org_0193a1b2c3d4e5f6a7b8c9d0",
    "title": "Senior Software Engineer",
    "department": "Engineering",
    "location": "Remote (EU)",
    "description": "Design and build our integration platform.",
    "employmentType": "full_time",
    "salaryRange": {"min": 120000, "max": 160000, "currency": "EUR"},
    "hiringManagerId": "usr_0193a1b2c3d4e5f6a7b8c9d0",
    "status": "open",
    "publishedAt": "2026-11-02T09:00:00.000Z",
    "closedAt": None,
    "createdAt": "2026-11-01T16:20:00.000Z",
    "updatedAt": "2026-11-02T09:00:00.000Z",
}


class JobEventData(CamelModel):
    job: JobOut


class JobUpdatedData(CamelModel):
    job: JobOut
    previous: dict[str, object]


JOB_CREATED = EventSpec(
    "job.created",
    "A job posting was created (as a draft).",
    JobEventData,
    {"job": {**SAMPLE_JOB, "status": "draft", "publishedAt": None}},
)
JOB_UPDATED = EventSpec(
    "job.updated",
    "A job posting's fields changed; `previous` holds the old values.",
    JobUpdatedData,
    {"job": SAMPLE_JOB, "previous": {"title": "Software Engineer"}},
)
JOB_PUBLISHED = EventSpec(
    "job.published",
    "A job posting was published (opened for applications).",
    JobEventData,
    {"job": SAMPLE_JOB},
)
JOB_CLOSED = EventSpec(
    "job.closed",
    "A job posting was closed to new applications.",
    JobEventData,
    {"job": {**SAMPLE_JOB, "status": "closed", "closedAt": "2026-12-01T12:00:00.000Z"}},
)
JOB_DELETED = EventSpec(
    "job.deleted",
    "A job posting was deleted.",
    JobEventData,
    {"job": SAMPLE_JOB},
)

SPECS: list[EventSpec[Any]] = [
    JOB_CREATED,
    JOB_UPDATED,
    JOB_PUBLISHED,
    JOB_CLOSED,
    JOB_DELETED,
]
