"""The one event type the webhook feature itself emits: a test ping to one subscription."""

from __future__ import annotations

from pydantic import Field

from recruitiq.events.spec import EventSpec
from recruitiq.kit.schema import CamelModel, UTCTimestamp


class WebhookTestData(CamelModel):
    message: str = Field(examples=["This is a test webhook from RecruitIQ"])
    webhook_id: str
    sent_at: UTCTimestamp


TEST_MESSAGE = "This is a test webhook from RecruitIQ"

SPECS = [
    EventSpec(
        "webhook.test",
        "A test ping sent on request (POST /api/v1/webhooks/{id}/test) to one subscription "
        "only; receivers can use it to check their signature verification.",
        WebhookTestData,
        {
            "message": TEST_MESSAGE,
            "webhookId": "whk_0193a1b2c3d4e5f6a7b8c9d0",
            "sentAt": "2026-11-02T09:00:00.000Z",
        },
    ),
]
