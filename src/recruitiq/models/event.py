from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from recruitiq.kit.clock import utcnow
from recruitiq.models.base import Base, OrgScoped


class Event(OrgScoped, Base):
    """One hiring event. ``payload`` is the envelope, serialized once: the signed bytes."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_org_type_created", "organization_id", "type", "created_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
