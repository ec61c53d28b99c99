from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from recruitiq.models.base import Base, OrgScoped, Timestamps

MESSAGE_STATUSES = ("queued", "sent", "failed")


class Message(OrgScoped, Timestamps, Base):
    """One e-mail to a candidate: stored by the request, sent by the worker after commit."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_due", "status", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    candidate_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    application_id: Mapped[str | None] = mapped_column(
        String(40), ForeignKey("applications.id", ondelete="SET NULL"), index=True
    )
    # The address at the time of writing: a later change of the candidate's e-mail must
    # not redirect mail that was already addressed.
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(998))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    # A worker that claims a message holds it until then; a crashed worker's claim expires.
    leased_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    provider_message_id: Mapped[str | None] = mapped_column(String(255))
    sender_type: Mapped[str] = mapped_column(String(20))
    sender_id: Mapped[str | None] = mapped_column(String(40))
