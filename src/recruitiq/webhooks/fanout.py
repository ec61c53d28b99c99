"""Turn a new event into one delivery row per matching active subscription.

Runs inside the emitting transaction (the transactional outbox): the deliveries exist if
and only if the event does. The dispatcher is woken only after the commit, so it never
looks for rows that are not yet visible, and a rollback wakes nobody.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from recruitiq import db
from recruitiq.events.catalog import WILDCARD
from recruitiq.events.serialize import canonical_json
from recruitiq.kit.clock import utcnow
from recruitiq.kit.ids import new_id
from recruitiq.models import Event, Organization, WebhookDelivery, WebhookSubscription
from recruitiq.webhooks.dispatcher import notify_new_deliveries
from recruitiq.webhooks.pii import strip_pii
from recruitiq.webhooks.plans import plan_for_organization, plan_named


def subscribes_to(events: Iterable[str], event_type: str) -> bool:
    return any(t in (event_type, WILDCARD) for t in events)


def stripped_payload(envelope: dict[str, Any], event_payload: str) -> str | None:
    """The bytes a no-PII subscription receives; None when they equal the event's bytes."""
    stripped = canonical_json(strip_pii(envelope))
    return None if stripped == event_payload else stripped


def new_delivery(
    subscription_id: str, event: Event, payload: str | None, *, priority: int
) -> WebhookDelivery:
    """``priority``: the organization plan's ``delivery_priority`` (claimed first if 1)."""
    now = utcnow()
    return WebhookDelivery(
        id=new_id("dlv"),
        organization_id=event.organization_id,
        subscription_id=subscription_id,
        event_id=event.id,
        event_type=event.type,
        payload=payload,
        status="pending",
        priority=priority,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        updated_at=now,
    )


def payload_for(include_pii: bool, event: Event, envelope: dict[str, Any]) -> str | None:
    return None if include_pii else stripped_payload(envelope, event.payload)


def delivery_priority(session: Session, organization_id: str) -> int:
    return plan_for_organization(session, organization_id).delivery_priority


def wake_after_commit(session: Session) -> None:
    db.after_commit(session, notify_new_deliveries)


def enqueue_deliveries(session: Session, event: Event, envelope: dict[str, Any]) -> None:
    rows = session.execute(
        select(
            WebhookSubscription.id,
            WebhookSubscription.events,
            WebhookSubscription.include_pii,
            Organization.plan,
        )
        # The plan rides along (a primary-key join): it sets the deliveries' priority.
        .join(Organization, Organization.id == WebhookSubscription.organization_id)
        .where(
            WebhookSubscription.organization_id == event.organization_id,
            WebhookSubscription.is_active.is_(True),
            WebhookSubscription.deleted_at.is_(None),
        )
    ).all()
    matching = [row for row in rows if subscribes_to(row.events, event.type)]
    if not matching:
        return
    stripped: str | None = None
    if any(not row.include_pii for row in matching):
        stripped = stripped_payload(envelope, event.payload)
    priority = plan_named(matching[0].plan).delivery_priority
    session.add_all(
        new_delivery(row.id, event, None if row.include_pii else stripped, priority=priority)
        for row in matching
    )
    wake_after_commit(session)
