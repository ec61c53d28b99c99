from __future__ import annotations

from typing import Any

from recruitiq.candidates.schemas import CandidateOut, MergeOutcome
from recruitiq.events.spec import EventSpec
from recruitiq.kit.schema import CamelModel
from recruitiq.privacy.schemas import ErasedCandidateRef

SAMPLE_CANDIDATE = {
    "id": "cand_0193a1b2c3d4e5f6a7b8c9d0",
    "organizationId": "org_0193a1b2c3d4e5f6a7b8c9d0",
    "firstName": "José",
    "lastName": "Müller",
    "fullName": "José Müller",
    "email": "jose.muller@example.com",
    "phone": "+41 44 123 45 67",
    "location": "Zürich",
    "currentTitle": "Backend Engineer",
    "currentCompany": "Helvetic Data AG",
    "linkedinUrl": "https://www.linkedin.com/in/jose-muller",
    "source": "linkedin",
    "tags": ["python", "senior"],
    "resumeUrl": "https://recruitiq.example.com/api/v1/candidates/cand_0193a1b2c3d4e5f6a7b8c9d0/resume",
    "mergedIntoId": None,
    "createdAt": "2026-11-03T08:15:00.000Z",
    "updatedAt": "2026-11-03T08:15:00.000Z",
}
SAMPLE_DUPLICATE = {
    **SAMPLE_CANDIDATE,
    "id": "cand_0193a1b2c3d4e5f6a7b8c9ff",
    "email": "jose@old-employer.example",
    "tags": ["referral"],
    "resumeUrl": None,
    "mergedIntoId": SAMPLE_CANDIDATE["id"],
}


class CandidateEventData(CamelModel):
    candidate: CandidateOut


class CandidateUpdatedData(CamelModel):
    candidate: CandidateOut
    previous: dict[str, object]


class CandidateDeletedData(CamelModel):
    # After an erasure (DELETE ?erase=true) only the id and the fact remain.
    candidate: CandidateOut | ErasedCandidateRef


class CandidateTaggedData(CamelModel):
    candidate: CandidateOut
    tags: list[str]


class CandidateMergedData(CamelModel):
    candidate: CandidateOut
    duplicate: CandidateOut
    merge: MergeOutcome


CANDIDATE_CREATED = EventSpec(
    "candidate.created",
    "A candidate was added.",
    CandidateEventData,
    {"candidate": SAMPLE_CANDIDATE},
)
CANDIDATE_UPDATED = EventSpec(
    "candidate.updated",
    "A candidate's profile changed; `previous` holds the old values.",
    CandidateUpdatedData,
    {"candidate": SAMPLE_CANDIDATE, "previous": {"currentTitle": "Engineer"}},
)
CANDIDATE_TAGGED = EventSpec(
    "candidate.tagged",
    "Tags were added to a candidate; `tags` lists only the new ones.",
    CandidateTaggedData,
    {"candidate": SAMPLE_CANDIDATE, "tags": ["senior"]},
)
CANDIDATE_MERGED = EventSpec(
    "candidate.merged",
    "A duplicate candidate was merged into `candidate` and soft-deleted.",
    CandidateMergedData,
    {"candidate": SAMPLE_CANDIDATE, "duplicate": SAMPLE_DUPLICATE,
     "merge": {"duplicateId": SAMPLE_DUPLICATE["id"],
               "movedApplicationIds": ["app_0193a1b2c3d4e5f6a7b8c9d0"],
               "conflicts": []}},
)
CANDIDATE_DELETED = EventSpec(
    "candidate.deleted",
    "A candidate was deleted. After an erasure (GDPR) `candidate` is only "
    "`{id, erased: true}`: no personal data remains anywhere.",
    CandidateDeletedData,
    {"candidate": SAMPLE_CANDIDATE},
)

SPECS: list[EventSpec[Any]] = [
    CANDIDATE_CREATED,
    CANDIDATE_UPDATED,
    CANDIDATE_TAGGED,
    CANDIDATE_MERGED,
    CANDIDATE_DELETED,
]
