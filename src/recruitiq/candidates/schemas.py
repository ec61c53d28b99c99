from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, EmailStr, Field

from recruitiq.config import get_settings
from recruitiq.kit.envelopes import envelope, page_envelope
from recruitiq.kit.schema import CamelInput, CamelModel, Patch, UTCTimestamp
from recruitiq.models import Candidate

MAX_TAGS = 50


def normalize_tags(tags: list[str]) -> list[str]:
    """Trimmed, blank-free, first spelling wins among case-insensitive duplicates."""
    seen: set[str] = set()
    result: list[str] = []
    for tag in (t.strip() for t in tags):
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            result.append(tag)
    return result


Tag = Annotated[str, Field(min_length=1, max_length=50)]
TagList = Annotated[list[Tag], Field(max_length=MAX_TAGS), AfterValidator(normalize_tags)]
LinkedinUrl = Annotated[str, Field(max_length=500, pattern=r"^https?://\S+$")]


class CandidateCreate(CamelInput):
    first_name: str = Field(min_length=1, max_length=200, examples=["José"])
    last_name: str = Field(min_length=1, max_length=200, examples=["Müller"])
    email: EmailStr = Field(max_length=320, examples=["jose.muller@example.com"])
    phone: str | None = Field(default=None, max_length=50, examples=["+41 44 123 45 67"])
    location: str | None = Field(default=None, max_length=200, examples=["Zürich"])
    current_title: str | None = Field(default=None, max_length=200, examples=["Backend Engineer"])
    current_company: str | None = Field(default=None, max_length=200)
    linkedin_url: LinkedinUrl | None = None
    source: str | None = Field(default=None, max_length=100, examples=["linkedin"])
    tags: TagList = Field(default_factory=list)


class CandidateUpdate(CamelInput):
    first_name: Patch[str] = Field(default=None, min_length=1, max_length=200)
    last_name: Patch[str] = Field(default=None, min_length=1, max_length=200)
    email: Patch[EmailStr] = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=50)
    location: str | None = Field(default=None, max_length=200)
    current_title: str | None = Field(default=None, max_length=200)
    current_company: str | None = Field(default=None, max_length=200)
    linkedin_url: LinkedinUrl | None = None
    source: str | None = Field(default=None, max_length=100)
    tags: Patch[TagList] = None


class TagsIn(CamelInput):
    tags: Annotated[list[Tag], Field(min_length=1, max_length=MAX_TAGS)]


class MergeIn(CamelInput):
    duplicate_id: str = Field(min_length=1, max_length=40)


class CandidateOut(CamelModel):
    id: str
    organization_id: str
    first_name: str
    last_name: str
    full_name: str
    email: str
    phone: str | None
    location: str | None
    current_title: str | None
    current_company: str | None
    linkedin_url: str | None
    source: str | None
    tags: list[str]
    resume_url: str | None = None
    merged_into_id: str | None
    created_at: UTCTimestamp
    updated_at: UTCTimestamp


def resume_url(candidate: Candidate) -> str | None:
    """The authenticated API address of the stored resume (never a file path)."""
    if candidate.resume_path is None:
        return None
    # The process settings, not a request's: event snapshots are built in workers too.
    return f"{get_settings().public_url.rstrip('/')}/api/v1/candidates/{candidate.id}/resume"


def candidate_out(candidate: Candidate) -> CandidateOut:
    out = CandidateOut.model_validate(candidate)
    out.resume_url = resume_url(candidate)
    return out


class MergeConflict(CamelModel):
    job_id: str
    kept_application_id: str
    dropped_application_id: str


class MergeOutcome(CamelModel):
    duplicate_id: str
    moved_application_ids: list[str]
    conflicts: list[MergeConflict]


CandidateEnvelope = envelope("CandidateEnvelope", "candidate", CandidateOut)
CandidatePage = page_envelope("CandidatePage", "candidates", CandidateOut)
CandidateMerged = envelope("CandidateMerged", "candidate", CandidateOut,
                           merge=(MergeOutcome, Field(description="What the merge moved")))
