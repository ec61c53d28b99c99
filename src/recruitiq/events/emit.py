"""Write an event in the caller's transaction: the event row plus its deliveries.

Emitting is an insert, never an HTTP call. If the caller's transaction rolls back, the
event and its deliveries vanish with it; if it commits, they are durable and the
dispatcher is woken after the commit.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from recruitiq.events.envelope import build_envelope
from recruitiq.events.serialize import canonical_json
from recruitiq.events.spec import DataT, EventSpec
from recruitiq.kit.clock import isoformat_z, utcnow
from recruitiq.kit.ids import new_id
from recruitiq.models import Event
from recruitiq.webhooks.fanout import enqueue_deliveries

_EVENTS: Table = Event.__table__  # type: ignore[assignment]
_INSERT_EVENT = insert(_EVENTS)


def record_event(
    session: Session, organization_id: str, spec: EventSpec[DataT], data: DataT
) -> tuple[Event, dict[str, Any]]:
    """Store the event row only (no fan-out); returns it with its envelope.

    For events whose deliveries the caller makes itself (``webhook.test`` to one
    subscription, an endpoint's notices to all but that one); everything else uses
    :func:`emit`. The row is inserted at once with Core, in the caller's transaction; the
    returned ``Event`` is not in the session. As a pending ORM object it cost a second
    flush per emitting request, a fifth of a job create (docs/performance.md).
    """
    created_at = utcnow()
    event_id = new_id("evt")
    envelope = build_envelope(
        event_id,
        spec.type,
        organization_id,
        isoformat_z(created_at),
        data.model_dump(mode="json", by_alias=True),
    )
    row = {
        "id": event_id,
        "organization_id": organization_id,
        "type": spec.type,
        "payload": canonical_json(envelope),
        "created_at": created_at,
    }
    session.connection().execute(_INSERT_EVENT, row)
    return Event(**row), envelope


def emit(
    session: Session, organization_id: str, spec: EventSpec[DataT], data: DataT
) -> Event:
    """Record an event of ``spec``'s type with its typed ``data``, and its deliveries."""
    event, envelope = record_event(session, organization_id, spec, data)
    enqueue_deliveries(session, event, envelope)
    return event
