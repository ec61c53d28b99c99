from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Response, status

from recruitiq.auth.dependencies import require_scope
from recruitiq.auth.principal import Principal
from recruitiq.deps import DbSession
from recruitiq.jobs import service
from recruitiq.jobs.schemas import (
    JobCreate,
    JobEnvelope,
    JobPage,
    JobStatus,
    JobStatusIn,
    JobUpdate,
)
from recruitiq.kit.pagination import PageParams, list_body, page_params
from recruitiq.kit.routing import api_router

router = api_router(prefix="/api/v1/jobs", tags=["jobs"])

Reader = Annotated[Principal, Depends(require_scope("jobs:read"))]
Writer = Annotated[Principal, Depends(require_scope("jobs:write"))]


def _one(job: Any) -> dict[str, Any]:
    return {"success": True, "job": service.job_data(job)}


@router.post("", status_code=status.HTTP_201_CREATED, response_model=JobEnvelope)
def create_job(body: JobCreate, principal: Writer, session: DbSession) -> dict[str, Any]:
    """Create a job posting as a draft. Emits `job.created`."""
    return _one(service.create_job(session, principal.organization_id, body))


@router.get("", response_model=JobPage)
def list_jobs(
    principal: Reader,
    session: DbSession,
    params: Annotated[PageParams, Depends(page_params)],
    status: Annotated[JobStatus | None, Query()] = None,
    department: Annotated[str | None, Query()] = None,
) -> dict[str, Any]:
    page = service.list_jobs(
        session, principal.organization_id, params, status=status, department=department
    )
    return list_body("jobs", [service.job_data(j) for j in page.items], page.next_cursor)


@router.get("/{job_id}", response_model=JobEnvelope)
def get_job(job_id: str, principal: Reader, session: DbSession) -> dict[str, Any]:
    return _one(service.get_job(session, principal.organization_id, job_id))


@router.patch("/{job_id}", response_model=JobEnvelope)
def update_job(
    job_id: str, body: JobUpdate, principal: Writer, session: DbSession
) -> dict[str, Any]:
    """Change fields. Emits `job.updated` with the previous values of what changed."""
    return _one(service.update_job(session, principal.organization_id, job_id, body))


@router.delete("/{job_id}", status_code=204)
def delete_job(job_id: str, principal: Writer, session: DbSession) -> Response:
    """Soft-delete. Emits `job.deleted`."""
    service.delete_job(session, principal.organization_id, job_id)
    return Response(status_code=204)


@router.post("/{job_id}/publish", response_model=JobEnvelope)
def publish_job(job_id: str, principal: Writer, session: DbSession) -> dict[str, Any]:
    """draft or closed → open. Emits `job.published`."""
    return _one(service.set_status(session, principal.organization_id, job_id, "open"))


@router.post("/{job_id}/close", response_model=JobEnvelope)
def close_job(job_id: str, principal: Writer, session: DbSession) -> dict[str, Any]:
    """draft or open → closed. Emits `job.closed`."""
    return _one(service.set_status(session, principal.organization_id, job_id, "closed"))


@router.put("/{job_id}/status", response_model=JobEnvelope)
def set_job_status(
    job_id: str, body: JobStatusIn, principal: Writer, session: DbSession
) -> dict[str, Any]:
    """Move to `open` or `closed` (the same rules as publish and close); 409 otherwise."""
    return _one(service.set_status(session, principal.organization_id, job_id, body.status))
