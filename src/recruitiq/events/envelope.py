"""The webhook envelope every event is wrapped in (ARCHITECTURE.md "Webhook contract")."""

from __future__ import annotations

from typing import Any


def build_envelope(
    event_id: str, event_type: str, organization_id: str, timestamp: str, data: dict[str, Any]
) -> dict[str, Any]:
    return {
        "id": event_id,
        "type": event_type,
        "timestamp": timestamp,
        "organizationId": organization_id,
        "data": data,
    }
