from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from recruitiq.models.base import Base, OrgScoped, Timestamps

OFFER_STATUSES = ("draft", "sent", "accepted", "declined", "withdrawn", "expired")
OPEN_OFFER_STATUSES = ("draft", "sent")
_OPEN = text("status IN ('draft', 'sent')")


class Offer(OrgScoped, Timestamps, Base):
    __tablename__ = "offers"
    # At most one open offer per application, enforced by the database so that two
    # concurrent creates cannot both succeed (partial index: SQLite and PostgreSQL).
    __table_args__ = (
        Index(
            "uq_offers_open_application", "application_id", unique=True,
            sqlite_where=_OPEN, postgresql_where=_OPEN,
        ),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    application_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("applications.id"), index=True
    )
    salary: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    start_date: Mapped[date]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    sent_at: Mapped[datetime | None]
    responded_at: Mapped[datetime | None]
    decline_reason: Mapped[str | None] = mapped_column(Text)
    withdrawn_at: Mapped[datetime | None]
    expired_at: Mapped[datetime | None]
