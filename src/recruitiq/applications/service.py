"""Applications and the hiring pipeline. Each transition emits its events here, in the
caller's transaction; interviews and offers drive stages through these same functions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from recruitiq.applications.events import (
    APPLICATION_ADVANCED,
    APPLICATION_RECEIVED,
    APPLICATION_REJECTED,
    APPLICATION_REVIEWED,
    APPLICATION_STAGE_CHANGED,
    APPLICATION_WITHDRAWN,
    HIRE_COMPLETED,
    HIRE_ONBOARDING_STARTED,
    ApplicationEventData,
    RejectedData,
    StageMoveData,
)
from recruitiq.applications.schemas import (
    STAGE_NAMES,
    ApplicationCreate,
    ApplicationSnapshot,
    ApplicationUpdate,
    JobSummary,
    NoteOut,
    StageChangeOut,
    StageOut,
)
from recruitiq.auth.principal import Principal
from recruitiq.candidates import service as candidates
from recruitiq.candidates.schemas import resume_url
from recruitiq.errors import Conflict, InvalidTransition, ValidationFailed
from recruitiq.events.emit import emit
from recruitiq.kit.clock import utcnow
from recruitiq.kit.ids import new_id
from recruitiq.kit.lookup import get_owned, require_reference
from recruitiq.kit.pagination import Page, PageParams, paginate, where_equal
from recruitiq.models import Application, ApplicationNote, Candidate, Job, StageChange, User
from recruitiq.models.application import STAGE_POSITION, STAGES

# --- snapshots -----------------------------------------------------------------------------


def job_summary(job: Job) -> JobSummary:
    return JobSummary(id=job.id, title=job.title, department=job.department)


def application_snapshot(session: Session, application: Application) -> ApplicationSnapshot:
    # The candidate may since have been deleted or merged away; the snapshot still names them.
    candidate = candidates.get_candidate(
        session, application.organization_id, application.candidate_id, live_only=False
    )
    return snapshot_of(application, candidate)


def snapshot_of(application: Application, candidate: Candidate) -> ApplicationSnapshot:
    """The application as the API and events show it, from a row and its candidate."""
    return ApplicationSnapshot(
        id=application.id,
        organization_id=application.organization_id,
        job_id=application.job_id,
        candidate_id=application.candidate_id,
        candidate_name=candidate.full_name,
        candidate_email=candidate.email,
        resume_url=resume_url(candidate),
        stage=application.stage,
        status=application.status,
        source=application.source,
        referral_code=application.referral_code,
        score=application.score,
        assigned_to=application.assigned_to_id,
        applied_at=application.created_at,
        reviewed_at=application.reviewed_at,
        stage_entered_at=application.stage_entered_at,
        rejection_reason=application.rejection_reason,
        rejected_at=application.rejected_at,
        withdrawn_at=application.withdrawn_at,
        hired_at=application.hired_at,
        onboarding_started_at=application.onboarding_started_at,
        superseded_by_id=application.superseded_by_id,
        updated_at=application.updated_at,
    )


def application_data(session: Session, application: Application) -> dict[str, Any]:
    return application_snapshot(session, application).to_json()


def _job(session: Session, application: Application) -> Job:
    # Deleted jobs still own their applications' history.
    return get_owned(
        session,
        Job,
        application.organization_id,
        application.job_id,
        resource="Job",
        live_only=False,
    )


def _event_data(session: Session, application: Application) -> ApplicationEventData:
    return ApplicationEventData(
        application=application_snapshot(session, application),
        job=job_summary(_job(session, application)),
    )


# --- reads ---------------------------------------------------------------------------------


def get_application(session: Session, organization_id: str, application_id: str) -> Application:
    return get_owned(session, Application, organization_id, application_id, resource="Application")


def stage_history(session: Session, application: Application) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(StageChange)
        .where(StageChange.application_id == application.id)
        .order_by(StageChange.changed_at, StageChange.id)
    )
    return [StageChangeOut.model_validate(row).to_json() for row in rows]


def list_applications(
    session: Session,
    organization_id: str,
    params: PageParams,
    *,
    job_id: str | None = None,
    candidate_id: str | None = None,
    stage: str | None = None,
    status: str | None = None,
) -> Page[Application]:
    stmt = select(Application).where(
        Application.organization_id == organization_id, Application.superseded_by_id.is_(None)
    )
    for column, value in (
        (Application.job_id, job_id),
        (Application.candidate_id, candidate_id),
        (Application.stage, stage),
        (Application.status, status),
    ):
        stmt = where_equal(stmt, (column, value))
    return paginate(session, stmt, Application, params)


def pipeline_stages() -> list[dict[str, Any]]:
    return [
        StageOut(id=stage, name=STAGE_NAMES[stage], position=index).to_json()
        for index, stage in enumerate(STAGES)
    ]


# --- writes --------------------------------------------------------------------------------


def _applicant(session: Session, organization_id: str, body: ApplicationCreate) -> Candidate:
    if (body.candidate_id is None) == (body.candidate is None):
        message = "Give exactly one of candidateId or candidate"
        raise ValidationFailed(
            message,
            details=[
                {"field": "candidateId", "message": message},
                {"field": "candidate", "message": message},
            ],
        )
    if body.candidate_id is not None:
        return require_reference(
            session, Candidate, organization_id, body.candidate_id, field="candidateId"
        )
    assert body.candidate is not None
    existing = candidates.find_by_email(session, organization_id, body.candidate.email)
    if existing is not None:
        return existing
    return candidates.create_candidate(session, organization_id, body.candidate)


def create_application(
    session: Session, organization_id: str, body: ApplicationCreate
) -> Application:
    job = require_reference(session, Job, organization_id, body.job_id, field="jobId")
    if job.status != "open":
        raise Conflict(f"Job '{job.id}' is {job.status}, not open", code="job_not_open")
    candidate = _applicant(session, organization_id, body)
    duplicate = session.scalar(
        select(Application).where(
            Application.job_id == job.id,
            Application.candidate_id == candidate.id,
            Application.superseded_by_id.is_(None),
        )
    )
    if duplicate is not None:
        raise Conflict(
            f"Candidate '{candidate.id}' already applied to this job ({duplicate.id})",
            code="application_exists",
        )
    now = utcnow()
    application = Application(
        id=new_id("app"),
        organization_id=organization_id,
        job_id=job.id,
        candidate_id=candidate.id,
        stage="new",
        status="active",
        source=body.source,
        referral_code=body.referral_code,
        created_at=now,
        updated_at=now,
        stage_entered_at=now,
    )
    session.add(application)
    session.flush()
    _record_stage(session, application, None, "new", None)
    emit(session, organization_id, APPLICATION_RECEIVED, _event_data(session, application))
    return application


def update_application(
    session: Session, organization_id: str, application_id: str, body: ApplicationUpdate
) -> Application:
    application = get_application(session, organization_id, application_id)
    fields = body.model_dump(exclude_unset=True)
    if "score" in fields:
        application.score = fields["score"]
    if "assigned_to" in fields:
        assignee = fields["assigned_to"]
        if assignee is not None:
            require_reference(session, User, organization_id, assignee, field="assignedTo")
        application.assigned_to_id = assignee
    session.flush()
    return application


def _actor(actor: Principal | None) -> tuple[str, str | None]:
    return ("system", None) if actor is None else (actor.kind, actor.actor_id)


def _record_stage(
    session: Session,
    application: Application,
    from_stage: str | None,
    to_stage: str,
    actor: Principal | None,
) -> None:
    actor_type, actor_id = _actor(actor)
    session.add(
        StageChange(
            id=new_id("stg"),
            organization_id=application.organization_id,
            application_id=application.id,
            from_stage=from_stage,
            to_stage=to_stage,
            actor_type=actor_type,
            actor_id=actor_id,
            changed_at=utcnow(),
        )
    )


def _require_active(application: Application, action: str) -> None:
    if application.status != "active":
        raise InvalidTransition(f"Cannot {action}: the application is {application.status}")


def _move(
    session: Session, application: Application, to_stage: str, actor: Principal | None
) -> str:
    """Move and record the stage; returns the previous stage. Emits nothing."""
    previous = application.stage
    if to_stage == previous:
        raise InvalidTransition(f"The application is already in stage {to_stage}")
    application.stage = to_stage
    application.stage_entered_at = utcnow()
    _record_stage(session, application, previous, to_stage, actor)
    session.flush()
    return previous


def _emit_stage_changed(
    session: Session, application: Application, previous: str, *, advanced: bool
) -> None:
    base = _event_data(session, application)
    data = StageMoveData(application=base.application, job=base.job, previous_stage=previous)
    emit(session, application.organization_id, APPLICATION_STAGE_CHANGED, data)
    if advanced:
        emit(session, application.organization_id, APPLICATION_ADVANCED, data)


def change_stage(
    session: Session,
    organization_id: str,
    application_id: str,
    to_stage: str,
    actor: Principal | None,
) -> Application:
    """Move to any pipeline stage; `actor` None means the system (a worker)."""
    if to_stage not in STAGE_POSITION:
        raise ValidationFailed(f"Unknown stage {to_stage}", field="stage")
    if to_stage == "hired":
        return mark_hired(session, organization_id, application_id, actor)
    application = get_application(session, organization_id, application_id)
    _require_active(application, f"move it to {to_stage}")
    previous = _move(session, application, to_stage, actor)
    forward = STAGE_POSITION[to_stage] > STAGE_POSITION[previous]
    _emit_stage_changed(session, application, previous, advanced=forward)
    return application


def mark_hired(
    session: Session, organization_id: str, application_id: str, actor: Principal | None
) -> Application:
    """Stage and status hired. Emits application.stage_changed and hire.completed; not
    application.advanced, which is about moving within the pipeline, not leaving it."""
    application = get_application(session, organization_id, application_id)
    _require_active(application, "hire")
    previous = _move(session, application, "hired", actor)
    application.status = "hired"
    application.hired_at = utcnow()
    session.flush()
    _emit_stage_changed(session, application, previous, advanced=False)
    emit(session, organization_id, HIRE_COMPLETED, _event_data(session, application))
    return application


def review(
    session: Session, organization_id: str, application_id: str, actor: Principal | None
) -> Application:
    application = get_application(session, organization_id, application_id)
    _require_active(application, "review it")
    if application.reviewed_at is not None:
        raise InvalidTransition("The application has already been reviewed")
    application.reviewed_at = utcnow()
    if application.stage == "new":
        previous = _move(session, application, "screening", actor)
        _emit_stage_changed(session, application, previous, advanced=True)
    session.flush()
    emit(session, organization_id, APPLICATION_REVIEWED, _event_data(session, application))
    return application


def reject(session: Session, organization_id: str, application_id: str, reason: str) -> Application:
    application = get_application(session, organization_id, application_id)
    _require_active(application, "reject it")
    application.status = "rejected"
    application.rejection_reason = reason
    application.rejected_at = utcnow()
    session.flush()
    base = _event_data(session, application)
    data = RejectedData(application=base.application, job=base.job, reason=reason)
    emit(session, organization_id, APPLICATION_REJECTED, data)
    return application


def withdraw(session: Session, organization_id: str, application_id: str) -> Application:
    application = get_application(session, organization_id, application_id)
    _require_active(application, "withdraw it")
    application.status = "withdrawn"
    application.withdrawn_at = utcnow()
    session.flush()
    emit(session, organization_id, APPLICATION_WITHDRAWN, _event_data(session, application))
    return application


def start_onboarding(session: Session, organization_id: str, application_id: str) -> Application:
    application = get_application(session, organization_id, application_id)
    if application.status != "hired":
        raise InvalidTransition(
            f"Only a hired application can start onboarding; this one is {application.status}"
        )
    if application.onboarding_started_at is not None:
        raise InvalidTransition("Onboarding has already started")
    application.onboarding_started_at = utcnow()
    session.flush()
    emit(session, organization_id, HIRE_ONBOARDING_STARTED, _event_data(session, application))
    return application


# --- notes ---------------------------------------------------------------------------------


def add_note(
    session: Session, organization_id: str, application_id: str, body: str, author: Principal
) -> dict[str, Any]:
    application = get_application(session, organization_id, application_id)
    note = ApplicationNote(
        id=new_id("note"),
        organization_id=organization_id,
        application_id=application.id,
        body=body,
        author_type=author.kind,
        author_id=author.actor_id,
    )
    session.add(note)
    session.flush()
    return note_data(note)


def list_notes(
    session: Session, organization_id: str, application_id: str, params: PageParams
) -> Page[ApplicationNote]:
    application = get_application(session, organization_id, application_id)
    stmt = select(ApplicationNote).where(
        ApplicationNote.organization_id == organization_id,
        ApplicationNote.application_id == application.id,
    )
    return paginate(session, stmt, ApplicationNote, params)


def note_data(note: ApplicationNote) -> dict[str, Any]:
    return NoteOut.model_validate(note).to_json()
