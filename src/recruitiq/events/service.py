"""The organization's event log: the stored envelopes, exactly as they were sent."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from recruitiq.errors import ValidationFailed
from recruitiq.events.catalog import known_types
from recruitiq.kit.lookup import get_owned
from recruitiq.kit.pagination import Page, PageParams, paginate
from recruitiq.models import Event


def envelope(event: Event) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(event.payload)
    return parsed


def parse_types(raw: list[str]) -> list[str]:
    """``type`` may repeat and each value may be a comma list; unknown names are a 422."""
    types = list(dict.fromkeys(t.strip() for value in raw for t in value.split(",") if t.strip()))
    unknown = [t for t in types if t not in known_types()]
    if unknown:
        raise ValidationFailed(f"Unknown event types: {', '.join(unknown)}", field="type")
    return types


def list_events(
    session: Session, organization_id: str, params: PageParams, *, types: list[str]
) -> Page[Event]:
    if params.updated_after is not None:
        raise ValidationFailed("events never change; filter with createdAfter",
                               field="updatedAfter")
    stmt = select(Event).where(Event.organization_id == organization_id)
    if types:
        stmt = stmt.where(Event.type.in_(types))
    return paginate(session, stmt, Event, params)


def get_event(session: Session, organization_id: str, event_id: str) -> Event:
    return get_owned(session, Event, organization_id, event_id, resource="Event")
