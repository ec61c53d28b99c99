"""Warn before disabling: the dispatcher's state changes on failing endpoints, and their notices.

After each batch of outcomes (in the same transaction, so a notice exists if and only if
its change committed): a subscription that reached ``warn_after`` consecutive failures is
marked (``failing_notified_at``) and ``webhook.endpoint_failing`` is emitted, once per run
of failures; one that reached ``disable_after`` (or answered 410 Gone) is disabled and
``webhook.endpoint_disabled`` is emitted. Both go to the organization's *other*
subscriptions that subscribe to them, never to the failing endpoint, and both are recorded
in the audit log with ``actorType: system``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast
from urllib.parse import urlsplit

from sqlalchemy import Table
from sqlalchemy.orm import Session

from recruitiq.audit.recorder import record_system
from recruitiq.events.emit import record_event
from recruitiq.events.spec import DataT, EventSpec
from recruitiq.models import WebhookSubscription
from recruitiq.webhooks.events import (
    WEBHOOK_ENDPOINT_DISABLED,
    WEBHOOK_ENDPOINT_FAILING,
    WebhookEndpointDisabledData,
    WebhookEndpointFailingData,
)
from recruitiq.webhooks.fanout import enqueue_deliveries

AUDIT_ACTOR = "webhook-dispatcher"

SUBSCRIPTIONS = cast(Table, WebhookSubscription.__table__)
ST = SUBSCRIPTIONS.c
_NOTICE_COLUMNS = (ST.id, ST.organization_id, ST.url, ST.description,
                   ST.consecutive_failures, ST.last_failure_at, ST.disabled_reason)


def endpoint_of(url: str) -> str:
    """Scheme, host and port: a receiver's path and query may carry its token."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


def auto_disable_reason(disable_after: int) -> str:
    return f"{disable_after} consecutive failed attempts"


def after_outcomes(
    session: Session, failing: set[str], gone: Mapping[str, str], now: datetime, *,
    warn_after: int, disable_after: int,
) -> None:
    """``failing``: subscriptions with a failed attempt in the batch; ``gone``: those that
    answered 410 Gone, with the reason."""
    for subscription_id, reason in gone.items():
        rows = session.execute(
            SUBSCRIPTIONS.update()
            .where(ST.id == subscription_id, ST.is_active.is_(True))
            .values(is_active=False, disabled_reason=reason, disabled_at=now)
            .returning(*_NOTICE_COLUMNS)
        ).all()
        _disabled(session, rows, now)
    if not failing:
        return
    if warn_after:
        warned = session.execute(
            SUBSCRIPTIONS.update()
            .where(ST.id.in_(sorted(failing)), ST.is_active.is_(True),
                   ST.consecutive_failures >= warn_after, ST.failing_notified_at.is_(None))
            .values(failing_notified_at=now)
            .returning(*_NOTICE_COLUMNS)
        ).all()
        for row in _in_order(warned):
            data = WebhookEndpointFailingData(
                webhook_id=row.id, endpoint=endpoint_of(row.url), description=row.description,
                consecutive_failures=row.consecutive_failures, disable_after=disable_after,
                last_failure_at=row.last_failure_at,
            )
            _notify(session, row, WEBHOOK_ENDPOINT_FAILING, data, ["failingNotifiedAt"])
    disabled = session.execute(
        SUBSCRIPTIONS.update()
        .where(ST.id.in_(sorted(failing)), ST.is_active.is_(True),
               ST.consecutive_failures >= disable_after)
        .values(is_active=False, disabled_at=now,
                disabled_reason=auto_disable_reason(disable_after))
        .returning(*_NOTICE_COLUMNS)
    ).all()
    _disabled(session, disabled, now)


def _in_order(rows: Sequence[Any]) -> list[Any]:
    return sorted(rows, key=lambda row: row.id)


def _disabled(session: Session, rows: Sequence[Any], now: datetime) -> None:
    for row in _in_order(rows):
        data = WebhookEndpointDisabledData(
            webhook_id=row.id, endpoint=endpoint_of(row.url), description=row.description,
            consecutive_failures=row.consecutive_failures,
            disabled_reason=row.disabled_reason, disabled_at=now,
        )
        _notify(session, row, WEBHOOK_ENDPOINT_DISABLED, data,
                ["disabledAt", "disabledReason", "isActive"])


def _notify(session: Session, row: Any, spec: EventSpec[DataT], data: DataT,
            fields: list[str]) -> None:
    event, envelope = record_event(session, row.organization_id, spec, data)
    enqueue_deliveries(session, event, envelope, exclude_subscription_id=row.id)
    record_system(session, row.organization_id, AUDIT_ACTOR, spec.type,
                  "webhook_subscription", row.id, fields)
