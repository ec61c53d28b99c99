"""Retention: the delivery log is kept ``retention_days`` (90), then purged.

Attempts, finished deliveries (delivered or failed) and events older than the cut-off go.
Nothing still owed to a receiver is purged: an event keeps every delivery that is pending
or held, however old. Deletes run in bounded chunks so a large purge never holds one huge
transaction. Expired ``Idempotency-Key`` records are purged at the same time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session, sessionmaker

from recruitiq.db import unit_of_work
from recruitiq.kit import idempotency
from recruitiq.kit.clock import utcnow
from recruitiq.models import Event, WebhookAttempt, WebhookDelivery

CHUNK = 5000
FINISHED = ("delivered", "failed")


@dataclass(frozen=True)
class PurgeReport:
    attempts: int
    deliveries: int
    events: int
    idempotency_records: int


def _purge_chunks(factory: sessionmaker[Session], model: Any, condition: Any) -> int:
    total = 0
    while True:
        with unit_of_work(factory) as session:
            ids = session.scalars(select(model.id).where(condition).limit(CHUNK)).all()
            if ids:
                session.execute(delete(model).where(model.id.in_(ids)))
        total += len(ids)
        if len(ids) < CHUNK:
            return total


def purge(
    factory: sessionmaker[Session], retention_days: int, now: datetime | None = None
) -> PurgeReport:
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    attempts = _purge_chunks(factory, WebhookAttempt, WebhookAttempt.started_at < cutoff)
    deliveries = _purge_chunks(
        factory, WebhookDelivery,
        (WebhookDelivery.created_at < cutoff) & WebhookDelivery.status.in_(FINISHED),
    )
    still_owed = exists().where(
        WebhookDelivery.event_id == Event.id, WebhookDelivery.status.not_in(FINISHED)
    )
    events = _purge_chunks(factory, Event, (Event.created_at < cutoff) & ~still_owed)
    with unit_of_work(factory) as session:
        records = idempotency.purge_expired(session)
    return PurgeReport(attempts, deliveries, events, records)
