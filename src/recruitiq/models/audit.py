from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from recruitiq.kit.clock import utcnow
from recruitiq.models.base import Base, OrgScoped

ACTOR_TYPES = ("user", "api_key", "system")


class AuditEvent(OrgScoped, Base):
    """Who changed which row, when, and which fields: names only, never values, so the log
    holds no personal data or secrets and survives a candidate's erasure unchanged."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_org_created", "organization_id", "created_at", "id"),
        Index("ix_audit_events_resource", "organization_id", "resource_type", "resource_id"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    actor_type: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str] = mapped_column(String(40), index=True)
    action: Mapped[str] = mapped_column(String(80))
    resource_type: Mapped[str] = mapped_column(String(64))
    resource_id: Mapped[str] = mapped_column(String(40))
    changed_fields: Mapped[list[str]] = mapped_column(default=list)
    request_id: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
