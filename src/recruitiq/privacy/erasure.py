"""GDPR erasure: remove one candidate's personal data from everything we store.

``erase_candidate`` runs in the caller's transaction (``DELETE
/api/v1/candidates/{id}?erase=true``). It overwrites rather than deletes, so counts,
reports and the hiring history stay true while naming nobody:

- the candidate row: name → "Erased candidate", e-mail → ``<id>@erased.invalid``,
  contact and profile fields, tags and search text cleared, resume columns cleared
  (the file is deleted once the transaction commits);
- merged duplicates of the candidate (the same person) are erased the same way;
- messages to the candidate: address and bodies replaced, queued ones cancelled;
- free text on the candidate's applications, interviews, feedback and offers: the
  person's name, e-mail, phone and profile URL replaced with "[erased]";
- stored events, webhook delivery payloads and attempt responses, and remembered
  idempotent responses that mention the candidate: personal fields of the objects about
  the candidate replaced, mentions elsewhere scrubbed (already-sent webhooks cannot be
  recalled; what we keep and would redeliver is clean).

It then emits ``candidate.deleted`` with ``{"candidate": {"id", "erased": true}}`` and
nothing personal. The audit log records the change by field names only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import String, Text, or_, select
from sqlalchemy.orm import Session

from recruitiq.auth.principal import Principal
from recruitiq.candidates.events import CANDIDATE_DELETED, CandidateDeletedData
from recruitiq.candidates.service import get_candidate
from recruitiq.config import get_settings
from recruitiq.db import after_commit
from recruitiq.events.emit import emit
from recruitiq.kit.clock import utcnow
from recruitiq.models import (
    Application,
    ApplicationNote,
    Candidate,
    Event,
    IdempotencyRecord,
    Interview,
    InterviewFeedback,
    Message,
    Offer,
    WebhookAttempt,
    WebhookDelivery,
)
from recruitiq.privacy.schemas import ErasedCandidateRef
from recruitiq.privacy.scrub import (
    ERASED_FIRST_NAME,
    ERASED_LAST_NAME,
    REDACTED,
    Person,
)
from recruitiq.resumes import storage
from recruitiq.resumes.service import clear_resume_columns

CANCELLED = "cancelled: the candidate's personal data was erased"


def _text_columns(obj: Any) -> list[str]:
    table = obj.__table__
    return [
        c.key for c in table.columns
        if isinstance(c.type, String | Text) and not c.primary_key and not c.foreign_keys
    ]


def _scrub_rows(rows: Iterable[Any], person: Person) -> None:
    for row in rows:
        for name in _text_columns(row):
            value = getattr(row, name)
            if isinstance(value, str) and person.mentioned_in(value):
                setattr(row, name, person.scrub_text(value))


def _mentions(column: Any, person: Person) -> Any:
    needles = {person.candidate_id, *person.terms, *(t.lower() for t in person.terms)}
    return or_(*(column.contains(n, autoescape=True) for n in needles))


def _erase_profile(candidate: Candidate, person: Person, data_dir: Path, session: Session) -> None:
    organization_id, candidate_id = candidate.organization_id, candidate.id
    candidate.first_name = ERASED_FIRST_NAME
    candidate.last_name = ERASED_LAST_NAME
    candidate.email = person.placeholder_email
    for name in ("phone", "location", "current_title", "current_company", "linkedin_url"):
        setattr(candidate, name, None)
    candidate.tags = []
    candidate.search_text = ""
    clear_resume_columns(candidate)
    now = utcnow()
    candidate.erased_at = now
    candidate.deleted_at = candidate.deleted_at or now
    after_commit(
        session, lambda: storage.remove_candidate_files(data_dir, organization_id, candidate_id)
    )


def _erase_messages(session: Session, candidate: Candidate, person: Person) -> None:
    messages = session.scalars(
        select(Message).where(Message.organization_id == candidate.organization_id,
                              Message.candidate_id == candidate.id)
    )
    for message in messages:
        message.to_address = person.placeholder_email
        message.subject = REDACTED
        message.text_body = REDACTED
        message.html_body = None
        message.last_error = person.scrub_text(message.last_error) if message.last_error else None
        if message.status == "queued":
            message.status = "failed"
            message.next_attempt_at = None
            message.last_error = CANCELLED


def _erase_pipeline_text(session: Session, candidate: Candidate, person: Person) -> None:
    org = candidate.organization_id
    app_ids = select(Application.id).where(
        Application.organization_id == org, Application.candidate_id == candidate.id
    )
    interview_ids = select(Interview.id).where(
        Interview.organization_id == org, Interview.application_id.in_(app_ids)
    )
    for model, column in (
        (Application, Application.id),
        (ApplicationNote, ApplicationNote.application_id),
        (Interview, Interview.application_id),
        (Offer, Offer.application_id),
    ):
        _scrub_rows(session.scalars(select(model).where(model.organization_id == org,
                                                        column.in_(app_ids))), person)
    _scrub_rows(session.scalars(select(InterviewFeedback).where(
        InterviewFeedback.organization_id == org,
        InterviewFeedback.interview_id.in_(interview_ids))), person)


def _erase_stored_payloads(session: Session, organization_id: str, person: Person) -> None:
    events = list(session.scalars(select(Event).where(
        Event.organization_id == organization_id, _mentions(Event.payload, person))))
    for event in events:
        event.payload = person.scrub_document(event.payload)
    event_ids = [e.id for e in events]
    deliveries = list(session.scalars(select(WebhookDelivery).where(
        WebhookDelivery.organization_id == organization_id,
        or_(WebhookDelivery.event_id.in_(event_ids),
            _mentions(WebhookDelivery.payload, person),
            _mentions(WebhookDelivery.last_error, person)))))
    for delivery in deliveries:
        if delivery.payload is not None:
            delivery.payload = person.scrub_document(delivery.payload)
    _scrub_rows(deliveries, person)
    attempts = session.scalars(select(WebhookAttempt).where(
        WebhookAttempt.organization_id == organization_id,
        or_(WebhookAttempt.delivery_id.in_([d.id for d in deliveries]),
            _mentions(WebhookAttempt.response_body, person),
            _mentions(WebhookAttempt.error, person))))
    for attempt in attempts:
        if attempt.response_body is not None:
            attempt.response_body = person.scrub_document(attempt.response_body)
        _scrub_rows([attempt], person)


def _erase_remembered_responses(session: Session, person: Person) -> None:
    # Idempotency records belong to no organization; the candidate id is globally unique,
    # so only responses that were about this candidate are touched.
    records = session.scalars(select(IdempotencyRecord).where(
        IdempotencyRecord.response_body.contains(person.candidate_id, autoescape=True)))
    for record in records:
        if record.response_body is not None:
            record.response_body = person.scrub_document(record.response_body)


def _person(session: Session, candidate: Candidate) -> Person:
    addresses = session.scalars(select(Message.to_address).where(
        Message.organization_id == candidate.organization_id,
        Message.candidate_id == candidate.id))
    return Person.of(candidate.id, [
        candidate.full_name, candidate.first_name, candidate.last_name, candidate.email,
        candidate.phone, candidate.linkedin_url, *addresses,
    ])


def _duplicates(session: Session, candidate: Candidate) -> Sequence[Candidate]:
    return session.scalars(select(Candidate).where(
        Candidate.organization_id == candidate.organization_id,
        Candidate.merged_into_id == candidate.id,
        Candidate.erased_at.is_(None),
    )).all()


def _erase_one(session: Session, candidate: Candidate, data_dir: Path) -> None:
    person = _person(session, candidate)
    _erase_messages(session, candidate, person)
    _erase_pipeline_text(session, candidate, person)
    _erase_profile(candidate, person, data_dir, session)
    session.flush()
    _erase_stored_payloads(session, candidate.organization_id, person)
    _erase_remembered_responses(session, person)
    session.flush()
    emit(session, candidate.organization_id, CANDIDATE_DELETED,
         CandidateDeletedData(candidate=ErasedCandidateRef(id=candidate.id)))


def erase_candidate(
    session: Session,
    organization_id: str,
    candidate_id: str,
    actor: Principal | None,
    *,
    data_dir: Path | None = None,
) -> Candidate:
    """Erase the candidate (live or soft-deleted) and its merged duplicates. Erasing an
    erased candidate again changes nothing. ``data_dir`` defaults to the process
    settings' (where the resume files are)."""
    candidate = get_candidate(session, organization_id, candidate_id, live_only=False)
    if candidate.erased_at is not None:
        return candidate
    data_dir = data_dir or get_settings().data_dir
    for person_row in (*_duplicates(session, candidate), candidate):
        _erase_one(session, person_row, data_dir)
    return candidate
