"""Turn a new event into one delivery row per matching active subscription.

Runs inside the emitting transaction (the transactional outbox): the deliveries exist if
and only if the event does. The dispatcher is woken only after the commit, so it never
looks for rows that are not yet visible, and a rollback wakes nobody.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Connection,
    Select,
    Table,
    Text,
    bindparam,
    exists,
    func,
    insert,
    select,
    text,
)
from sqlalchemy import cast as cast_
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from recruitiq.events.catalog import WILDCARD
from recruitiq.events.serialize import canonical_json
from recruitiq.kit.clock import utcnow
from recruitiq.kit.ids import new_id
from recruitiq.models import Event, Organization, WebhookDelivery, WebhookSubscription
from recruitiq.webhooks.pii import strip_pii
from recruitiq.webhooks.plans import plan_for_organization, plan_named
from recruitiq.webhooks.wakeup import DELIVERIES

_DELIVERIES = cast(Table, WebhookDelivery.__table__)


_SUBSCRIPTIONS = cast(Table, WebhookSubscription.__table__)
_ORGANIZATIONS = cast(Table, Organization.__table__)


def _subscribed(dialect: str) -> ColumnElement[bool]:
    """The subscription's event list names one of ``:wanted`` (the type or the wildcard),
    decided by the database: decoding every subscription's list in Python cost ~30 us a
    subscription."""
    events = _SUBSCRIPTIONS.c.events
    if dialect == "postgresql":
        return cast_(events, JSONB).op("?|")(bindparam("wanted", type_=ARRAY(Text)))
    listed = func.json_each(events).table_valued("value")
    return exists(
        select(1).select_from(listed).where(listed.c.value.in_(bindparam("wanted", expanding=True)))
    )


@functools.cache
def _matching_subscriptions(dialect: str) -> Select[Any]:
    """Built once per dialect, bound per event: building it per request cost more than
    running it."""
    return (
        select(_SUBSCRIPTIONS.c.id, _SUBSCRIPTIONS.c.include_pii, _ORGANIZATIONS.c.plan)
        # The plan rides along (a primary-key join): it sets the deliveries' priority.
        .join(_ORGANIZATIONS, _ORGANIZATIONS.c.id == _SUBSCRIPTIONS.c.organization_id)
        .where(
            _SUBSCRIPTIONS.c.organization_id == bindparam("organization_id"),
            _SUBSCRIPTIONS.c.is_active.is_(True),
            _SUBSCRIPTIONS.c.deleted_at.is_(None),
            _subscribed(dialect),
        )
    )


def stripped_payload(envelope: dict[str, Any], event_payload: str) -> str | None:
    """The bytes a no-PII subscription receives; None when they equal the event's bytes."""
    stripped = canonical_json(strip_pii(envelope))
    return None if stripped == event_payload else stripped


def delivery_row(
    subscription_id: str, event: Event, payload: str | None, *, priority: int
) -> dict[str, Any]:
    """``priority``: the organization plan's ``delivery_priority`` (claimed first if 1)."""
    now = utcnow()
    return {
        "id": new_id("dlv"),
        "organization_id": event.organization_id,
        "subscription_id": subscription_id,
        "event_id": event.id,
        "event_type": event.type,
        "payload": payload,
        "status": "pending",
        "priority": priority,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "updated_at": now,
    }


def new_delivery(
    subscription_id: str, event: Event, payload: str | None, *, priority: int
) -> WebhookDelivery:
    return WebhookDelivery(**delivery_row(subscription_id, event, payload, priority=priority))


def payload_for(include_pii: bool, event: Event, envelope: dict[str, Any]) -> str | None:
    return None if include_pii else stripped_payload(envelope, event.payload)


def delivery_priority(session: Session, organization_id: str) -> int:
    return plan_for_organization(session, organization_id).delivery_priority


def enqueue_deliveries(
    session: Session, event: Event, envelope: dict[str, Any], *,
    exclude_subscription_id: str | None = None,
) -> None:
    """``exclude_subscription_id``: a subscription that must not receive this event (the
    failing endpoint an operator notice is about)."""
    session.flush()  # what the request changed first: the query reads subscriptions
    connection = session.connection()
    dialect = connection.dialect.name
    matching = connection.execute(
        _matching_subscriptions(dialect),
        {"organization_id": event.organization_id, "wanted": [event.type, WILDCARD]},
    ).all()
    if exclude_subscription_id is not None:
        matching = [row for row in matching if row.id != exclude_subscription_id]
    if not matching:
        return
    stripped: str | None = None
    if any(not row.include_pii for row in matching):
        stripped = stripped_payload(envelope, event.payload)
    priority = plan_named(matching[0].plan).delivery_priority
    if dialect == "postgresql":
        _insert_in_one_statement(connection, event, matching, stripped, priority)
    else:  # SQLite's executemany runs in C, with no round trips to save
        connection.execute(insert(_DELIVERIES), [
            delivery_row(row.id, event, None if row.include_pii else stripped,
                         priority=priority)
            for row in matching
        ])
    DELIVERIES.after_commit(session)


# The rows differ only in id, subscription and which payload: three arrays and one round
# trip. As ORM objects the 50-subscription fan-out cost 3x the request; as an executemany
# (which psycopg sends as one INSERT per row) 2x (docs/performance.md).
_PG_INSERT_DELIVERIES = text("""
INSERT INTO webhook_deliveries (id, subscription_id, payload, organization_id, event_id,
    event_type, status, priority, attempts, next_attempt_at, created_at, updated_at)
SELECT d.id, d.subscription_id, CASE WHEN d.stripped THEN :stripped END, :organization_id,
    :event_id, :event_type, 'pending', :priority, 0, :now, :now, :now
FROM unnest(CAST(:ids AS text[]), CAST(:subscription_ids AS text[]),
            CAST(:stripped_flags AS boolean[])) AS d(id, subscription_id, stripped)
""").bindparams(bindparam("now", type_=_DELIVERIES.c.created_at.type))


def _insert_in_one_statement(
    connection: Connection, event: Event, matching: Sequence[Any], stripped: str | None,
    priority: int,
) -> None:
    connection.execute(_PG_INSERT_DELIVERIES, {
        "ids": [new_id("dlv") for _ in matching],
        "subscription_ids": [row.id for row in matching],
        "stripped_flags": [not row.include_pii and stripped is not None for row in matching],
        "stripped": stripped,
        "organization_id": event.organization_id,
        "event_id": event.id,
        "event_type": event.type,
        "priority": priority,
        "now": utcnow(),
    })
