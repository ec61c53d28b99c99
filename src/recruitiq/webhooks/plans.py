"""What each organization plan allows for webhooks.

The subscriptions API enforces the subscription and event-type limits; the dispatcher
reads ``monthly_delivery_quota`` (``None`` is unlimited) to hold deliveries over quota.
``priority_delivery`` plans have their deliveries claimed first when more is due than a
claim can take (``delivery_priority``, stored on each delivery at fan-out; ADR 0006).
``api_requests_per_minute`` is the organization's API quota (ratelimit/, ADR 0011).
An organization whose ``plan`` is not listed gets the free plan's limits.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from recruitiq.models import Organization


@dataclass(frozen=True)
class Plan:
    name: str
    max_subscriptions: int
    max_event_types_per_subscription: int
    monthly_delivery_quota: int | None
    priority_delivery: bool = False
    api_requests_per_minute: int = 600

    @property
    def delivery_priority(self) -> int:
        """The ``webhook_deliveries.priority`` of this plan's deliveries (0 or 1)."""
        return PRIORITY if self.priority_delivery else STANDARD


# The two delivery classes the claim knows (webhooks/store.py): standard and priority.
STANDARD = 0
PRIORITY = 1

DEFAULT_PLAN = "free"
PLANS: dict[str, Plan] = {
    "free": Plan("free", max_subscriptions=50, max_event_types_per_subscription=100,
                 monthly_delivery_quota=100, api_requests_per_minute=600),
    "pro": Plan("pro", max_subscriptions=50, max_event_types_per_subscription=100,
                monthly_delivery_quota=10_000, api_requests_per_minute=3_000),
    "enterprise": Plan("enterprise", max_subscriptions=500, max_event_types_per_subscription=100,
                       monthly_delivery_quota=None, priority_delivery=True,
                       api_requests_per_minute=12_000),
}


def plan_named(name: str | None) -> Plan:
    return PLANS.get(name or DEFAULT_PLAN) or PLANS[DEFAULT_PLAN]


def plan_for_organization(session: Session, organization_id: str) -> Plan:
    name = session.scalar(select(Organization.plan).where(Organization.id == organization_id))
    return plan_named(name)
