from __future__ import annotations

from typing import Any

from recruitiq.applications.events import (
    SAMPLE_APPLICATION,
    SAMPLE_JOB_SUMMARY,
    ApplicationSnapshot,
    JobSummary,
)
from recruitiq.events.spec import EventSpec
from recruitiq.interviews.schemas import FeedbackOut, InterviewOut, PanelMember
from recruitiq.kit.schema import CamelModel, UTCTimestamp

SAMPLE_INTERVIEW = {
    "id": "int_0193a1b2c3d4e5f6a7b8c9d0",
    "organizationId": "org_0193a1b2c3d4e5f6a7b8c9d0",
    "applicationId": SAMPLE_APPLICATION["id"],
    "scheduledAt": "2026-11-12T13:00:00.000Z",
    "durationMinutes": 45,
    "timezone": "Europe/Zurich",
    "interviewers": ["usr_0193a1b2c3d4e5f6a7b8c9d0", "panel@acme.example"],
    "location": "Zürich office, room Limmat",
    "meetingUrl": "https://meet.example.com/riq-4821",
    "status": "scheduled",
    "cancellationReason": None,
    "completedAt": None,
    "cancelledAt": None,
    "createdAt": "2026-11-05T10:30:00.000Z",
    "updatedAt": "2026-11-05T10:30:00.000Z",
    "endsAt": "2026-11-12T13:45:00.000Z",
}
SAMPLE_FEEDBACK = {
    "id": "fb_0193a1b2c3d4e5f6a7b8c9d0",
    "organizationId": SAMPLE_INTERVIEW["organizationId"],
    "interviewId": SAMPLE_INTERVIEW["id"],
    "rating": 4,
    "recommendation": "yes",
    "notes": "Clear system design; would pair well with the platform team.",
    "authorType": "user",
    "authorId": "usr_0193a1b2c3d4e5f6a7b8c9d0",
    "createdAt": "2026-11-12T14:05:00.000Z",
}
SAMPLE_PANEL = [
    {"userId": "usr_0193a1b2c3d4e5f6a7b8c9d0", "email": "dana.meier@acme.example",
     "name": "Dana Meier"},
    {"userId": None, "email": "panel@acme.example", "name": None},
]
INTERVIEW_APPLICATION = {**SAMPLE_APPLICATION, "stage": "interview"}


class InterviewEventData(CamelModel):
    interview: InterviewOut
    panel: list[PanelMember]
    application: ApplicationSnapshot
    job: JobSummary


class InterviewRescheduledData(InterviewEventData):
    previous_scheduled_at: UTCTimestamp
    previous: dict[str, object]


class FeedbackSubmittedData(InterviewEventData):
    feedback: FeedbackOut


def _sample(**overrides: object) -> dict[str, object]:
    interview = {**SAMPLE_INTERVIEW, **overrides}
    return {"interview": interview, "panel": SAMPLE_PANEL, "application": INTERVIEW_APPLICATION,
            "job": SAMPLE_JOB_SUMMARY}


INTERVIEW_SCHEDULED = EventSpec(
    "interview.scheduled",
    "An interview was scheduled for an application; `panel` resolves the "
    "interviewers to e-mail addresses for invitations.",
    InterviewEventData,
    _sample(),
)
INTERVIEW_RESCHEDULED = EventSpec(
    "interview.rescheduled",
    "A scheduled interview changed (time, length, place or panel); "
    "`previousScheduledAt` is the old start and `previous` the old values.",
    InterviewRescheduledData,
    {**_sample(scheduledAt="2026-11-13T09:00:00.000Z", endsAt="2026-11-13T09:45:00.000Z"),
     "previousScheduledAt": "2026-11-12T13:00:00.000Z",
     "previous": {"scheduledAt": "2026-11-12T13:00:00.000Z"}},
)
INTERVIEW_COMPLETED = EventSpec(
    "interview.completed",
    "An interview took place and was marked completed.",
    InterviewEventData,
    _sample(status="completed", completedAt="2026-11-12T13:50:00.000Z"),
)
INTERVIEW_CANCELLED = EventSpec(
    "interview.cancelled",
    "A scheduled interview was cancelled.",
    InterviewEventData,
    _sample(status="cancelled", cancelledAt="2026-11-11T08:00:00.000Z",
            cancellationReason="Candidate asked to move to next week"),
)
INTERVIEW_FEEDBACK_SUBMITTED = EventSpec(
    "interview.feedback_submitted",
    "An interviewer submitted feedback (a scorecard).",
    FeedbackSubmittedData,
    {**_sample(status="completed", completedAt="2026-11-12T13:50:00.000Z"),
     "feedback": SAMPLE_FEEDBACK},
)

SPECS: list[EventSpec[Any]] = [
    INTERVIEW_SCHEDULED,
    INTERVIEW_RESCHEDULED,
    INTERVIEW_COMPLETED,
    INTERVIEW_CANCELLED,
    INTERVIEW_FEEDBACK_SUBMITTED,
]
