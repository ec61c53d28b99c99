"""`GET /api/v1/usage`: `{"success": true, "usage": {...}}`, camelCase."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from recruitiq.kit.schema import CamelModel, UTCTimestamp


class PlanOut(CamelModel):
    name: str = Field(examples=["pro"])
    max_subscriptions: int
    max_event_types_per_subscription: int
    monthly_delivery_quota: int | None = Field(description="null: unlimited")
    priority_delivery: bool = Field(
        description="Deliveries are claimed first when the dispatcher has more due work than "
        "it can take at once"
    )


class PeriodOut(CamelModel):
    month: str = Field(examples=["2026-11"], description="The calendar month (UTC) counted")
    starts_at: UTCTimestamp
    ends_at: UTCTimestamp = Field(description="When the count starts again from zero")


class DeliveriesUsageOut(CamelModel):
    used: int = Field(description="Deliveries charged this month (first attempts; retries and "
                      "test events are free)")
    quota: int | None = Field(description="The plan's monthly quota; null: unlimited")
    remaining: int | None = Field(description="null: unlimited")
    held: int = Field(description="Deliveries waiting for quota (status `held`), never dropped")


class SubscriptionsUsageOut(CamelModel):
    used: int = Field(description="Subscriptions that are not deleted (active or disabled)")
    allowed: int


class AllowanceOut(CamelModel):
    allowed: int


class UsageOut(CamelModel):
    organization_id: str
    plan: PlanOut
    period: PeriodOut
    deliveries: DeliveriesUsageOut
    subscriptions: SubscriptionsUsageOut
    event_types_per_subscription: AllowanceOut
    api_requests_per_minute: AllowanceOut = Field(
        description="The API rate limit of the plan (as RECRUITIQ_API_RATE_LIMITS sets it)")


class UsageResponse(CamelModel):
    success: Literal[True] = True
    usage: UsageOut
