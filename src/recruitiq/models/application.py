from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from recruitiq.kit.clock import utcnow
from recruitiq.models.base import Base, OrgScoped, Timestamps

STAGES = (
    "new",
    "screening",
    "interview",
    "reference_check",
    "background_check",
    "offer",
    "hired",
)
STAGE_POSITION = {stage: index for index, stage in enumerate(STAGES)}
APPLICATION_STATUSES = ("active", "rejected", "withdrawn", "hired")


class Application(OrgScoped, Timestamps, Base):
    __tablename__ = "applications"
    __table_args__ = (
        # One live application per candidate and job; a merge supersedes the newer one.
        Index(
            "uq_applications_job_candidate",
            "job_id",
            "candidate_id",
            unique=True,
            sqlite_where=text("superseded_by_id IS NULL"),
            postgresql_where=text("superseded_by_id IS NULL"),
        ),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    job_id: Mapped[str] = mapped_column(String(40), ForeignKey("jobs.id"), index=True)
    candidate_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("candidates.id"), index=True
    )
    stage: Mapped[str] = mapped_column(String(30), default="new", index=True)
    status: Mapped[str] = mapped_column(String(20), default="active", index=True)
    source: Mapped[str | None] = mapped_column(String(100))
    referral_code: Mapped[str | None] = mapped_column(String(100))
    score: Mapped[int | None]
    assigned_to_id: Mapped[str | None] = mapped_column(
        String(40), ForeignKey("users.id", ondelete="SET NULL")
    )
    reviewed_at: Mapped[datetime | None]
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    rejected_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    hired_at: Mapped[datetime | None]
    onboarding_started_at: Mapped[datetime | None]
    stage_entered_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when a candidate merge kept another application to the same job instead.
    superseded_by_id: Mapped[str | None] = mapped_column(
        String(40), ForeignKey("applications.id", ondelete="SET NULL")
    )


class StageChange(OrgScoped, Base):
    __tablename__ = "application_stage_changes"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    application_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    from_stage: Mapped[str | None] = mapped_column(String(30))
    to_stage: Mapped[str] = mapped_column(String(30))
    actor_type: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str | None] = mapped_column(String(40))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class ApplicationNote(OrgScoped, Timestamps, Base):
    __tablename__ = "application_notes"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    application_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    author_type: Mapped[str] = mapped_column(String(20))
    author_id: Mapped[str | None] = mapped_column(String(40))
