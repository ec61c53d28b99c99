from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from recruitiq.models.base import Base, OrgScoped, Timestamps

OFFER_STATUSES = ("draft", "sent", "accepted", "declined", "withdrawn", "expired")


class Offer(OrgScoped, Timestamps, Base):
    __tablename__ = "offers"

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
