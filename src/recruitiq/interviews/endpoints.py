from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Depends, Query, status

from recruitiq.auth.dependencies import require_scope
from recruitiq.auth.principal import Principal
from recruitiq.deps import DbSession
from recruitiq.interviews import service
from recruitiq.interviews.schemas import (
    FeedbackCreate,
    FeedbackEnvelope,
    FeedbackPage,
    InterviewCancel,
    InterviewCreate,
    InterviewEnvelope,
    InterviewPage,
    InterviewStatus,
    InterviewUpdate,
)
from recruitiq.kit.pagination import PageParams, list_body, page_params
from recruitiq.kit.routing import api_router
from recruitiq.kit.schema import Timestamp
from recruitiq.models import Interview

router = api_router(prefix="/api/v1/interviews", tags=["interviews"])

Reader = Annotated[Principal, Depends(require_scope("interviews:read"))]
Writer = Annotated[Principal, Depends(require_scope("interviews:write"))]


def _one(interview: Interview) -> dict[str, Any]:
    return {"success": True, "interview": service.interview_data(interview)}


@router.post("", status_code=status.HTTP_201_CREATED, response_model=InterviewEnvelope)
def schedule_interview(
    body: InterviewCreate, principal: Writer, session: DbSession
) -> dict[str, Any]:
    """Schedule an interview for an active application. Emits `interview.scheduled`."""
    return _one(service.schedule_interview(session, principal.organization_id, body))


@router.get("", response_model=InterviewPage)
def list_interviews(
    principal: Reader,
    session: DbSession,
    params: Annotated[PageParams, Depends(page_params)],
    application_id: Annotated[str | None, Query(alias="applicationId")] = None,
    status: Annotated[InterviewStatus | None, Query()] = None,
    scheduled_after: Annotated[Timestamp | None, Query(alias="scheduledAfter")] = None,
    scheduled_before: Annotated[Timestamp | None, Query(alias="scheduledBefore")] = None,
) -> dict[str, Any]:
    """Newest first. `scheduledAfter` is inclusive, `scheduledBefore` exclusive."""
    page = service.list_interviews(
        session, principal.organization_id, params,
        application_id=application_id,
        status=status,
        scheduled_after=scheduled_after,
        scheduled_before=scheduled_before,
    )
    items = [service.interview_data(i) for i in page.items]
    return list_body("interviews", items, page.next_cursor)


@router.get("/{interview_id}", response_model=InterviewEnvelope)
def get_interview(interview_id: str, principal: Reader, session: DbSession) -> dict[str, Any]:
    return _one(service.get_interview(session, principal.organization_id, interview_id))


@router.patch("/{interview_id}", response_model=InterviewEnvelope)
def reschedule_interview(
    interview_id: str, body: InterviewUpdate, principal: Writer, session: DbSession
) -> dict[str, Any]:
    """Change a scheduled interview. Emits `interview.rescheduled` with `previousScheduledAt`."""
    return _one(
        service.reschedule_interview(session, principal.organization_id, interview_id, body)
    )


@router.post("/{interview_id}/complete", response_model=InterviewEnvelope)
def complete_interview(
    interview_id: str, principal: Writer, session: DbSession
) -> dict[str, Any]:
    """scheduled → completed. Emits `interview.completed`."""
    return _one(service.complete_interview(session, principal.organization_id, interview_id))


@router.post("/{interview_id}/cancel", response_model=InterviewEnvelope)
def cancel_interview(
    interview_id: str,
    principal: Writer,
    session: DbSession,
    body: Annotated[InterviewCancel | None, Body()] = None,
) -> dict[str, Any]:
    """scheduled → cancelled, with an optional reason. Emits `interview.cancelled`."""
    reason = body.reason if body is not None else None
    return _one(
        service.cancel_interview(session, principal.organization_id, interview_id, reason)
    )


@router.post("/{interview_id}/feedback", status_code=status.HTTP_201_CREATED,
             response_model=FeedbackEnvelope)
def submit_feedback(
    interview_id: str, body: FeedbackCreate, principal: Writer, session: DbSession
) -> dict[str, Any]:
    """One scorecard per author (the caller). Emits `interview.feedback_submitted`."""
    feedback = service.submit_feedback(
        session, principal.organization_id, interview_id, body, principal
    )
    return {"success": True, "feedback": service.feedback_data(feedback)}


@router.get("/{interview_id}/feedback", response_model=FeedbackPage)
def list_feedback(interview_id: str, principal: Reader, session: DbSession) -> dict[str, Any]:
    """All feedback on the interview, oldest first."""
    rows = service.list_feedback(session, principal.organization_id, interview_id)
    return list_body("feedback", [service.feedback_data(f) for f in rows], None)
