"""The audit log: who changed what, when (field names only)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query

from recruitiq.audit import service
from recruitiq.audit.schemas import AuditEventPage
from recruitiq.auth.dependencies import require_scope
from recruitiq.auth.principal import Principal
from recruitiq.deps import DbSession
from recruitiq.kit.pagination import PageParams, list_body, page_params
from recruitiq.kit.routing import api_router

router = api_router(prefix="/api/v1/audit-events", tags=["audit"])


# Only admins hold audit:read: the log shows what every colleague did. A key holds it only
# while the admin who made it still is one (auth/scopes.py).
Reader = Annotated[Principal, Depends(require_scope("audit:read"))]


@router.get("", response_model=AuditEventPage)
def list_audit_events(
    principal: Reader,
    session: DbSession,
    params: Annotated[PageParams, Depends(page_params)],
    actor_id: Annotated[str | None, Query(alias="actorId", max_length=40)] = None,
    resource_type: Annotated[str | None, Query(alias="resourceType", max_length=64)] = None,
    resource_id: Annotated[str | None, Query(alias="resourceId", max_length=40)] = None,
    action: Annotated[str | None, Query(max_length=80)] = None,
) -> dict[str, Any]:
    """Newest first. Each row: actor, action (`create`, `update`, `delete`, `erase` or the
    endpoint's verb such as `job.publish`), resource, changed field names, request id."""
    filters = service.AuditFilters(actor_id, resource_type, resource_id, action)
    page = service.list_audit_events(session, principal.organization_id, params, filters)
    return list_body("auditEvents", [service.audit_data(r) for r in page.items], page.next_cursor)
