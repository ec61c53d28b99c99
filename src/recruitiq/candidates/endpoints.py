from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Response, status

from recruitiq.auth.dependencies import require_scope
from recruitiq.auth.principal import Principal
from recruitiq.candidates import service
from recruitiq.candidates.schemas import (
    CandidateCreate,
    CandidateEnvelope,
    CandidateMerged,
    CandidatePage,
    CandidateUpdate,
    MergeIn,
    TagsIn,
)
from recruitiq.deps import DbSession, SettingsDep
from recruitiq.kit.pagination import PageParams, list_body, page_params
from recruitiq.kit.routing import api_router
from recruitiq.models import Candidate

router = api_router(prefix="/api/v1/candidates", tags=["candidates"])

Reader = Annotated[Principal, Depends(require_scope("candidates:read"))]
Writer = Annotated[Principal, Depends(require_scope("candidates:write"))]


def _one(candidate: Candidate) -> dict[str, Any]:
    return {"success": True, "candidate": service.candidate_data(candidate)}


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CandidateEnvelope)
def create_candidate(
    body: CandidateCreate, principal: Writer, session: DbSession
) -> dict[str, Any]:
    """Add a candidate. The e-mail is unique per organization (409 `candidate_exists`).
    Emits `candidate.created`."""
    return _one(service.create_candidate(session, principal.organization_id, body))


@router.get("", response_model=CandidatePage)
def list_candidates(
    principal: Reader,
    session: DbSession,
    params: Annotated[PageParams, Depends(page_params)],
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Words in the name, e-mail, tags or current title; "
            "case- and accent-insensitive",
        ),
    ] = None,
    tag: Annotated[str | None, Query(max_length=50)] = None,
    email: Annotated[str | None, Query(max_length=320)] = None,
) -> dict[str, Any]:
    page = service.list_candidates(
        session, principal.organization_id, params, q=q, tag=tag, email=email
    )
    items = [service.candidate_data(c) for c in page.items]
    return list_body("candidates", items, page.next_cursor)


@router.get("/{candidate_id}", response_model=CandidateEnvelope)
def get_candidate(candidate_id: str, principal: Reader, session: DbSession) -> dict[str, Any]:
    return _one(service.get_candidate(session, principal.organization_id, candidate_id))


@router.patch("/{candidate_id}", response_model=CandidateEnvelope)
def update_candidate(
    candidate_id: str, body: CandidateUpdate, principal: Writer, session: DbSession
) -> dict[str, Any]:
    """Change fields. Emits `candidate.updated` with the previous values of what changed."""
    return _one(service.update_candidate(session, principal.organization_id, candidate_id, body))


@router.delete("/{candidate_id}", status_code=204)
def delete_candidate(
    candidate_id: str,
    principal: Writer,
    session: DbSession,
    settings: SettingsDep,
    erase: Annotated[
        bool, Query(description="Erase the personal data for good (GDPR), not just hide it")
    ] = False,
) -> Response:
    """Soft-delete (emits `candidate.deleted`), or with `erase=true` erase personal data."""
    if erase:
        # Imported here: the privacy feature is built alongside and owns erasure entirely.
        from recruitiq.privacy.erasure import erase_candidate

        erase_candidate(
            session,
            principal.organization_id,
            candidate_id,
            principal,
            data_dir=settings.data_dir,
        )
    else:
        service.delete_candidate(session, principal.organization_id, candidate_id)
    return Response(status_code=204)


@router.post("/{candidate_id}/tags", response_model=CandidateEnvelope)
def tag_candidate(
    candidate_id: str, body: TagsIn, principal: Writer, session: DbSession
) -> dict[str, Any]:
    """Add tags (trimmed, case-insensitively de-duplicated). Emits `candidate.tagged` with
    the tags that were new; none new, no event."""
    return _one(service.add_tags(session, principal.organization_id, candidate_id, body.tags))


@router.post("/{candidate_id}/merge", response_model=CandidateMerged)
def merge_candidate(
    candidate_id: str, body: MergeIn, principal: Writer, session: DbSession
) -> dict[str, Any]:
    """Merge `duplicateId` into this candidate: its applications move here (where both
    applied to one job the older application is kept; `merge.conflicts` says which), tags
    are united, empty fields filled, and the duplicate is soft-deleted. Emits
    `candidate.merged`."""
    candidate, outcome = service.merge_candidates(
        session, principal.organization_id, candidate_id, body.duplicate_id
    )
    return {**_one(candidate), "merge": outcome.to_json()}
