from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from recruitiq.kit.clock import utcnow
from recruitiq.models.base import Base, OrgScoped, Timestamps

DELIVERY_STATUSES = ("pending", "delivered", "failed", "held")
DELIVERY_FILLFACTOR = 50


class WebhookSubscription(OrgScoped, Timestamps, Base):
    __tablename__ = "webhook_subscriptions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    url: Mapped[str] = mapped_column(String(2048))
    description: Mapped[str | None] = mapped_column(String(500))
    events: Mapped[list[str]] = mapped_column(default=list)
    secret: Mapped[str] = mapped_column(String(100))
    # After a rotation the old secret keeps signing (a second signature) until it expires.
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_secret_expires_at: Mapped[datetime | None]
    is_active: Mapped[bool] = mapped_column(default=True, index=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(500))
    disabled_at: Mapped[datetime | None]
    include_pii: Mapped[bool] = mapped_column(default=True)
    max_retries: Mapped[int] = mapped_column(default=3)
    retry_delay_seconds: Mapped[int] = mapped_column(default=60)
    # Health counters: only ever changed with atomic `SET x = x + 1` updates.
    total_deliveries: Mapped[int] = mapped_column(default=0)
    successful_deliveries: Mapped[int] = mapped_column(default=0)
    failed_deliveries: Mapped[int] = mapped_column(default=0)
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    last_delivery_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_failure_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    # Deliveries per second to this receiver; NULL is the deployment's default.
    rate_limit_per_second: Mapped[int | None]
    # When webhook.endpoint_failing was sent for the current run of failures (a success
    # or a re-enable clears it, so the next run warns again).
    failing_notified_at: Mapped[datetime | None]


class WebhookDelivery(OrgScoped, Timestamps, Base):
    """One event for one subscription: the unit that is retried until delivered or failed."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        # The claim reads each priority class in due order: one range scan per class
        # (status, priority) that stops at its limit (ADR 0006).
        Index("ix_webhook_deliveries_due", "status", "priority", "next_attempt_at"),
        # Half of each page stays free for the lease: a claim changes no indexed column, so
        # with room on the page PostgreSQL updates the row in place (HOT) instead of adding
        # an entry to each of its indexes (docs/performance.md).
        {"postgresql_with": {"fillfactor": DELIVERY_FILLFACTOR}},
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    subscription_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    event_type: Mapped[str] = mapped_column(String(64))
    # The exact bytes to sign and send when they differ from the event's (PII stripped);
    # NULL means "the event's payload".
    payload: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    # 1 for a priority-delivery plan (enterprise), else 0: set at fan-out from the plan and
    # by a plan change; never by a lease (it is indexed, ADR 0004).
    priority: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    leased_until: Mapped[datetime | None]
    leased_by: Mapped[str | None] = mapped_column(String(100))
    last_attempt_at: Mapped[datetime | None]
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None]
    # Set when the subscription's rate limit held the delivery back: the start of the second
    # it was booked into (and due at). Kept after sending, so the log shows it was paced.
    paced_until: Mapped[datetime | None]
    # Not indexed, unlike other tables' updated_at: no query reads deliveries by it, and each
    # outcome rewrites it (an index entry per outcome for nothing).
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class WebhookAttempt(OrgScoped, Base):
    """Every HTTP attempt, successful or not, is a row."""

    __tablename__ = "webhook_attempts"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    delivery_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    attempt_number: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    duration_ms: Mapped[int | None]
    status_code: Mapped[int | None]
    response_body: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)


class WebhookRateCursor(Base):
    """A subscription's rate-limit booking cursor (webhooks/pacing.py): its next delivery
    goes in second ``slot_second`` (Unix time), which already has ``slot_used``.

    A table of its own, written only by claims: locking it never waits for the API or the
    outcome writes, which lock subscription rows. Keyed by the subscription, which is scoped
    to its organization; no query reads it by organization."""

    __tablename__ = "webhook_rate_cursors"

    subscription_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"), primary_key=True
    )
    slot_second: Mapped[int] = mapped_column(BigInteger, default=0)
    slot_used: Mapped[int] = mapped_column(default=0)
