"""Candidates. Each state change emits its event here, in the caller's transaction."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from sqlalchemy import Text, cast, func, select
from sqlalchemy.orm import Session

from recruitiq.candidates.events import (
    CANDIDATE_CREATED,
    CANDIDATE_DELETED,
    CANDIDATE_MERGED,
    CANDIDATE_TAGGED,
    CANDIDATE_UPDATED,
    CandidateDeletedData,
    CandidateEventData,
    CandidateMergedData,
    CandidateTaggedData,
    CandidateUpdatedData,
)
from recruitiq.candidates.schemas import (
    CandidateCreate,
    CandidateUpdate,
    MergeConflict,
    MergeOutcome,
    candidate_out,
    normalize_tags,
)
from recruitiq.errors import Conflict, ValidationFailed
from recruitiq.events.emit import emit
from recruitiq.kit.clock import utcnow
from recruitiq.kit.ids import new_id
from recruitiq.kit.lookup import get_owned, require_reference
from recruitiq.kit.pagination import Page, PageParams, paginate
from recruitiq.models import Application, Candidate

# Profile fields a merge copies from the duplicate when the surviving candidate lacks them.
FILLABLE_FIELDS = (
    "phone",
    "location",
    "current_title",
    "current_company",
    "linkedin_url",
    "source",
)
RESUME_FIELDS = (
    "resume_path",
    "resume_filename",
    "resume_content_type",
    "resume_size",
    "resume_text",
)


def searchable(text: str) -> str:
    """Lower-cased and accent-stripped, so "José MÜLLER" is found by "jose muller"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _refresh_search_text(candidate: Candidate) -> None:
    parts = [
        candidate.first_name,
        candidate.last_name,
        candidate.email,
        candidate.current_title or "",
        *candidate.tags,
    ]
    candidate.search_text = searchable(" ".join(parts))


def candidate_data(candidate: Candidate) -> dict[str, Any]:
    return candidate_out(candidate).to_json()


def _event(candidate: Candidate) -> CandidateEventData:
    return CandidateEventData(candidate=candidate_out(candidate))


def get_candidate(
    session: Session, organization_id: str, candidate_id: str, *, live_only: bool = True
) -> Candidate:
    return get_owned(
        session,
        Candidate,
        organization_id,
        candidate_id,
        resource="Candidate",
        live_only=live_only,
    )


def find_by_email(session: Session, organization_id: str, email: str) -> Candidate | None:
    return session.scalar(
        select(Candidate).where(
            Candidate.organization_id == organization_id,
            Candidate.email == email.lower(),
            Candidate.deleted_at.is_(None),
        )
    )


def _ensure_email_free(
    session: Session, organization_id: str, email: str, *, other_than: str | None = None
) -> None:
    existing = find_by_email(session, organization_id, email)
    if existing is not None and existing.id != other_than:
        raise Conflict(
            f"A candidate with e-mail {email} already exists ({existing.id})",
            code="candidate_exists",
            details=[{"field": "email", "message": existing.id}],
        )


def list_candidates(
    session: Session,
    organization_id: str,
    params: PageParams,
    *,
    q: str | None = None,
    tag: str | None = None,
    email: str | None = None,
) -> Page[Candidate]:
    stmt = select(Candidate).where(
        Candidate.organization_id == organization_id, Candidate.deleted_at.is_(None)
    )
    for word in searchable(q or "").split():
        stmt = stmt.where(Candidate.search_text.contains(word, autoescape=True))
    if tag is not None:
        # Tags are a JSON list on both databases; match the quoted element in its text.
        needle = json.dumps(tag.strip()).lower()
        stmt = stmt.where(func.lower(cast(Candidate.tags, Text)).contains(needle, autoescape=True))
    if email is not None:
        stmt = stmt.where(Candidate.email == email.strip().lower())
    return paginate(session, stmt, Candidate, params)


def create_candidate(session: Session, organization_id: str, body: CandidateCreate) -> Candidate:
    fields = body.model_dump()
    fields["email"] = fields["email"].lower()
    _ensure_email_free(session, organization_id, fields["email"])
    candidate = Candidate(id=new_id("cand"), organization_id=organization_id, **fields)
    _refresh_search_text(candidate)
    session.add(candidate)
    session.flush()
    emit(session, organization_id, CANDIDATE_CREATED, _event(candidate))
    return candidate


def update_candidate(
    session: Session, organization_id: str, candidate_id: str, body: CandidateUpdate
) -> Candidate:
    candidate = get_candidate(session, organization_id, candidate_id)
    fields = body.model_dump(exclude_unset=True)
    if "email" in fields:
        fields["email"] = fields["email"].lower()
        _ensure_email_free(session, organization_id, fields["email"], other_than=candidate.id)
    before = candidate_data(candidate)
    for name, value in fields.items():
        setattr(candidate, name, value)
    _refresh_search_text(candidate)
    session.flush()
    after = candidate_data(candidate)
    changed = {k: before[k] for k in after if before[k] != after[k] and k != "updatedAt"}
    if changed:
        data = CandidateUpdatedData(candidate=candidate_out(candidate), previous=changed)
        emit(session, organization_id, CANDIDATE_UPDATED, data)
    return candidate


def add_tags(
    session: Session, organization_id: str, candidate_id: str, tags: list[str]
) -> Candidate:
    candidate = get_candidate(session, organization_id, candidate_id)
    present = {t.casefold() for t in candidate.tags}
    added = [t for t in normalize_tags(tags) if t.casefold() not in present]
    if not added:
        return candidate
    # A new list, so the JSON column is seen as changed.
    candidate.tags = [*candidate.tags, *added]
    _refresh_search_text(candidate)
    session.flush()
    data = CandidateTaggedData(candidate=candidate_out(candidate), tags=added)
    emit(session, organization_id, CANDIDATE_TAGGED, data)
    return candidate


def delete_candidate(session: Session, organization_id: str, candidate_id: str) -> Candidate:
    candidate = get_candidate(session, organization_id, candidate_id)
    candidate.deleted_at = utcnow()
    session.flush()
    data = CandidateDeletedData(candidate=candidate_out(candidate))
    emit(session, organization_id, CANDIDATE_DELETED, data)
    return candidate


def _live_applications(session: Session, candidate_id: str) -> list[Application]:
    return list(
        session.scalars(
            select(Application).where(
                Application.candidate_id == candidate_id,
                Application.superseded_by_id.is_(None),
            )
        )
    )


def _move_applications(session: Session, survivor: Candidate, duplicate: Candidate) -> MergeOutcome:
    """Move the duplicate's applications; where both applied to a job, the older one wins."""
    by_job = {app.job_id: app for app in _live_applications(session, survivor.id)}
    moved: list[str] = []
    conflicts: list[MergeConflict] = []
    for incoming in _live_applications(session, duplicate.id):
        existing = by_job.get(incoming.job_id)
        if existing is None:
            incoming.candidate_id = survivor.id
            moved.append(incoming.id)
            continue
        if (incoming.created_at, incoming.id) < (existing.created_at, existing.id):
            kept, dropped = incoming, existing
        else:
            kept, dropped = existing, incoming
        # One flush per step: the unique (job, candidate) index only spans live rows, and
        # the dropped row must leave it before the kept row takes its place.
        dropped.superseded_by_id = kept.id
        session.flush()
        if kept is incoming:
            incoming.candidate_id = survivor.id
            session.flush()
            existing.candidate_id = duplicate.id
            moved.append(incoming.id)
        conflicts.append(
            MergeConflict(
                job_id=incoming.job_id,
                kept_application_id=kept.id,
                dropped_application_id=dropped.id,
            )
        )
    return MergeOutcome(duplicate_id=duplicate.id, moved_application_ids=moved, conflicts=conflicts)


def _absorb_profile(survivor: Candidate, duplicate: Candidate) -> None:
    for name in FILLABLE_FIELDS:
        if getattr(survivor, name) is None:
            setattr(survivor, name, getattr(duplicate, name))
    # A resume is several columns describing one file: take all of them or none.
    if survivor.resume_path is None and duplicate.resume_path is not None:
        for name in RESUME_FIELDS:
            setattr(survivor, name, getattr(duplicate, name))
    survivor.tags = normalize_tags([*survivor.tags, *duplicate.tags])
    _refresh_search_text(survivor)


def merge_candidates(
    session: Session, organization_id: str, candidate_id: str, duplicate_id: str
) -> tuple[Candidate, MergeOutcome]:
    survivor = get_candidate(session, organization_id, candidate_id)
    if duplicate_id == candidate_id:
        raise ValidationFailed("A candidate cannot be merged into itself", field="duplicateId")
    duplicate = require_reference(
        session, Candidate, organization_id, duplicate_id, field="duplicateId"
    )
    outcome = _move_applications(session, survivor, duplicate)
    _absorb_profile(survivor, duplicate)
    duplicate.merged_into_id = survivor.id
    duplicate.deleted_at = utcnow()
    session.flush()
    data = CandidateMergedData(
        candidate=candidate_out(survivor), duplicate=candidate_out(duplicate), merge=outcome
    )
    emit(session, organization_id, CANDIDATE_MERGED, data)
    return survivor, outcome
