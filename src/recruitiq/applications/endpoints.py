from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, status
from sqlalchemy.orm import Session

from recruitiq.applications import service
from recruitiq.applications.schemas import (
    ApplicationCreate,
    ApplicationDetailEnvelope,
    ApplicationEnvelope,
    ApplicationPage,
    ApplicationStatus,
    ApplicationUpdate,
    NoteEnvelope,
    NoteIn,
    NotePage,
    RejectIn,
    Stage,
    StageIn,
    StageList,
)
from recruitiq.auth.dependencies import require_scope
from recruitiq.auth.principal import Principal
from recruitiq.deps import DbSession
from recruitiq.kit.pagination import PageParams, list_body, page_params
from recruitiq.kit.routing import api_router
from recruitiq.models import Application

applications = api_router(prefix="/api/v1/applications", tags=["applications"])
pipeline = api_router(prefix="/api/v1/pipeline", tags=["applications"])

Reader = Annotated[Principal, Depends(require_scope("applications:read"))]
Writer = Annotated[Principal, Depends(require_scope("applications:write"))]


def _one(session: Session, application: Application) -> dict[str, Any]:
    return {"success": True, "application": service.application_data(session, application)}


@applications.post("", status_code=status.HTTP_201_CREATED, response_model=ApplicationEnvelope)
def create_application(
    body: ApplicationCreate, principal: Writer, session: DbSession
) -> dict[str, Any]:
    """Apply a candidate to an open job: give `candidateId`, or `candidate` (found by e-mail
    or created, emitting `candidate.created`). Emits `application.received`."""
    return _one(session, service.create_application(session, principal.organization_id, body))


@applications.get("", response_model=ApplicationPage)
def list_applications(
    principal: Reader,
    session: DbSession,
    params: Annotated[PageParams, Depends(page_params)],
    job_id: Annotated[str | None, Query(alias="jobId", max_length=40)] = None,
    candidate_id: Annotated[str | None, Query(alias="candidateId", max_length=40)] = None,
    stage: Annotated[Stage | None, Query()] = None,
    status: Annotated[ApplicationStatus | None, Query()] = None,
) -> dict[str, Any]:
    page = service.list_applications(
        session, principal.organization_id, params,
        job_id=job_id, candidate_id=candidate_id, stage=stage, status=status,
    )
    items = [service.application_data(session, a) for a in page.items]
    return list_body("applications", items, page.next_cursor)


@applications.get("/{application_id}", response_model=ApplicationDetailEnvelope)
def get_application(
    application_id: str, principal: Reader, session: DbSession
) -> dict[str, Any]:
    """The application with its stage history, oldest move first."""
    application = service.get_application(session, principal.organization_id, application_id)
    body = _one(session, application)
    body["application"]["stageHistory"] = service.stage_history(session, application)
    return body


@applications.patch("/{application_id}", response_model=ApplicationEnvelope)
def update_application(
    application_id: str, body: ApplicationUpdate, principal: Writer, session: DbSession
) -> dict[str, Any]:
    """Set `score` (0–100) or `assignedTo` (a user of the organization; null unassigns)."""
    return _one(
        session,
        service.update_application(session, principal.organization_id, application_id, body),
    )


@applications.post("/{application_id}/review", response_model=ApplicationEnvelope)
def review_application(
    application_id: str, principal: Writer, session: DbSession
) -> dict[str, Any]:
    """Mark reviewed (once); a `new` application moves to `screening`. Emits
    `application.reviewed` (after the stage events when it moved)."""
    return _one(
        session, service.review(session, principal.organization_id, application_id, principal)
    )


@applications.put("/{application_id}/stage", response_model=ApplicationEnvelope)
def update_application_stage(
    application_id: str, body: StageIn, principal: Writer, session: DbSession
) -> dict[str, Any]:
    """Move an active application to any stage. Emits `application.stage_changed`, plus
    `application.advanced` when moving forward; `hired` hires (`hire.completed`)."""
    application = service.change_stage(
        session, principal.organization_id, application_id, body.stage, principal
    )
    return _one(session, application)


@applications.post("/{application_id}/reject", response_model=ApplicationEnvelope)
def reject_application(
    application_id: str, body: RejectIn, principal: Writer, session: DbSession
) -> dict[str, Any]:
    """Reject an active application. Emits `application.rejected` with the reason."""
    return _one(
        session, service.reject(session, principal.organization_id, application_id, body.reason)
    )


@applications.post("/{application_id}/withdraw", response_model=ApplicationEnvelope)
def withdraw_application(
    application_id: str, principal: Writer, session: DbSession
) -> dict[str, Any]:
    """The candidate withdrew. Emits `application.withdrawn`."""
    return _one(session, service.withdraw(session, principal.organization_id, application_id))


@applications.post("/{application_id}/hire", response_model=ApplicationEnvelope)
def hire_application(
    application_id: str, principal: Writer, session: DbSession
) -> dict[str, Any]:
    """Hire: stage and status `hired`. Emits `application.stage_changed` and `hire.completed`."""
    application = service.mark_hired(
        session, principal.organization_id, application_id, principal
    )
    return _one(session, application)


@applications.post("/{application_id}/onboarding", response_model=ApplicationEnvelope)
def start_onboarding(
    application_id: str, principal: Writer, session: DbSession
) -> dict[str, Any]:
    """Start onboarding a hired candidate (once). Emits `hire.onboarding_started`."""
    application = service.start_onboarding(session, principal.organization_id, application_id)
    return _one(session, application)


@applications.post("/{application_id}/notes", status_code=status.HTTP_201_CREATED,
                   response_model=NoteEnvelope)
def add_note(
    application_id: str, body: NoteIn, principal: Writer, session: DbSession
) -> dict[str, Any]:
    """Add an internal note; its author is the caller."""
    note = service.add_note(
        session, principal.organization_id, application_id, body.body, principal
    )
    return {"success": True, "note": note}


@applications.get("/{application_id}/notes", response_model=NotePage)
def list_notes(
    application_id: str,
    principal: Reader,
    session: DbSession,
    params: Annotated[PageParams, Depends(page_params)],
) -> dict[str, Any]:
    page = service.list_notes(session, principal.organization_id, application_id, params)
    return list_body("notes", [service.note_data(n) for n in page.items], page.next_cursor)


@pipeline.get("/stages", response_model=StageList)
def list_stages(principal: Reader) -> dict[str, Any]:
    """The pipeline's stages in order, with display names."""
    return {"success": True, "stages": service.pipeline_stages()}


router = api_router()
router.include_router(applications)
router.include_router(pipeline)
