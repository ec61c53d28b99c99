"""Reading and purging the audit log; rows are written by :mod:`recruitiq.audit.recorder`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from recruitiq.audit.schemas import AuditEventOut
from recruitiq.kit.clock import utcnow
from recruitiq.kit.pagination import Page, PageParams, paginate, where_equal
from recruitiq.models import AuditEvent


@dataclass(frozen=True)
class AuditFilters:
    actor_id: str | None = None
    resource_type: str | None = None
    resource_id: str | None = None
    action: str | None = None


def audit_data(row: AuditEvent) -> dict[str, Any]:
    return AuditEventOut.model_validate(row).to_json()


def list_audit_events(
    session: Session, organization_id: str, params: PageParams, filters: AuditFilters
) -> Page[AuditEvent]:
    stmt = select(AuditEvent).where(AuditEvent.organization_id == organization_id)
    for column, value in (
        (AuditEvent.actor_id, filters.actor_id),
        (AuditEvent.resource_type, filters.resource_type),
        (AuditEvent.resource_id, filters.resource_id),
        (AuditEvent.action, filters.action),
    ):
        stmt = where_equal(stmt, (column, value))
    # Audit rows are never updated, so ``updatedAfter`` means the same as ``createdAfter``.
    since = params.created_after or params.updated_after
    keyset = PageParams(params.limit, params.cursor, since, None)
    return paginate(session, stmt, AuditEvent, keyset)


def purge_older_than(session: Session, retention_days: int, now: datetime | None = None) -> int:
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    result = session.execute(delete(AuditEvent).where(AuditEvent.created_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
