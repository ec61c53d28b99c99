"""What each export contains: rows, filters and the output schema (the API's own).

Each resource's rows are exactly what its list endpoint returns, field for field, built
from the same output schema, so an export and the API never disagree on a name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Row, Select, exists, select

from recruitiq.applications.schemas import ApplicationSnapshot
from recruitiq.applications.service import snapshot_of
from recruitiq.candidates.schemas import CandidateOut, candidate_out
from recruitiq.interviews.schemas import InterviewOut
from recruitiq.jobs.schemas import JobOut
from recruitiq.models import Application, Candidate, Interview, Job, Offer
from recruitiq.models.application import APPLICATION_STATUSES
from recruitiq.models.interview import INTERVIEW_STATUSES
from recruitiq.models.job import JOB_STATUSES
from recruitiq.models.offer import OFFER_STATUSES
from recruitiq.offers.schemas import OfferOut

# Rows of any width: most exports select one entity, applications select two.
AnySelect = Select[*tuple[Any, ...]]
AnyRow = Row[*tuple[Any, ...]]


@dataclass(frozen=True)
class ExportFilters:
    """The list filters an export accepts, by their query parameter names."""

    created_after: datetime | None = None
    updated_after: datetime | None = None
    status: str | None = None
    stage: str | None = None
    job_id: str | None = None
    candidate_id: str | None = None
    application_id: str | None = None
    department: str | None = None

    def given(self) -> dict[str, Any]:
        return {name: value for name, value in self.__dict__.items() if value is not None}


QUERY_NAMES = {
    "created_after": "createdAfter",
    "updated_after": "updatedAfter",
    "status": "status",
    "stage": "stage",
    "job_id": "jobId",
    "candidate_id": "candidateId",
    "application_id": "applicationId",
    "department": "department",
}
COMMON_FILTERS = frozenset({"created_after", "updated_after"})


@dataclass(frozen=True)
class ExportSpec:
    resource: str
    model: Any
    schema: type[BaseModel]
    filters: frozenset[str]
    base_query: Callable[[str, ExportFilters], AnySelect]
    render: Callable[[AnyRow], BaseModel]
    statuses: tuple[str, ...] = ()

    @property
    def scope(self) -> str:
        return f"{self.resource}:read"


def _jobs(organization_id: str, f: ExportFilters) -> AnySelect:
    stmt = select(Job).where(Job.organization_id == organization_id, Job.deleted_at.is_(None))
    if f.status is not None:
        stmt = stmt.where(Job.status == f.status)
    if f.department is not None:
        stmt = stmt.where(Job.department == f.department)
    return stmt


def _candidates(organization_id: str, f: ExportFilters) -> AnySelect:
    stmt = select(Candidate).where(
        Candidate.organization_id == organization_id, Candidate.deleted_at.is_(None)
    )
    if f.job_id is not None:
        stmt = stmt.where(
            exists().where(
                Application.candidate_id == Candidate.id,
                Application.organization_id == organization_id,
                Application.job_id == f.job_id,
            )
        )
    return stmt


def _applications(organization_id: str, f: ExportFilters) -> AnySelect:
    # The candidate rides along in the same row: one query per batch, not one per row.
    stmt = (
        select(Application, Candidate)
        .join(Candidate, Candidate.id == Application.candidate_id)
        .where(
            Application.organization_id == organization_id,
            Application.superseded_by_id.is_(None),
        )
    )
    for column, value in (
        (Application.job_id, f.job_id),
        (Application.candidate_id, f.candidate_id),
        (Application.stage, f.stage),
        (Application.status, f.status),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    return stmt


def _application_children(model: Any) -> Callable[[str, ExportFilters], AnySelect]:
    """Interviews and offers: filtered by their application, its job, and status."""

    def query(organization_id: str, f: ExportFilters) -> AnySelect:
        stmt = select(model).where(model.organization_id == organization_id)
        if f.application_id is not None:
            stmt = stmt.where(model.application_id == f.application_id)
        if f.status is not None:
            stmt = stmt.where(model.status == f.status)
        if f.job_id is not None:
            stmt = stmt.join(Application, Application.id == model.application_id).where(
                Application.job_id == f.job_id
            )
        return stmt

    return query


SPECS: dict[str, ExportSpec] = {
    spec.resource: spec
    for spec in (
        ExportSpec(
            "jobs", Job, JobOut, COMMON_FILTERS | {"status", "department"}, _jobs,
            lambda row: JobOut.model_validate(row[0]), JOB_STATUSES,
        ),
        ExportSpec(
            "candidates", Candidate, CandidateOut, COMMON_FILTERS | {"job_id"}, _candidates,
            lambda row: candidate_out(row[0]),
        ),
        ExportSpec(
            "applications", Application, ApplicationSnapshot,
            COMMON_FILTERS | {"job_id", "candidate_id", "stage", "status"}, _applications,
            lambda row: snapshot_of(row[0], row[1]), APPLICATION_STATUSES,
        ),
        ExportSpec(
            "interviews", Interview, InterviewOut,
            COMMON_FILTERS | {"application_id", "job_id", "status"},
            _application_children(Interview),
            lambda row: InterviewOut.model_validate(row[0]), INTERVIEW_STATUSES,
        ),
        ExportSpec(
            "offers", Offer, OfferOut, COMMON_FILTERS | {"application_id", "job_id", "status"},
            _application_children(Offer),
            lambda row: OfferOut.model_validate(row[0]), OFFER_STATUSES,
        ),
    )
}
