"""The event log: every event of the organization, as the envelope receivers got."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query

from recruitiq.auth.dependencies import require_scope
from recruitiq.auth.principal import Principal
from recruitiq.deps import DbSession
from recruitiq.events import service
from recruitiq.events.schemas import EventEnvelope, EventPage
from recruitiq.kit.pagination import PageParams, list_body, page_params
from recruitiq.kit.routing import api_router

router = api_router(prefix="/api/v1/events", tags=["events"])

Reader = Annotated[Principal, Depends(require_scope("webhooks:read"))]


@router.get("", response_model=EventPage)
def list_events(
    principal: Reader,
    session: DbSession,
    params: Annotated[PageParams, Depends(page_params)],
    event_type: Annotated[
        list[str] | None,
        Query(alias="type", description="Repeat or comma-separate: type=job.created,job.closed"),
    ] = None,
) -> dict[str, Any]:
    """Newest first; filter by `type` and `createdAfter`, page with `cursor`."""
    types = service.parse_types(event_type or [])
    page = service.list_events(session, principal.organization_id, params, types=types)
    return list_body("events", [service.envelope(e) for e in page.items], page.next_cursor)


@router.get("/{event_id}", response_model=EventEnvelope)
def get_event(event_id: str, principal: Reader, session: DbSession) -> dict[str, Any]:
    event = service.get_event(session, principal.organization_id, event_id)
    return {"success": True, "event": service.envelope(event)}
