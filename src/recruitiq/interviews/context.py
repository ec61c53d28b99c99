"""The application and job an interview or offer belongs to, as event data carries them.

Offers use this too: both are steps of one application, and their events tell a receiver
who the candidate is and for which job without a second API call.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from recruitiq.applications.events import ApplicationSnapshot, JobSummary
from recruitiq.applications.service import application_snapshot, get_application, job_summary
from recruitiq.errors import Conflict, NotFound, ValidationFailed
from recruitiq.kit.lookup import get_owned
from recruitiq.models import Application, Job


@dataclass(frozen=True)
class HiringContext:
    application: ApplicationSnapshot
    job: JobSummary


def hiring_context(session: Session, application: Application) -> HiringContext:
    # A job deleted after the application was made still names the application's job.
    job = get_owned(
        session, Job, application.organization_id, application.job_id,
        resource="Job", live_only=False,
    )
    return HiringContext(application_snapshot(session, application), job_summary(job))


def referenced_application(
    session: Session, organization_id: str, application_id: str
) -> Application:
    """An ``applicationId`` in a request body: unknown or another organization's is a 422."""
    try:
        return get_application(session, organization_id, application_id)
    except NotFound as exc:
        raise ValidationFailed(
            f"applicationId '{application_id}' does not exist", field="applicationId"
        ) from exc


def require_active(application: Application, action: str) -> None:
    if application.status != "active":
        raise Conflict(
            f"Cannot {action}: the application is {application.status}",
            code="application_not_active",
        )
