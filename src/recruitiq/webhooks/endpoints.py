"""Webhook subscriptions: `{"success": true, "webhook": {...}}`, as the piece reads it.

Lists never carry secrets; `GET /{id}`, create and rotate do. A subscription's deliveries
are listed under the key `events` (the brief's shape) and one delivery under `delivery`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Request, Response, status
from starlette.concurrency import run_in_threadpool

from recruitiq.auth.dependencies import require_scope
from recruitiq.auth.principal import Principal
from recruitiq.deps import DbSession, SettingsDep
from recruitiq.events.catalog import event_types_response_body
from recruitiq.kit.pagination import PageParams, list_body, page_params
from recruitiq.kit.routing import api_router
from recruitiq.webhooks import service
from recruitiq.webhooks.dispatcher import deliver_now
from recruitiq.webhooks.schemas import (
    DeliveryDetailEnvelope,
    DeliveryEnvelope,
    DeliveryPage,
    DeliveryStatus,
    EnableIn,
    EventTypeList,
    RecoveredOut,
    RecoverIn,
    TestResultOut,
    WebhookCreate,
    WebhookEnabled,
    WebhookEnvelope,
    WebhookPage,
    WebhookSecretEnvelope,
    WebhookTestEnvelope,
    WebhookUpdate,
)

router = api_router(prefix="/api/v1/webhooks", tags=["webhooks"])

Reader = Annotated[Principal, Depends(require_scope("webhooks:read"))]
Writer = Annotated[Principal, Depends(require_scope("webhooks:write"))]


def _one(subscription: Any, *, with_secret: bool = False) -> dict[str, Any]:
    return {"success": True, "webhook": service.webhook_data(subscription, with_secret=with_secret)}


@router.get("/event-types", response_model=EventTypeList)
def list_event_types(principal: Reader) -> Response:
    """Every event type: `{"success", "eventTypes": [{type, description, schema (JSON
    Schema of `data`), sample (a full envelope)}], "count"}`."""
    return Response(event_types_response_body(), media_type="application/json")


@router.post("", status_code=status.HTTP_201_CREATED, response_model=WebhookSecretEnvelope)
def create_webhook(
    body: WebhookCreate, principal: Writer, session: DbSession, settings: SettingsDep
) -> dict[str, Any]:
    """Subscribe a URL to event types (or `"*"`). The response carries the signing secret."""
    subscription = service.create_webhook(session, settings, principal.organization_id, body)
    return _one(subscription, with_secret=True)


@router.get("", response_model=WebhookPage)
def list_webhooks(
    principal: Reader, session: DbSession, params: Annotated[PageParams, Depends(page_params)]
) -> dict[str, Any]:
    page = service.list_webhooks(session, principal.organization_id, params)
    items = [service.webhook_data(s) for s in page.items]
    return list_body("webhooks", items, page.next_cursor)


@router.get("/{webhook_id}", response_model=WebhookSecretEnvelope)
def get_webhook(webhook_id: str, principal: Reader, session: DbSession) -> dict[str, Any]:
    subscription = service.get_webhook(session, principal.organization_id, webhook_id)
    return _one(subscription, with_secret=True)


@router.put("/{webhook_id}", response_model=WebhookEnvelope)
def update_webhook(
    webhook_id: str,
    body: WebhookUpdate,
    principal: Writer,
    session: DbSession,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Partial update. Re-enabling (`isActive: true`) clears the disabled reason and the
    consecutive failure count."""
    subscription = service.update_webhook(
        session, settings, principal.organization_id, webhook_id, body
    )
    return _one(subscription)


@router.delete("/{webhook_id}", status_code=204)
def delete_webhook(webhook_id: str, principal: Writer, session: DbSession) -> Response:
    """Soft-delete; its pending deliveries are failed with `subscription deleted`."""
    service.delete_webhook(session, principal.organization_id, webhook_id)
    return Response(status_code=204)


@router.post("/{webhook_id}/rotate-secret", response_model=WebhookSecretEnvelope)
def rotate_secret(webhook_id: str, principal: Writer, session: DbSession) -> dict[str, Any]:
    """New secret; the old one keeps signing alongside it for 24 hours."""
    subscription = service.rotate_secret(session, principal.organization_id, webhook_id)
    return _one(subscription, with_secret=True)


@router.get("/{webhook_id}/events", response_model=DeliveryPage)
def list_deliveries(
    webhook_id: str,
    principal: Reader,
    session: DbSession,
    params: Annotated[PageParams, Depends(page_params)],
    delivery_status: Annotated[DeliveryStatus | None, Query(alias="status")] = None,
    event_type: Annotated[str | None, Query(alias="eventType")] = None,
) -> dict[str, Any]:
    """This subscription's deliveries, newest first."""
    page = service.list_deliveries(
        session, principal.organization_id, webhook_id, params,
        status=delivery_status, event_type=event_type,
    )
    return list_body("events", [service.delivery_data(d) for d in page.items], page.next_cursor)


@router.get("/{webhook_id}/events/{delivery_id}", response_model=DeliveryDetailEnvelope)
def get_delivery(
    webhook_id: str, delivery_id: str, principal: Reader, session: DbSession
) -> dict[str, Any]:
    """One delivery with every attempt (status code, duration, truncated response, error)."""
    delivery = service.get_delivery(session, principal.organization_id, webhook_id, delivery_id)
    return {"success": True, "delivery": service.delivery_detail(session, delivery)}


@router.post("/{webhook_id}/events/{delivery_id}/redeliver", status_code=202,
             response_model=DeliveryEnvelope)
def redeliver(
    webhook_id: str, delivery_id: str, principal: Writer, session: DbSession
) -> dict[str, Any]:
    """Queue a fresh delivery of the same event (same event id, so receivers de-duplicate)."""
    delivery = service.redeliver(session, principal.organization_id, webhook_id, delivery_id)
    return {"success": True, "delivery": service.delivery_data(delivery)}


@router.post("/{webhook_id}/enable", response_model=WebhookEnabled)
def enable_webhook(
    webhook_id: str, principal: Writer, session: DbSession, body: EnableIn | None = None
) -> dict[str, Any]:
    """Re-enable a subscription (clears `disabledReason` and the failure count); the body
    may be left out. With `recover: true`, the deliveries that failed or were set aside
    since its last success are queued again; `recovered` says how many."""
    recovered = service.enable(session, principal.organization_id, webhook_id,
                               body or EnableIn())
    subscription = service.get_webhook(session, principal.organization_id, webhook_id)
    return {**_one(subscription), "recovered": recovered}


@router.post("/{webhook_id}/recover", status_code=202, response_model=RecoveredOut)
def recover(
    webhook_id: str, body: RecoverIn, principal: Writer, session: DbSession
) -> dict[str, Any]:
    """Re-queue every failed delivery created since `since`; returns how many."""
    count = service.recover(session, principal.organization_id, webhook_id, body.since)
    return {"success": True, "recovered": count}


@router.post("/{webhook_id}/test", response_model=WebhookTestEnvelope)
async def test_webhook(
    webhook_id: str,
    principal: Writer,
    session: DbSession,
    request: Request,
) -> dict[str, Any]:
    """Send a `webhook.test` event to this subscription only, now, and report the result."""
    delivery = await run_in_threadpool(
        service.create_test_delivery, session, principal.organization_id, webhook_id
    )
    delivery_id, event_id = delivery.id, delivery.event_id
    # Committed here rather than when the endpoint returns: the delivery must be durable
    # (and SQLite's write lock released) before the dispatcher sends it.
    await run_in_threadpool(session.commit)
    outcome = await deliver_now(request.app.state, delivery_id)
    result = TestResultOut(
        delivery_id=delivery_id,
        event_id=event_id,
        succeeded=outcome.succeeded,
        status_code=outcome.status_code,
        error=outcome.error,
        duration_ms=outcome.duration_ms,
    )
    return {"success": True, "test": result.to_json()}
