from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field

from recruitiq.kit.envelopes import envelope, page_envelope
from recruitiq.kit.schema import CamelInput, CamelModel, Patch, Timestamp, UTCTimestamp

DeliveryStatus = Literal["pending", "delivered", "failed", "held"]
MAX_RATE_LIMIT_PER_SECOND = 10_000


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("url must be an absolute http(s) URL")
    if parts.username or parts.password:
        raise ValueError("url must not carry credentials; put a token in the path or query")
    return value


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


WebhookUrl = Annotated[
    str,
    Field(max_length=2048, examples=["https://hooks.example.com/recruitiq"]),
    AfterValidator(_http_url),
]
EventTypes = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=64)]],
    Field(
        min_length=1,
        examples=[["application.received", "application.stage_changed"]],
        description='Event types from GET /api/v1/webhooks/event-types, or "*" for all',
    ),
    AfterValidator(_unique),
]


def _zero_is_default(value: int | None) -> int | None:
    return value or None


RateLimit = Annotated[
    Annotated[int, Field(strict=True, ge=0, le=MAX_RATE_LIMIT_PER_SECOND)] | None,
    Field(
        examples=[50],
        description="Deliveries per second this receiver accepts at most; deliveries over "
        "it wait for a later second. null or 0: the deployment's default "
        "(RECRUITIQ_WEBHOOK_DEFAULT_RATE_LIMIT_PER_SECOND, 50)",
    ),
    AfterValidator(_zero_is_default),
]


class WebhookCreate(CamelInput):
    url: WebhookUrl
    events: EventTypes
    description: str | None = Field(default=None, max_length=500)
    include_pii: bool = Field(
        default=True,
        description="false: candidate names, e-mails, phones and resume URLs are removed",
    )
    max_retries: int = Field(default=3, ge=0, le=10)
    retry_delay_seconds: int = Field(default=60, ge=10, le=3600)
    is_active: bool = True
    rate_limit_per_second: RateLimit = None


class WebhookUpdate(CamelInput):
    url: Patch[WebhookUrl] = None
    events: Patch[EventTypes] = None
    description: str | None = Field(default=None, max_length=500)
    include_pii: Patch[bool] = None
    max_retries: Patch[int] = Field(default=None, ge=0, le=10)
    retry_delay_seconds: Patch[int] = Field(default=None, ge=10, le=3600)
    is_active: Patch[bool] = None
    rate_limit_per_second: RateLimit = None


class EnableIn(CamelInput):
    recover: bool = Field(
        default=False,
        description="Also re-queue the deliveries that failed (or were set aside) since the "
        "subscription last succeeded",
    )


class RecoverIn(CamelInput):
    since: Timestamp = Field(description="Re-queue failed deliveries created at or after this")


class WebhookOut(CamelModel):
    id: str
    organization_id: str
    url: str
    description: str | None
    events: list[str]
    is_active: bool
    include_pii: bool
    max_retries: int
    retry_delay_seconds: int
    total_deliveries: int
    successful_deliveries: int
    failed_deliveries: int
    consecutive_failures: int
    last_delivery_at: UTCTimestamp | None
    last_success_at: UTCTimestamp | None
    last_failure_at: UTCTimestamp | None
    disabled_reason: str | None
    disabled_at: UTCTimestamp | None
    rate_limit_per_second: int | None = Field(
        description="null: the deployment's default (50 unless configured)")
    failing_notified_at: UTCTimestamp | None = Field(
        description="When webhook.endpoint_failing was sent for the current run of failures")
    created_at: UTCTimestamp
    updated_at: UTCTimestamp


class WebhookWithSecretOut(WebhookOut):
    secret: str
    previous_secret_expires_at: UTCTimestamp | None


class DeliveryOut(CamelModel):
    id: str
    subscription_id: str
    event_id: str
    event_type: str
    status: str
    attempts: int
    next_attempt_at: UTCTimestamp | None
    last_attempt_at: UTCTimestamp | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: UTCTimestamp | None
    paced_until: UTCTimestamp | None = Field(
        description="Set when the subscription's rate limit held it back: the second it "
        "was booked into (it is not an attempt)")
    created_at: UTCTimestamp


class AttemptOut(CamelModel):
    id: str
    attempt_number: int
    started_at: UTCTimestamp
    duration_ms: int | None
    status_code: int | None
    response_body: str | None
    error: str | None


class DeliveryDetailOut(DeliveryOut):
    attempts_log: list[AttemptOut]


class TestResultOut(CamelModel):
    """The outcome of the one attempt a test send makes (a failure is retried as usual)."""

    delivery_id: str
    event_id: str
    succeeded: bool
    status_code: int | None
    error: str | None
    duration_ms: int


class EventTypeOut(CamelModel):
    type: str = Field(examples=["application.received"])
    description: str
    data_schema: dict[str, Any] = Field(alias="schema", description="JSON Schema of `data`")
    sample: dict[str, Any] = Field(description="A whole envelope of this type")


class RecoveredOut(CamelModel):
    success: Literal[True]
    recovered: int = Field(description="Deliveries queued again")


EventTypeList = envelope("EventTypeList", "eventTypes", list[EventTypeOut],
                         count=(int, Field(description="Event types listed")))
WebhookEnvelope = envelope("WebhookEnvelope", "webhook", WebhookOut)
WebhookSecretEnvelope = envelope("WebhookSecretEnvelope", "webhook", WebhookWithSecretOut)
WebhookPage = page_envelope("WebhookPage", "webhooks", WebhookOut)
WebhookEnabled = envelope("WebhookEnabled", "webhook", WebhookOut, recovered=(int, Field(
    description="Deliveries queued again (0 without `recover: true`)")))
DeliveryEnvelope = envelope("DeliveryEnvelope", "delivery", DeliveryOut)
DeliveryDetailEnvelope = envelope("DeliveryDetailEnvelope", "delivery", DeliveryDetailOut)
DeliveryPage = page_envelope("DeliveryPage", "events", DeliveryOut)
WebhookTestEnvelope = envelope("WebhookTestEnvelope", "test", TestResultOut)
