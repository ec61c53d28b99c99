"""The webhook feature's own events: a test ping to one subscription, and the operator
notices about a failing or disabled endpoint (sent to the organization's other subscriptions)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from recruitiq.events.spec import EventSpec
from recruitiq.kit.schema import CamelModel, UTCTimestamp


class WebhookTestData(CamelModel):
    message: str = Field(examples=["This is a test webhook from RecruitIQ"])
    webhook_id: str
    sent_at: UTCTimestamp


TEST_MESSAGE = "This is a test webhook from RecruitIQ"

class WebhookEndpointFailingData(CamelModel):
    webhook_id: str
    endpoint: str = Field(
        description="The receiver's scheme, host and port: never its path or query, which "
        "may carry a token", examples=["https://hooks.example.com"])
    description: str | None
    consecutive_failures: int
    disable_after: int = Field(description="Consecutive failures that disable it")
    last_failure_at: UTCTimestamp | None


class WebhookEndpointDisabledData(CamelModel):
    webhook_id: str
    endpoint: str = Field(examples=["https://hooks.example.com"])
    description: str | None
    consecutive_failures: int
    disabled_reason: str
    disabled_at: UTCTimestamp


WEBHOOK_TEST = EventSpec(
    "webhook.test",
    "A test ping sent on request (POST /api/v1/webhooks/{id}/test) to one subscription "
    "only; receivers can use it to check their signature verification.",
    WebhookTestData,
    {
        "message": TEST_MESSAGE,
        "webhookId": "whk_0193a1b2c3d4e5f6a7b8c9d0",
        "sentAt": "2026-11-02T09:00:00.000Z",
    },
)


WEBHOOK_ENDPOINT_FAILING = EventSpec(
    "webhook.endpoint_failing",
    "A subscription's endpoint has failed RECRUITIQ_WEBHOOK_WARN_AFTER_FAILURES (5) "
    "attempts in a row and will be disabled if it keeps failing. Sent once per run of "
    "failures to the organization's other subscriptions, never to the failing one.",
    WebhookEndpointFailingData,
    {
        "webhookId": "whk_0193a1b2c3d4e5f6a7b8c9d0",
        "endpoint": "https://hooks.example.com",
        "description": "Slack notifier",
        "consecutiveFailures": 5,
        "disableAfter": 10,
        "lastFailureAt": "2026-11-02T08:59:58.000Z",
    },
)


WEBHOOK_ENDPOINT_DISABLED = EventSpec(
    "webhook.endpoint_disabled",
    "A subscription was disabled by its failures (RECRUITIQ_WEBHOOK_DISABLE_AFTER_FAILURES"
    " in a row, or 410 Gone). Sent to the organization's other subscriptions; re-enable "
    "it with POST /api/v1/webhooks/{id}/enable (recover: true re-queues what failed).",
    WebhookEndpointDisabledData,
    {
        "webhookId": "whk_0193a1b2c3d4e5f6a7b8c9d0",
        "endpoint": "https://hooks.example.com",
        "description": "Slack notifier",
        "consecutiveFailures": 10,
        "disabledReason": "10 consecutive failed attempts",
        "disabledAt": "2026-11-02T09:00:00.000Z",
    },
)


SPECS: list[EventSpec[Any]] = [WEBHOOK_TEST, WEBHOOK_ENDPOINT_FAILING, WEBHOOK_ENDPOINT_DISABLED]
