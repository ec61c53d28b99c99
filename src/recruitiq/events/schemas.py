


"""The event log's answers: each event exactly as its webhook envelope was sent."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from recruitiq.kit.envelopes import envelope, page_envelope
from recruitiq.kit.schema import CamelModel


class EventOut(CamelModel):
    id: str = Field(examples=["evt_0193…"])
    type: str = Field(examples=["application.received"])
    timestamp: str = Field(description="ISO 8601 UTC, milliseconds")
    organization_id: str
    data: dict[str, Any] = Field(description="The type's data (GET /api/v1/webhooks/event-types "
                                 "has its JSON Schema)")


EventEnvelope = envelope("EventEnvelope", "event", EventOut)
EventPage = page_envelope("EventPage", "events", EventOut)
