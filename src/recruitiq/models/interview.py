from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from recruitiq.models.base import Base, OrgScoped, Timestamps

INTERVIEW_STATUSES = ("scheduled", "completed", "cancelled")
RECOMMENDATIONS = ("strong_yes", "yes", "no", "strong_no")


class Interview(OrgScoped, Timestamps, Base):
    __tablename__ = "interviews"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    application_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("applications.id"), index=True
    )
    scheduled_at: Mapped[datetime] = mapped_column(index=True)
    duration_minutes: Mapped[int] = mapped_column(default=60)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    interviewers: Mapped[list[str]] = mapped_column(default=list)
    location: Mapped[str | None] = mapped_column(String(300))
    meeting_url: Mapped[str | None] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(String(20), default="scheduled", index=True)
    cancellation_reason: Mapped[str | None] = mapped_column(Text)
    completed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]


class InterviewFeedback(OrgScoped, Timestamps, Base):
    __tablename__ = "interview_feedback"
    # One scorecard per author and interview; the database settles concurrent submits.
    __table_args__ = (
        Index(
            "uq_interview_feedback_author", "interview_id", "author_type", "author_id", unique=True
        ),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    interview_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("interviews.id", ondelete="CASCADE"), index=True
    )
    rating: Mapped[int]
    recommendation: Mapped[str] = mapped_column(String(20))
    notes: Mapped[str | None] = mapped_column(Text)
    author_type: Mapped[str] = mapped_column(String(20))
    author_id: Mapped[str | None] = mapped_column(String(40))
