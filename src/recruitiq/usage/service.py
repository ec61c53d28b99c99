"""Plans and usage: what an organization's plan allows, what it used this month, and the
operator's plan change (``recruitiq orgs list`` / ``recruitiq orgs set-plan``).

The limits are ``webhooks/plans.py``'s. "Used" counts what the limits count: subscriptions
not deleted (the subscription limit), and this month's charged deliveries (the quota,
``webhooks/quota.py``). A plan change takes effect at once, in its own transaction: the
organization's held deliveries are released as far as the new quota allows, its waiting
deliveries take the new plan's priority, and the dispatchers are woken after the commit.
Downgrading drops nothing: held stays held, and subscriptions over the new limit stay (new
ones are refused until the count is under it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from recruitiq.errors import NotFound, ValidationFailed
from recruitiq.kit.clock import utcnow
from recruitiq.models import Organization, WebhookDelivery, WebhookSubscription, WebhookUsage
from recruitiq.usage.schemas import (
    AllowanceOut,
    DeliveriesUsageOut,
    PeriodOut,
    PlanOut,
    SubscriptionsUsageOut,
    UsageOut,
)
from recruitiq.webhooks import quota
from recruitiq.webhooks.plans import PLANS, Plan, plan_named
from recruitiq.webhooks.wakeup import DELIVERIES

WAITING = ("pending", "held")


@dataclass(frozen=True)
class OrganizationUsage:
    organization_id: str
    name: str
    plan: Plan
    month: str
    month_starts_at: datetime
    month_ends_at: datetime
    deliveries_used: int
    held: int
    subscriptions_used: int

    @property
    def deliveries_remaining(self) -> int | None:
        limit = self.plan.monthly_delivery_quota
        return None if limit is None else max(0, limit - self.deliveries_used)


@dataclass(frozen=True)
class PlanChange:
    previous: Plan
    plan: Plan
    released: int  # held deliveries now pending (and being delivered)
    usage: OrganizationUsage


def month_bounds(now: datetime) -> tuple[datetime, datetime]:
    start = datetime(now.year, now.month, 1, tzinfo=UTC)
    end = datetime(now.year + now.month // 12, now.month % 12 + 1, 1, tzinfo=UTC)
    return start, end


def _usages(
    session: Session, organization_ids: Sequence[str] | None, now: datetime
) -> list[OrganizationUsage]:
    """One query per figure, each grouped by organization, whatever their number."""
    period = quota.period_of(now)

    def only(column: InstrumentedAttribute[str]) -> list[ColumnElement[bool]]:
        return [] if organization_ids is None else [column.in_(organization_ids)]

    organizations = session.execute(
        select(Organization.id, Organization.name, Organization.plan)
        .where(*only(Organization.id))
        .order_by(Organization.created_at, Organization.id)
    ).all()
    used = dict(session.execute(
        select(WebhookUsage.organization_id, WebhookUsage.deliveries)
        .where(WebhookUsage.period == period, *only(WebhookUsage.organization_id))
    ).all())
    held = dict(session.execute(
        select(WebhookDelivery.organization_id, func.count())
        .where(WebhookDelivery.status == "held", *only(WebhookDelivery.organization_id))
        .group_by(WebhookDelivery.organization_id)
    ).all())
    subscriptions = dict(session.execute(
        select(WebhookSubscription.organization_id, func.count())
        .where(WebhookSubscription.deleted_at.is_(None),
               *only(WebhookSubscription.organization_id))
        .group_by(WebhookSubscription.organization_id)
    ).all())
    start, end = month_bounds(now)
    return [
        OrganizationUsage(
            organization_id=org_id, name=name, plan=plan_named(plan), month=period,
            month_starts_at=start, month_ends_at=end, deliveries_used=int(used.get(org_id, 0)),
            held=int(held.get(org_id, 0)), subscriptions_used=int(subscriptions.get(org_id, 0)),
        )
        for org_id, name, plan in organizations
    ]


def usage_of(session: Session, organization_id: str, now: datetime | None = None
             ) -> OrganizationUsage:
    found = _usages(session, [organization_id], now or utcnow())
    if not found:
        raise NotFound("Organization", organization_id)
    return found[0]


def list_usage(session: Session, now: datetime | None = None) -> list[OrganizationUsage]:
    """Every organization, oldest first."""
    return _usages(session, None, now or utcnow())


def plan_out(plan: Plan) -> PlanOut:
    return PlanOut(
        name=plan.name, max_subscriptions=plan.max_subscriptions,
        max_event_types_per_subscription=plan.max_event_types_per_subscription,
        monthly_delivery_quota=plan.monthly_delivery_quota,
        priority_delivery=plan.priority_delivery,
    )


def usage_out(usage: OrganizationUsage, api_requests_per_minute: int) -> UsageOut:
    """``api_requests_per_minute``: the plan's API rate limit where this server enforces it."""
    plan = usage.plan
    return UsageOut(
        organization_id=usage.organization_id,
        plan=plan_out(plan),
        period=PeriodOut(month=usage.month, starts_at=usage.month_starts_at,
                         ends_at=usage.month_ends_at),
        deliveries=DeliveriesUsageOut(
            used=usage.deliveries_used, quota=plan.monthly_delivery_quota,
            remaining=usage.deliveries_remaining, held=usage.held,
        ),
        subscriptions=SubscriptionsUsageOut(used=usage.subscriptions_used,
                                            allowed=plan.max_subscriptions),
        event_types_per_subscription=AllowanceOut(
            allowed=plan.max_event_types_per_subscription),
        api_requests_per_minute=AllowanceOut(allowed=api_requests_per_minute),
    )


def set_plan(
    session: Session, organization_id: str, plan_name: str, now: datetime | None = None
) -> PlanChange:
    """Move an organization to ``plan_name``; an unknown organization or plan changes
    nothing (NotFound, ValidationFailed on ``plan``)."""
    if plan_name not in PLANS:
        raise ValidationFailed(
            f"Unknown plan '{plan_name}'; plans: {', '.join(PLANS)}", field="plan"
        )
    now = now or utcnow()
    # Locked like a subscription create locks it: a concurrent create checks the new limit.
    organization = session.scalar(
        select(Organization).where(Organization.id == organization_id).with_for_update()
    )
    if organization is None:
        raise NotFound("Organization", organization_id)
    previous = plan_named(organization.plan)
    plan = PLANS[plan_name]
    organization.plan = plan.name
    session.flush()
    # Waiting deliveries are claimed with the new plan's priority; delivered and failed
    # rows keep theirs (the priority of the claim they had).
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.organization_id == organization_id,
               WebhookDelivery.status.in_(WAITING),
               WebhookDelivery.priority != plan.delivery_priority)
        .values(priority=plan.delivery_priority)
        .execution_options(synchronize_session=False)
    )
    released = quota.release_held(session, now, organization_id=organization_id)
    if released:
        DELIVERIES.after_commit(session)
    return PlanChange(previous=previous, plan=plan, released=released,
                      usage=usage_of(session, organization_id, now))


def _quota_text(limit: int | None) -> str:
    return "unlimited" if limit is None else f"{limit:,}"


def plan_lines(plan: Plan) -> list[str]:
    """The plan's limits, as the operator commands print them."""
    return [
        f"  subscriptions:                  {plan.max_subscriptions:,}",
        f"  event types per subscription:   {plan.max_event_types_per_subscription:,}",
        f"  deliveries per month:           {_quota_text(plan.monthly_delivery_quota)}",
        f"  priority delivery:              {'yes' if plan.priority_delivery else 'no'}",
    ]


def usage_table(usages: Sequence[OrganizationUsage]) -> list[str]:
    """``recruitiq orgs list``: one aligned line per organization, under a header."""
    month = usages[0].month if usages else quota.period_of(utcnow())
    rows = [["id", "name", "plan", "subscriptions", f"deliveries {month}", "held"]]
    rows += [
        [u.organization_id, u.name, u.plan.name,
         f"{u.subscriptions_used}/{u.plan.max_subscriptions}",
         f"{u.deliveries_used}/{_quota_text(u.plan.monthly_delivery_quota)}", str(u.held)]
        for u in usages
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            for row in rows]
