"""Webhook subscriptions and their delivery log.

Redelivery creates a *fresh* pending delivery of the same event (same event id, so the
receiver's de-duplication on ``webhook-id`` still works) rather than resetting the old
row: the original delivery keeps its attempt history untouched, and the new one carries
its own. Recovery instead re-queues the failed rows themselves (one fresh attempt each),
because it is a bulk "try these again" after an outage, not a new, separately tracked send.
"""

from __future__ import annotations

import base64
import json
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from recruitiq.config import Settings
from recruitiq.errors import Conflict, NotFound, ValidationFailed
from recruitiq.events.catalog import unknown_types
from recruitiq.events.emit import record_event
from recruitiq.kit.clock import utcnow
from recruitiq.kit.ids import new_id
from recruitiq.kit.lookup import get_owned
from recruitiq.kit.pagination import Page, PageParams, paginate, where_equal
from recruitiq.models import Event, Organization, WebhookAttempt, WebhookDelivery
from recruitiq.models import WebhookSubscription as Subscription
from recruitiq.webhooks import fanout
from recruitiq.webhooks.events import TEST_MESSAGE, WEBHOOK_TEST, WebhookTestData
from recruitiq.webhooks.plans import Plan, plan_for_organization, plan_named
from recruitiq.webhooks.schemas import (
    AttemptOut,
    DeliveryDetailOut,
    DeliveryOut,
    EnableIn,
    WebhookCreate,
    WebhookOut,
    WebhookUpdate,
    WebhookWithSecretOut,
)
from recruitiq.webhooks.ssrf import validate_subscription_url
from recruitiq.webhooks.wakeup import DELIVERIES

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
SECRET_BYTES = 32
PREVIOUS_SECRET_GRACE = timedelta(hours=24)
DISABLED_BY_USER = "Disabled through the API"
DELETED_ERROR = "subscription deleted"
# How long the dispatcher leaves a test delivery alone, so the request that created it
# sends it itself; if that request dies, the dispatcher sends it after this.
TEST_DELIVERY_GRACE = timedelta(seconds=60)


def generate_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def webhook_data(subscription: Subscription, *, with_secret: bool = False) -> dict[str, Any]:
    model = WebhookWithSecretOut if with_secret else WebhookOut
    return model.model_validate(subscription).to_json()


def delivery_data(delivery: WebhookDelivery) -> dict[str, Any]:
    return DeliveryOut.model_validate(delivery).to_json()


def _validate_events(events: list[str], plan: Plan) -> None:
    unknown = unknown_types(events)
    if unknown:
        raise ValidationFailed(
            f"Unknown event types: {', '.join(unknown)} (see GET /api/v1/webhooks/event-types)",
            field="events",
        )
    if len(events) > plan.max_event_types_per_subscription:
        raise ValidationFailed(
            f"The {plan.name} plan allows at most {plan.max_event_types_per_subscription} "
            'event types per subscription; subscribe to "*" for all',
            field="events",
            code="too_many_event_types",
        )


def _locked_plan(session: Session, organization_id: str) -> Plan:
    # Locking the organization row serialises concurrent creates, so two requests cannot
    # both pass the subscription limit check.
    name = session.scalar(
        select(Organization.plan).where(Organization.id == organization_id).with_for_update()
    )
    return plan_named(name)


def _check_subscription_limit(session: Session, organization_id: str, plan: Plan) -> None:
    count = session.scalar(
        select(func.count())
        .select_from(Subscription)
        .where(Subscription.organization_id == organization_id, Subscription.deleted_at.is_(None))
    )
    if (count or 0) >= plan.max_subscriptions:
        raise Conflict(
            f"The {plan.name} plan allows at most {plan.max_subscriptions} webhook "
            "subscriptions; delete one or upgrade the plan",
            code="webhook_limit_reached",
        )


def get_webhook(session: Session, organization_id: str, webhook_id: str) -> Subscription:
    return get_owned(session, Subscription, organization_id, webhook_id, resource="Webhook")


def create_webhook(
    session: Session, settings: Settings, organization_id: str, body: WebhookCreate
) -> Subscription:
    plan = _locked_plan(session, organization_id)
    _validate_events(body.events, plan)
    validate_subscription_url(body.url, settings)
    _check_subscription_limit(session, organization_id, plan)
    now = utcnow()
    subscription = Subscription(
        id=new_id("whk"),
        organization_id=organization_id,
        secret=generate_secret(),
        created_at=now,
        updated_at=now,
        **body.model_dump(),
    )
    if not body.is_active:
        subscription.disabled_at = now
        subscription.disabled_reason = DISABLED_BY_USER
    session.add(subscription)
    session.flush()
    return subscription


def list_webhooks(session: Session, organization_id: str, params: PageParams) -> Page[Subscription]:
    stmt = select(Subscription).where(
        Subscription.organization_id == organization_id, Subscription.deleted_at.is_(None)
    )
    return paginate(session, stmt, Subscription, params)


def _set_active(subscription: Subscription, active: bool) -> None:
    if active == subscription.is_active:
        return
    subscription.is_active = active
    if active:
        # A fresh start: the failures that disabled it belong to the old receiver.
        subscription.disabled_reason = None
        subscription.disabled_at = None
        subscription.consecutive_failures = 0
        subscription.failing_notified_at = None
    else:
        subscription.disabled_reason = DISABLED_BY_USER
        subscription.disabled_at = utcnow()


def update_webhook(
    session: Session,
    settings: Settings,
    organization_id: str,
    webhook_id: str,
    body: WebhookUpdate,
) -> Subscription:
    subscription = get_webhook(session, organization_id, webhook_id)
    fields = body.model_dump(exclude_unset=True)
    for required in (
        "url",
        "events",
        "include_pii",
        "max_retries",
        "retry_delay_seconds",
        "is_active",
    ):
        if required in fields and fields[required] is None:
            raise ValidationFailed(f"{required} cannot be null", field=required)
    if "events" in fields:
        _validate_events(fields["events"], plan_for_organization(session, organization_id))
    if "url" in fields:
        validate_subscription_url(fields["url"], settings)
    active = fields.pop("is_active", None)
    for name, value in fields.items():
        setattr(subscription, name, value)
    if active is not None:
        _set_active(subscription, active)
    session.flush()
    return subscription


def _fail_unsent(session: Session, subscription: Subscription, error: str) -> None:
    session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.subscription_id == subscription.id,
            WebhookDelivery.status.in_(("pending", "held")),
        )
        .values(status="failed", last_error=error, next_attempt_at=None, updated_at=utcnow())
    )


def delete_webhook(session: Session, organization_id: str, webhook_id: str) -> None:
    subscription = get_webhook(session, organization_id, webhook_id)
    subscription.deleted_at = utcnow()
    subscription.is_active = False
    session.flush()
    _fail_unsent(session, subscription, DELETED_ERROR)


def rotate_secret(session: Session, organization_id: str, webhook_id: str) -> Subscription:
    subscription = get_webhook(session, organization_id, webhook_id)
    subscription.previous_secret = subscription.secret
    subscription.previous_secret_expires_at = utcnow() + PREVIOUS_SECRET_GRACE
    subscription.secret = generate_secret()
    session.flush()
    return subscription


def list_deliveries(
    session: Session,
    organization_id: str,
    webhook_id: str,
    params: PageParams,
    *,
    status: str | None = None,
    event_type: str | None = None,
) -> Page[WebhookDelivery]:
    subscription = get_webhook(session, organization_id, webhook_id)
    stmt = select(WebhookDelivery).where(
        WebhookDelivery.organization_id == organization_id,
        WebhookDelivery.subscription_id == subscription.id,
    )
    stmt = where_equal(
        stmt,
        (WebhookDelivery.status, status),
        (WebhookDelivery.event_type, event_type),
    )
    return paginate(session, stmt, WebhookDelivery, params)


def get_delivery(
    session: Session, organization_id: str, webhook_id: str, delivery_id: str
) -> WebhookDelivery:
    subscription = get_webhook(session, organization_id, webhook_id)
    delivery = session.scalar(
        select(WebhookDelivery).where(
            WebhookDelivery.organization_id == organization_id,
            WebhookDelivery.subscription_id == subscription.id,
            WebhookDelivery.id == delivery_id,
        )
    )
    if delivery is None:
        raise NotFound("Delivery", delivery_id)
    return delivery


def delivery_detail(session: Session, delivery: WebhookDelivery) -> dict[str, Any]:
    attempts = session.scalars(
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id == delivery.id)
        .order_by(WebhookAttempt.attempt_number, WebhookAttempt.started_at)
    )
    detail = DeliveryDetailOut.model_validate(
        {
            **DeliveryOut.model_validate(delivery).model_dump(),
            "attempts_log": [AttemptOut.model_validate(a) for a in attempts],
        }
    )
    return detail.to_json()


def _require_active(subscription: Subscription) -> None:
    if not subscription.is_active:
        raise Conflict(
            "The webhook is disabled; re-enable it (PUT isActive: true) first",
            code="webhook_disabled",
        )


def redeliver(
    session: Session, organization_id: str, webhook_id: str, delivery_id: str
) -> WebhookDelivery:
    original = get_delivery(session, organization_id, webhook_id, delivery_id)
    subscription = session.get_one(Subscription, original.subscription_id)
    _require_active(subscription)
    event = session.get_one(Event, original.event_id)
    # The subscription's current PII choice applies, not the one at the first send.
    payload = fanout.payload_for(subscription.include_pii, event, json.loads(event.payload))
    priority = fanout.delivery_priority(session, organization_id)
    delivery = fanout.new_delivery(subscription.id, event, payload, priority=priority)
    session.add(delivery)
    session.flush()
    DELIVERIES.after_commit(session)
    return delivery


def recover(session: Session, organization_id: str, webhook_id: str, since: datetime) -> int:
    subscription = get_webhook(session, organization_id, webhook_id)
    _require_active(subscription)
    return _requeue_failed(session, subscription, WebhookDelivery.created_at >= since)


def enable(session: Session, organization_id: str, webhook_id: str, body: EnableIn) -> int:
    """Re-enable the subscription (a fresh start, as ``PUT isActive: true``); with
    ``recover``, re-queue the deliveries that failed or were set aside since it last
    succeeded (all of them if it never did). Returns how many were re-queued."""
    subscription = get_webhook(session, organization_id, webhook_id)
    last_success = subscription.last_success_at
    _set_active(subscription, True)
    session.flush()
    if not body.recover:
        return 0
    since = [] if last_success is None else [WebhookDelivery.updated_at > last_success]
    return _requeue_failed(session, subscription, *since)


def _requeue_failed(
    session: Session, subscription: Subscription, *conditions: ColumnElement[bool]
) -> int:
    """Recovery: failed deliveries pending again, due now, one more attempt each."""
    now = utcnow()
    result = session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.organization_id == subscription.organization_id,
            WebhookDelivery.subscription_id == subscription.id,
            WebhookDelivery.status == "failed",
            *conditions,
        )
        .values(
            status="pending",
            next_attempt_at=now,
            leased_until=None,
            leased_by=None,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    count: int = result.rowcount  # type: ignore[attr-defined]
    if count:
        DELIVERIES.after_commit(session)
    return count


def create_test_delivery(
    session: Session, organization_id: str, webhook_id: str
) -> WebhookDelivery:
    """A ``webhook.test`` event addressed to this subscription only.

    The request sends it at once through ``deliver_now``; the dispatcher holds off for a
    grace period, and sends it after that only if the request died before it could.
    """
    subscription = get_webhook(session, organization_id, webhook_id)
    _require_active(subscription)
    now = utcnow()
    data = WebhookTestData(message=TEST_MESSAGE, webhook_id=subscription.id, sent_at=now)
    event, _envelope = record_event(session, organization_id, WEBHOOK_TEST, data)
    priority = fanout.delivery_priority(session, organization_id)
    delivery = fanout.new_delivery(subscription.id, event, None, priority=priority)
    delivery.next_attempt_at = now + TEST_DELIVERY_GRACE
    session.add(delivery)
    session.flush()
    return delivery
