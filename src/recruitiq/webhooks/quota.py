"""Monthly delivery quotas per plan (``webhooks/plans.py``): over quota is *held*, never dropped.

A delivery is charged once, when it is claimed for its first attempt; retries and test
deliveries are free. The charge is one atomic upsert (``INSERT ... ON CONFLICT DO UPDATE SET
deliveries = deliveries + n RETURNING deliveries``) followed by giving back what exceeds the
quota, so two workers can never overspend it together. Held deliveries go back to pending
when the quota allows again (a new month or a plan upgrade): :func:`release_held`, run by
the worker every minute, and by a plan change (``usage.service.set_plan``) at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import case, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from recruitiq.kit.clock import utcnow
from recruitiq.models import Organization, WebhookDelivery, WebhookUsage
from recruitiq.webhooks.plans import plan_named


def period_of(moment: datetime) -> str:
    return moment.strftime("%Y-%m")


def quotas_for(session: Session, organization_ids: Iterable[str]) -> dict[str, int | None]:
    """Monthly quota per organization; None means unlimited."""
    rows = session.execute(
        select(Organization.id, Organization.plan).where(Organization.id.in_(set(organization_ids)))
    )
    return {org_id: plan_named(plan).monthly_delivery_quota for org_id, plan in rows}


def used(session: Session, organization_id: str, period: str) -> int:
    value = session.scalar(
        select(WebhookUsage.deliveries).where(
            WebhookUsage.organization_id == organization_id, WebhookUsage.period == period
        )
    )
    return int(value or 0)


def reserve(session: Session, organization_id: str, quota: int, wanted: int, period: str) -> int:
    """Charge up to ``wanted`` deliveries to this month's usage; returns how many fit."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    # One atomic upsert-and-increment (the row is created on the month's first charge).
    upsert = insert(WebhookUsage).values(
        organization_id=organization_id, period=period, deliveries=wanted
    )
    total = session.scalar(
        upsert.on_conflict_do_update(
            index_elements=[WebhookUsage.organization_id, WebhookUsage.period],
            set_={"deliveries": WebhookUsage.deliveries + upsert.excluded.deliveries},
        ).returning(WebhookUsage.deliveries)
    )
    granted = max(0, min(wanted, wanted - (int(total or 0) - quota)))
    if granted < wanted:
        key = (WebhookUsage.organization_id == organization_id, WebhookUsage.period == period)
        session.execute(
            update(WebhookUsage)
            .where(*key)
            .values(deliveries=WebhookUsage.deliveries - (wanted - granted))
        )
    return granted


def refund(session: Session, organization_id: str, count: int, period: str) -> None:
    """Take back ``count`` charges: deliveries charged by a claim and given back unsent,
    which the claim that sends them charges again."""
    session.execute(
        update(WebhookUsage)
        .where(WebhookUsage.organization_id == organization_id, WebhookUsage.period == period)
        .values(deliveries=case((WebhookUsage.deliveries > count,
                                 WebhookUsage.deliveries - count), else_=0))
    )


def release_held(
    session: Session, now: datetime | None = None, *, organization_id: str | None = None
) -> int:
    """Move held deliveries back to pending as far as each organization's quota allows
    (one organization's only, when given: a plan change releases at once)."""
    now = now or utcnow()
    period = period_of(now)
    held = select(WebhookDelivery.organization_id, func.count()).where(
        WebhookDelivery.status == "held"
    )
    if organization_id is not None:
        held = held.where(WebhookDelivery.organization_id == organization_id)
    held_orgs = session.execute(held.group_by(WebhookDelivery.organization_id)).all()
    quotas = quotas_for(session, [org for org, _ in held_orgs])
    released = 0
    for org_id, count in held_orgs:
        quota = quotas.get(org_id)
        room = count if quota is None else min(count, quota - used(session, org_id, period))
        if room <= 0:
            continue
        oldest = (
            select(WebhookDelivery.id)
            .where(WebhookDelivery.organization_id == org_id, WebhookDelivery.status == "held")
            .order_by(WebhookDelivery.created_at, WebhookDelivery.id)
            .limit(room)
        )
        result = session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id.in_(oldest.scalar_subquery()),
                WebhookDelivery.status == "held",
            )
            .values(status="pending", next_attempt_at=now, last_error=None, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        released += int(getattr(result, "rowcount", 0) or 0)
    return released
