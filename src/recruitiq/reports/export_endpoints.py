"""Export Data: whole resources as CSV, JSON or NDJSON, streamed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field, create_model

from recruitiq.audit.recorder import record as audit
from recruitiq.auth.dependencies import CurrentPrincipal
from recruitiq.deps import DbSession, writes
from recruitiq.errors import MissingScope, NotFound, ValidationFailed
from recruitiq.kit.clock import utcnow
from recruitiq.kit.routing import api_router
from recruitiq.kit.schema import CamelModel, Timestamp
from recruitiq.models.application import STAGES
from recruitiq.reports import export_formats as formats
from recruitiq.reports.export_specs import QUERY_NAMES, SPECS, ExportFilters, ExportSpec
from recruitiq.reports.export_stream import export_batches

router = api_router(prefix="/api/v1/exports", tags=["exports"])


def _validate(spec: ExportSpec, filters: ExportFilters) -> None:
    """Refuse what the resource cannot filter on, rather than silently exporting more."""
    for name in filters.given():
        field = QUERY_NAMES[name]
        if name not in spec.filters:
            raise ValidationFailed(f"{spec.resource} cannot be filtered by {field}", field=field)
    if filters.status is not None and filters.status not in spec.statuses:
        allowed = ", ".join(spec.statuses)
        raise ValidationFailed(f"status must be one of: {allowed}", field="status")
    if filters.stage is not None and filters.stage not in STAGES:
        raise ValidationFailed(f"stage must be one of: {', '.join(STAGES)}", field="stage")


def _body(
    request: Request, spec: ExportSpec, fmt: str, organization_id: str, filters: ExportFilters
) -> Iterator[str]:
    batches = export_batches(request.app.state.session_factory, spec, organization_id, filters)
    if fmt == "csv":
        return formats.encode_csv(formats.columns(spec.schema), batches)
    if fmt == "ndjson":
        return formats.encode_ndjson(batches)
    return formats.encode_json(spec.resource, batches)


# format=json: the rows under the resource's own name, and their count.
_EXPORT_FIELDS: dict[str, Any] = {
    "success": (Literal[True], ...),
    **{name: (list[spec.schema], Field(default=None, alias=name))  # type: ignore[name-defined]
       for name, spec in SPECS.items()},
    "count": (int, ...),
}
ExportJson: type[BaseModel] = create_model("ExportJson", __base__=CamelModel, **_EXPORT_FIELDS)
TEXT_FORMATS = {
    "text/csv": {"schema": {"type": "string", "description": "A header row, then one row each"}},
    "application/x-ndjson": {"schema": {"type": "string", "description": "One object a line"}},
}


@router.get("/{resource}", response_model=ExportJson, responses={200: {"content": TEXT_FORMATS}})
@writes  # the export is recorded in the audit log
def export_resource(
    resource: str,
    request: Request,
    principal: CurrentPrincipal,
    session: DbSession,
    format: Annotated[formats.ExportFormat, Query(description="csv, json or ndjson")] = "csv",
    created_after: Annotated[Timestamp | None, Query(alias="createdAfter")] = None,
    updated_after: Annotated[Timestamp | None, Query(alias="updatedAfter")] = None,
    status: Annotated[str | None, Query(max_length=30)] = None,
    stage: Annotated[str | None, Query(max_length=30)] = None,
    job_id: Annotated[str | None, Query(alias="jobId", max_length=40)] = None,
    candidate_id: Annotated[str | None, Query(alias="candidateId", max_length=40)] = None,
    application_id: Annotated[str | None, Query(alias="applicationId", max_length=40)] = None,
    department: Annotated[str | None, Query(max_length=200)] = None,
) -> StreamingResponse:
    """Every row of `jobs`, `candidates`, `applications`, `interviews` or `offers` that the
    list filters select, oldest first, with the API's field names. Needs `<resource>:read`.
    CSV cells that a spreadsheet would run as a formula are prefixed with `'`."""
    spec = SPECS.get(resource)
    if spec is None:
        raise NotFound("Export", resource)
    if not principal.can(spec.scope):
        raise MissingScope(spec.scope)
    filters = ExportFilters(
        created_after, updated_after, status, stage, job_id, candidate_id, application_id,
        department,
    )
    _validate(spec, filters)
    # Who took a copy of the data, and with which filters, is the audit log's business.
    audit(session, "export", "export", resource, sorted(QUERY_NAMES[n] for n in filters.given()))
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    filename = f"recruitiq-{resource}-{stamp}.{format}"
    return StreamingResponse(
        _body(request, spec, format, principal.organization_id, filters),
        media_type=formats.MEDIA_TYPES[format],
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
