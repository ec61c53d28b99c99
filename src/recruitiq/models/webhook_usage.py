from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from recruitiq.models.base import Base


class WebhookUsage(Base):
    """Deliveries started per organization per calendar month (UTC), for plan quotas.

    Changed only with atomic ``SET deliveries = deliveries + n`` updates.
    """

    __tablename__ = "webhook_usage"

    organization_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    period: Mapped[str] = mapped_column(String(7), primary_key=True)  # "2026-11"
    deliveries: Mapped[int] = mapped_column(default=0)
