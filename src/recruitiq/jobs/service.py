"""Job postings. Each state change emits its event here, in the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from recruitiq.errors import InvalidTransition
from recruitiq.events.emit import emit
from recruitiq.jobs.events import (
    JOB_CLOSED,
    JOB_CREATED,
    JOB_DELETED,
    JOB_PUBLISHED,
    JOB_UPDATED,
    JobEventData,
    JobUpdatedData,
)
from recruitiq.jobs.schemas import JobCreate, JobOut, JobUpdate
from recruitiq.kit.clock import utcnow
from recruitiq.kit.ids import new_id
from recruitiq.kit.lookup import get_owned, require_reference
from recruitiq.kit.pagination import Page, PageParams, paginate, where_equal
from recruitiq.models import Job, User

# status → statuses it may move to. Publishing a closed job reopens it.
TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"open", "closed"}),
    "open": frozenset({"closed"}),
    "closed": frozenset({"open"}),
}


def job_data(job: Job) -> dict[str, Any]:
    return JobOut.model_validate(job).to_json()


def _job_event(job: Job) -> JobEventData:
    return JobEventData(job=JobOut.model_validate(job))


def get_job(session: Session, organization_id: str, job_id: str) -> Job:
    return get_owned(session, Job, organization_id, job_id, resource="Job")


def list_jobs(
    session: Session,
    organization_id: str,
    params: PageParams,
    *,
    status: str | None = None,
    department: str | None = None,
) -> Page[Job]:
    stmt = select(Job).where(Job.organization_id == organization_id, Job.deleted_at.is_(None))
    stmt = where_equal(
        stmt,
        (Job.status, status),
        (Job.department, department),
    )
    return paginate(session, stmt, Job, params)


def _apply_fields(session: Session, job: Job, organization_id: str, fields: dict[str, Any]) -> None:
    if fields.get("hiring_manager_id") is not None:
        require_reference(
            session, User, organization_id, fields["hiring_manager_id"], field="hiringManagerId"
        )
    salary = fields.pop("salary_range", None)
    if salary is not None:
        job.salary_min = salary.get("min")
        job.salary_max = salary.get("max")
        job.salary_currency = salary.get("currency")
    for name, value in fields.items():
        setattr(job, name, value)


def create_job(session: Session, organization_id: str, body: JobCreate) -> Job:
    job = Job(id=new_id("job"), organization_id=organization_id, status="draft")
    _apply_fields(session, job, organization_id, body.model_dump())
    session.add(job)
    session.flush()
    emit(session, organization_id, JOB_CREATED, _job_event(job))
    return job


def update_job(session: Session, organization_id: str, job_id: str, body: JobUpdate) -> Job:
    job = get_job(session, organization_id, job_id)
    before = job_data(job)
    _apply_fields(session, job, organization_id, body.model_dump(exclude_unset=True))
    session.flush()
    after = job_data(job)
    changed = {k: before[k] for k in after if before[k] != after[k] and k != "updatedAt"}
    if changed:
        data = JobUpdatedData(job=JobOut.model_validate(job), previous=changed)
        emit(session, organization_id, JOB_UPDATED, data)
    return job


def set_status(session: Session, organization_id: str, job_id: str, status: str) -> Job:
    job = get_job(session, organization_id, job_id)
    if status not in TRANSITIONS.get(job.status, frozenset()):
        raise InvalidTransition(f"A {job.status} job cannot become {status}")
    now = utcnow()
    job.status = status
    if status == "open":
        job.published_at = now
        job.closed_at = None
    else:
        job.closed_at = now
    session.flush()
    spec = JOB_PUBLISHED if status == "open" else JOB_CLOSED
    emit(session, organization_id, spec, _job_event(job))
    return job


def delete_job(session: Session, organization_id: str, job_id: str) -> Job:
    job = get_job(session, organization_id, job_id)
    job.deleted_at = utcnow()
    session.flush()
    emit(session, organization_id, JOB_DELETED, _job_event(job))
    return job
