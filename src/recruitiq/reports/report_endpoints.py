"""Generate Report: pipeline and recruiter figures as JSON."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query

from recruitiq.auth.dependencies import require_scope
from recruitiq.auth.principal import Principal
from recruitiq.deps import DbSession
from recruitiq.kit.routing import api_router
from recruitiq.reports.pipeline import build_pipeline_report
from recruitiq.reports.recruiters import build_recruiter_report
from recruitiq.reports.schemas import (
    PipelineReportEnvelope,
    RecruiterReportEnvelope,
    ReportRange,
    report_range,
)

router = api_router(prefix="/api/v1/reports", tags=["reports"])

Reader = Annotated[Principal, Depends(require_scope("reports:read"))]
Period = Annotated[ReportRange, Depends(report_range)]


@router.get("/pipeline", response_model=PipelineReportEnvelope)
def pipeline_report(
    principal: Reader,
    session: DbSession,
    period: Period,
    job_id: Annotated[str | None, Query(alias="jobId", max_length=40)] = None,
) -> dict[str, Any]:
    """Applications created in `[from, to)`, org-wide or for one job: counts by stage and
    status, stage-to-stage conversion, median hours per finished stage stay, time to hire
    and offer acceptance. See docs/reports.md for every definition."""
    report = build_pipeline_report(session, principal.organization_id, period, job_id)
    return {"success": True, "report": report.to_json()}


@router.get("/recruiters", response_model=RecruiterReportEnvelope)
def recruiter_report(principal: Reader, session: DbSession, period: Period) -> dict[str, Any]:
    """Per assigned recruiter (plus `Unassigned`): applications, hires, median time to hire,
    interview-to-offer ratio and offer acceptance for applications created in `[from, to)`."""
    report = build_recruiter_report(session, principal.organization_id, period)
    return {"success": True, "report": report.to_json()}
