from __future__ import annotations

from typing import Literal

from pydantic import Field

from recruitiq.candidates.schemas import CandidateCreate
from recruitiq.kit.envelopes import envelope, page_envelope
from recruitiq.kit.schema import CamelInput, CamelModel, UTCTimestamp

Stage = Literal[
    "new", "screening", "interview", "reference_check", "background_check", "offer", "hired"
]
ApplicationStatus = Literal["active", "rejected", "withdrawn", "hired"]

STAGE_NAMES: dict[str, str] = {
    "new": "New",
    "screening": "Screening",
    "interview": "Interview",
    "reference_check": "Reference Check",
    "background_check": "Background Check",
    "offer": "Offer",
    "hired": "Hired",
}


class ApplicationCreate(CamelInput):
    job_id: str = Field(min_length=1, max_length=40)
    candidate_id: str | None = Field(
        default=None, max_length=40, description="An existing candidate; or give `candidate`"
    )
    candidate: CandidateCreate | None = Field(
        default=None, description="Found by e-mail, or created; or give `candidateId`"
    )
    source: str | None = Field(default=None, max_length=100, examples=["careers_page"])
    referral_code: str | None = Field(default=None, max_length=100)


class ApplicationUpdate(CamelInput):
    score: int | None = Field(default=None, ge=0, le=100)
    assigned_to: str | None = Field(default=None, max_length=40, description="A user's id")


class StageIn(CamelInput):
    stage: Stage


class RejectIn(CamelInput):
    reason: str = Field(min_length=1, max_length=2000, examples=["Not enough Python experience"])


class NoteIn(CamelInput):
    body: str = Field(min_length=1, max_length=20_000)


class JobSummary(CamelModel):
    id: str
    title: str
    department: str | None


class ApplicationSnapshot(CamelModel):
    """An application as the API returns it and as event data carries it."""

    id: str
    organization_id: str
    job_id: str
    candidate_id: str
    candidate_name: str
    candidate_email: str
    resume_url: str | None
    stage: str
    status: str
    source: str | None
    referral_code: str | None
    score: int | None
    assigned_to: str | None
    applied_at: UTCTimestamp
    reviewed_at: UTCTimestamp | None
    stage_entered_at: UTCTimestamp
    rejection_reason: str | None
    rejected_at: UTCTimestamp | None
    withdrawn_at: UTCTimestamp | None
    hired_at: UTCTimestamp | None
    onboarding_started_at: UTCTimestamp | None
    superseded_by_id: str | None
    updated_at: UTCTimestamp


class StageChangeOut(CamelModel):
    from_stage: str | None
    to_stage: str
    actor_type: str
    actor_id: str | None
    changed_at: UTCTimestamp


class NoteOut(CamelModel):
    id: str
    application_id: str
    body: str
    author_type: str
    author_id: str | None
    created_at: UTCTimestamp


class StageOut(CamelModel):
    id: str
    name: str
    position: int


class ApplicationDetail(ApplicationSnapshot):
    stage_history: list[StageChangeOut] = Field(description="Every stage move, oldest first")


ApplicationEnvelope = envelope("ApplicationEnvelope", "application", ApplicationSnapshot)
ApplicationDetailEnvelope = envelope("ApplicationDetailEnvelope", "application",
                                     ApplicationDetail)
ApplicationPage = page_envelope("ApplicationPage", "applications", ApplicationSnapshot)
NoteEnvelope = envelope("NoteEnvelope", "note", NoteOut)
NotePage = page_envelope("NotePage", "notes", NoteOut)
StageList = envelope("StageList", "stages", list[StageOut])
