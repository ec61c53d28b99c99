from __future__ import annotations

from typing import Literal

from recruitiq.kit.envelopes import page_envelope
from recruitiq.kit.schema import CamelModel, UTCTimestamp

ActorType = Literal["user", "api_key", "system"]


class AuditEventOut(CamelModel):
    id: str
    organization_id: str
    actor_type: str
    actor_id: str
    action: str
    resource_type: str
    resource_id: str
    changed_fields: list[str]
    request_id: str | None
    created_at: UTCTimestamp


AuditEventPage = page_envelope("AuditEventPage", "auditEvents", AuditEventOut)
