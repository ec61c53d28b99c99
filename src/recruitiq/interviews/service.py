"""Interviews and their feedback. Each state change emits its event here, in the caller's
transaction; rows that change state are loaded FOR UPDATE so concurrent calls serialise."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from recruitiq.auth.principal import Principal
from recruitiq.errors import Conflict, InvalidTransition
from recruitiq.events.emit import emit
from recruitiq.interviews.context import (
    hiring_context,
    referenced_application,
    require_active,
)
from recruitiq.interviews.events import (
    INTERVIEW_CANCELLED,
    INTERVIEW_COMPLETED,
    INTERVIEW_FEEDBACK_SUBMITTED,
    INTERVIEW_RESCHEDULED,
    INTERVIEW_SCHEDULED,
    FeedbackSubmittedData,
    InterviewEventData,
    InterviewRescheduledData,
)
from recruitiq.interviews.schemas import (
    FeedbackCreate,
    FeedbackOut,
    InterviewCreate,
    InterviewOut,
    InterviewUpdate,
    PanelMember,
)
from recruitiq.kit.clock import utcnow
from recruitiq.kit.ids import new_id
from recruitiq.kit.lookup import get_owned, require_reference
from recruitiq.kit.pagination import Page, PageParams, paginate, where_equal
from recruitiq.models import Application, Interview, InterviewFeedback, User

# Feedback is welcome before the interview is marked completed (panels often write it
# straight away), never on a cancelled one.
FEEDBACK_STATUSES = frozenset({"scheduled", "completed"})


def interview_data(interview: Interview) -> dict[str, Any]:
    return InterviewOut.model_validate(interview).to_json()


def feedback_data(feedback: InterviewFeedback) -> dict[str, Any]:
    return FeedbackOut.model_validate(feedback).to_json()


def _panel(session: Session, interview: Interview) -> list[PanelMember]:
    user_ids = [entry for entry in interview.interviewers if "@" not in entry]
    stmt = select(User).where(
        User.organization_id == interview.organization_id, User.id.in_(user_ids)
    )
    users = {user.id: user for user in session.scalars(stmt)}
    panel = []
    for entry in interview.interviewers:
        if "@" in entry:
            panel.append(PanelMember(user_id=None, email=entry, name=None))
        else:
            user = users.get(entry)  # a user removed since still shows as their id
            panel.append(
                PanelMember(
                    user_id=entry,
                    email=user.email if user else None,
                    name=user.name if user else None,
                )
            )
    return panel


def _event(session: Session, interview: Interview) -> InterviewEventData:
    application = session.get(Application, interview.application_id)
    assert application is not None  # a foreign key guarantees it
    context = hiring_context(session, application)
    return InterviewEventData(
        interview=InterviewOut.model_validate(interview),
        panel=_panel(session, interview),
        application=context.application,
        job=context.job,
    )


def get_interview(
    session: Session, organization_id: str, interview_id: str, *, for_update: bool = False
) -> Interview:
    return get_owned(
        session,
        Interview,
        organization_id,
        interview_id,
        resource="Interview",
        for_update=for_update,
    )


def list_interviews(
    session: Session,
    organization_id: str,
    params: PageParams,
    *,
    application_id: str | None = None,
    status: str | None = None,
    scheduled_after: datetime | None = None,
    scheduled_before: datetime | None = None,
) -> Page[Interview]:
    stmt = select(Interview).where(Interview.organization_id == organization_id)
    stmt = where_equal(
        stmt,
        (Interview.application_id, application_id),
        (Interview.status, status),
    )
    if scheduled_after is not None:
        stmt = stmt.where(Interview.scheduled_at >= scheduled_after)
    if scheduled_before is not None:
        stmt = stmt.where(Interview.scheduled_at < scheduled_before)
    return paginate(session, stmt, Interview, params)


def _check_interviewers(session: Session, organization_id: str, interviewers: list[str]) -> None:
    """E-mail addresses were checked by the schema; anything else must be a user of the org."""
    for index, entry in enumerate(interviewers):
        if "@" not in entry:
            require_reference(session, User, organization_id, entry, field=f"interviewers.{index}")


def schedule_interview(session: Session, organization_id: str, body: InterviewCreate) -> Interview:
    application = referenced_application(session, organization_id, body.application_id)
    require_active(application, "schedule an interview")
    _check_interviewers(session, organization_id, body.interviewers)
    interview = Interview(
        id=new_id("int"),
        organization_id=organization_id,
        status="scheduled",
        **body.model_dump(),
    )
    session.add(interview)
    session.flush()
    emit(session, organization_id, INTERVIEW_SCHEDULED, _event(session, interview))
    return interview


def _require_status(interview: Interview, allowed: frozenset[str], action: str) -> None:
    if interview.status not in allowed:
        raise InvalidTransition(f"A {interview.status} interview cannot be {action}")


def reschedule_interview(
    session: Session, organization_id: str, interview_id: str, body: InterviewUpdate
) -> Interview:
    fields = body.model_dump(exclude_unset=True)
    interview = get_interview(session, organization_id, interview_id, for_update=True)
    _require_status(interview, frozenset({"scheduled"}), "rescheduled")
    if "interviewers" in fields:
        _check_interviewers(session, organization_id, fields["interviewers"])
    before = interview_data(interview)
    previous_start = interview.scheduled_at
    for name, value in fields.items():
        setattr(interview, name, value)
    session.flush()
    after = interview_data(interview)
    ignored = {"updatedAt", "endsAt"}
    changed = {k: before[k] for k in after if k not in ignored and before[k] != after[k]}
    if changed:
        base = _event(session, interview)
        data = InterviewRescheduledData(
            **dict(base), previous_scheduled_at=previous_start, previous=changed
        )
        emit(session, organization_id, INTERVIEW_RESCHEDULED, data)
    return interview


def complete_interview(session: Session, organization_id: str, interview_id: str) -> Interview:
    interview = get_interview(session, organization_id, interview_id, for_update=True)
    _require_status(interview, frozenset({"scheduled"}), "completed")
    interview.status = "completed"
    interview.completed_at = utcnow()
    session.flush()
    emit(session, organization_id, INTERVIEW_COMPLETED, _event(session, interview))
    return interview


def cancel_interview(
    session: Session, organization_id: str, interview_id: str, reason: str | None
) -> Interview:
    interview = get_interview(session, organization_id, interview_id, for_update=True)
    _require_status(interview, frozenset({"scheduled"}), "cancelled")
    interview.status = "cancelled"
    interview.cancelled_at = utcnow()
    interview.cancellation_reason = reason
    session.flush()
    emit(session, organization_id, INTERVIEW_CANCELLED, _event(session, interview))
    return interview


def _author(principal: Principal) -> tuple[str, str]:
    return principal.kind, principal.actor_id


def _feedback_exists(interview_id: str) -> Conflict:
    return Conflict(
        f"You already submitted feedback for interview '{interview_id}'", code="feedback_exists"
    )


def submit_feedback(
    session: Session,
    organization_id: str,
    interview_id: str,
    body: FeedbackCreate,
    author: Principal,
) -> InterviewFeedback:
    interview = get_interview(session, organization_id, interview_id)
    if interview.status not in FEEDBACK_STATUSES:
        raise InvalidTransition(f"A {interview.status} interview takes no feedback")
    author_type, author_id = _author(author)
    duplicate = session.scalar(
        select(InterviewFeedback.id).where(
            InterviewFeedback.interview_id == interview.id,
            InterviewFeedback.author_type == author_type,
            InterviewFeedback.author_id == author_id,
        )
    )
    if duplicate is not None:
        raise _feedback_exists(interview.id)
    feedback = InterviewFeedback(
        id=new_id("fb"),
        organization_id=organization_id,
        interview_id=interview.id,
        author_type=author_type,
        author_id=author_id,
        **body.model_dump(),
    )
    try:
        # A savepoint, so that losing a race to a concurrent submit is a clean 409.
        with session.begin_nested():
            session.add(feedback)
    except IntegrityError as exc:
        raise _feedback_exists(interview.id) from exc
    data = FeedbackSubmittedData(
        **dict(_event(session, interview)), feedback=FeedbackOut.model_validate(feedback)
    )
    emit(session, organization_id, INTERVIEW_FEEDBACK_SUBMITTED, data)
    return feedback


def list_feedback(
    session: Session, organization_id: str, interview_id: str
) -> list[InterviewFeedback]:
    interview = get_interview(session, organization_id, interview_id)
    stmt = (
        select(InterviewFeedback)
        .where(
            InterviewFeedback.organization_id == organization_id,
            InterviewFeedback.interview_id == interview.id,
        )
        .order_by(InterviewFeedback.created_at, InterviewFeedback.id)
    )
    return list(session.scalars(stmt))
