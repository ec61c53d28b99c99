from __future__ import annotations

from typing import Any

from recruitiq.applications.schemas import ApplicationSnapshot, JobSummary
from recruitiq.events.spec import EventSpec
from recruitiq.kit.schema import CamelModel

__all__ = ["SAMPLE_APPLICATION", "SAMPLE_JOB_SUMMARY", "ApplicationSnapshot", "JobSummary", "SPECS"]

SAMPLE_JOB_SUMMARY = {
    "id": "job_0193a1b2c3d4e5f6a7b8c9d0",
    "title": "Senior Software Engineer",
    "department": "Engineering",
}
SAMPLE_APPLICATION = {
    "id": "app_0193a1b2c3d4e5f6a7b8c9d0",
    "organizationId": "org_0193a1b2c3d4e5f6a7b8c9d0",
    "jobId": SAMPLE_JOB_SUMMARY["id"],
    "candidateId": "cand_0193a1b2c3d4e5f6a7b8c9d0",
    "candidateName": "José Müller",
    "candidateEmail": "jose.muller@example.com",
    "resumeUrl": "https://recruitiq.example.com/api/v1/candidates/cand_0193a1b2c3d4e5f6a7b8c9d0/resume",
    "stage": "new",
    "status": "active",
    "source": "careers_page",
    "referralCode": None,
    "score": None,
    "assignedTo": None,
    "appliedAt": "2026-11-03T08:15:00.000Z",
    "reviewedAt": None,
    "stageEnteredAt": "2026-11-03T08:15:00.000Z",
    "rejectionReason": None,
    "rejectedAt": None,
    "withdrawnAt": None,
    "hiredAt": None,
    "onboardingStartedAt": None,
    "supersededById": None,
    "updatedAt": "2026-11-03T08:15:00.000Z",
}
_SCREENING = {**SAMPLE_APPLICATION, "stage": "screening", "reviewedAt": "2026-11-03T10:00:00.000Z"}
_HIRED = {**SAMPLE_APPLICATION, "stage": "hired", "status": "hired",
          "hiredAt": "2026-12-01T09:00:00.000Z"}


class ApplicationEventData(CamelModel):
    application: ApplicationSnapshot
    job: JobSummary


class StageMoveData(ApplicationEventData):
    previous_stage: str


class RejectedData(ApplicationEventData):
    reason: str


APPLICATION_RECEIVED = EventSpec(
    "application.received",
    "A candidate applied to a job.",
    ApplicationEventData,
    {"application": SAMPLE_APPLICATION, "job": SAMPLE_JOB_SUMMARY},
)
APPLICATION_REVIEWED = EventSpec(
    "application.reviewed",
    "An application was reviewed; a new one moves on to screening.",
    ApplicationEventData,
    {"application": _SCREENING, "job": SAMPLE_JOB_SUMMARY},
)
APPLICATION_STAGE_CHANGED = EventSpec(
    "application.stage_changed",
    "An application moved to another pipeline stage (either direction).",
    StageMoveData,
    {"application": _SCREENING, "job": SAMPLE_JOB_SUMMARY, "previousStage": "new"},
)
APPLICATION_ADVANCED = EventSpec(
    "application.advanced",
    "An application moved forward in the pipeline (before hired).",
    StageMoveData,
    {"application": {**SAMPLE_APPLICATION, "stage": "interview"},
     "job": SAMPLE_JOB_SUMMARY, "previousStage": "screening"},
)
APPLICATION_REJECTED = EventSpec(
    "application.rejected",
    "An application was rejected, with the reason.",
    RejectedData,
    {"application": {**SAMPLE_APPLICATION, "status": "rejected",
                     "rejectionReason": "Not enough Python experience",
                     "rejectedAt": "2026-11-04T12:00:00.000Z"},
     "job": SAMPLE_JOB_SUMMARY, "reason": "Not enough Python experience"},
)
APPLICATION_WITHDRAWN = EventSpec(
    "application.withdrawn",
    "The candidate withdrew the application.",
    ApplicationEventData,
    {"application": {**SAMPLE_APPLICATION, "status": "withdrawn",
                     "withdrawnAt": "2026-11-05T12:00:00.000Z"},
     "job": SAMPLE_JOB_SUMMARY},
)
HIRE_COMPLETED = EventSpec(
    "hire.completed",
    "A candidate was hired for the job.",
    ApplicationEventData,
    {"application": _HIRED, "job": SAMPLE_JOB_SUMMARY},
)
HIRE_ONBOARDING_STARTED = EventSpec(
    "hire.onboarding_started",
    "Onboarding of a hired candidate started.",
    ApplicationEventData,
    {"application": {**_HIRED, "onboardingStartedAt": "2026-12-02T09:00:00.000Z"},
     "job": SAMPLE_JOB_SUMMARY},
)

SPECS: list[EventSpec[Any]] = [
    APPLICATION_RECEIVED,
    APPLICATION_REVIEWED,
    APPLICATION_STAGE_CHANGED,
    APPLICATION_ADVANCED,
    APPLICATION_REJECTED,
    APPLICATION_WITHDRAWN,
    HIRE_COMPLETED,
    HIRE_ONBOARDING_STARTED,
]
