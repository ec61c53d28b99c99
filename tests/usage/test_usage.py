"""GET /api/v1/usage: the plan, its limits and this month's usage of the caller's organization."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from recruitiq.app import create_app
from recruitiq.db import unit_of_work
from recruitiq.kit.clock import utcnow
from recruitiq.models import WebhookUsage
from recruitiq.webhooks.quota import period_of
from tests.support import assert_error, register_tenant
from tests.webhooks.receivers import (
    add_subscription,
    create_job,
    deliveries,
    drain,
    receiver,
    set_plan,
)


def _set_usage(app, organization_id: str, count: int, period: str | None = None) -> None:
    with unit_of_work(app.state.session_factory) as session:
        session.add(WebhookUsage(organization_id=organization_id,
                                 period=period or period_of(utcnow()), deliveries=count))


def _usage(tenant, **kwargs):
    response = tenant.get("/api/v1/usage", **kwargs)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is True and set(body) == {"success", "usage"}
    return body["usage"]


def test_usage_counts_this_months_deliveries_held_ones_and_subscriptions(client, tenant, app):
    with receiver() as r:
        add_subscription(app, tenant.organization_id, r.url())
        _set_usage(app, tenant.organization_id, 98)  # free plan: 100 a month
        _set_usage(app, tenant.organization_id, 5000, period="2000-01")  # another month
        for i in range(4):
            create_job(tenant, f"Job {i}")
        drain(app)
    assert sorted(d.status for d in deliveries(app, tenant.organization_id)) == (
        ["delivered"] * 2 + ["held"] * 2)
    now = datetime.now(UTC)
    start = datetime(now.year, now.month, 1, tzinfo=UTC)
    end = datetime(now.year + now.month // 12, now.month % 12 + 1, 1, tzinfo=UTC)
    assert _usage(tenant) == {
        "organizationId": tenant.organization_id,
        "plan": {"name": "free", "maxSubscriptions": 50, "maxEventTypesPerSubscription": 100,
                 "monthlyDeliveryQuota": 100, "priorityDelivery": False},
        "period": {"month": now.strftime("%Y-%m"),
                   "startsAt": start.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                   "endsAt": end.isoformat(timespec="milliseconds").replace("+00:00", "Z")},
        "deliveries": {"used": 100, "quota": 100, "remaining": 0, "held": 2},
        "subscriptions": {"used": 1, "allowed": 50},
        "eventTypesPerSubscription": {"allowed": 100},
        "apiRequestsPerMinute": {"allowed": 600},
    }


def test_enterprise_usage_is_unlimited_and_deleted_subscriptions_do_not_count(
    client, tenant, app
):
    set_plan(app, tenant.organization_id, "enterprise")
    _set_usage(app, tenant.organization_id, 250_000)
    hooks = [tenant.post("/api/v1/webhooks", {"url": "http://127.0.0.1:9/h", "events": ["*"]})
             for _ in range(3)]
    assert all(h.status_code == 201 for h in hooks)
    assert tenant.delete(f"/api/v1/webhooks/{hooks[0].json()['webhook']['id']}").status_code == 204
    usage = _usage(tenant)
    assert usage["plan"] == {"name": "enterprise", "maxSubscriptions": 500,
                             "maxEventTypesPerSubscription": 100, "monthlyDeliveryQuota": None,
                             "priorityDelivery": True}
    assert usage["deliveries"] == {"used": 250_000, "quota": None, "remaining": None, "held": 0}
    assert usage["subscriptions"] == {"used": 2, "allowed": 500}
    assert usage["apiRequestsPerMinute"] == {"allowed": 12_000}


def test_any_key_with_webhooks_read_sees_the_same_usage(client, tenant, app):
    add_subscription(app, tenant.organization_id, "http://127.0.0.1:9/hook")
    as_user = _usage(tenant)
    assert _usage(tenant, headers=tenant.key_headers("webhooks:read")) == as_user
    assert _usage(tenant, headers=tenant.key_headers("webhooks:write")) == as_user


def test_usage_needs_webhooks_read_and_a_token(client, tenant):
    jobs_only = tenant.key_headers("jobs:read", "reports:read")
    error = assert_error(tenant.get("/api/v1/usage", headers=jobs_only), 403, "missing_scope")
    assert error["details"] == [{"field": "scope", "message": "webhooks:read"}]
    assert_error(client.get("/api/v1/usage"), 401, "unauthorized")


def test_another_organizations_usage_never_shows(client, tenant, other_tenant, app):
    set_plan(app, tenant.organization_id, "pro")
    add_subscription(app, tenant.organization_id, "http://127.0.0.1:9/hook")
    _set_usage(app, tenant.organization_id, 1234)
    theirs = _usage(other_tenant)
    assert theirs["organizationId"] == other_tenant.organization_id
    assert theirs["plan"]["name"] == "free"
    assert theirs["deliveries"]["used"] == 0 and theirs["subscriptions"]["used"] == 0
    assert _usage(tenant)["deliveries"]["used"] == 1234


def test_usage_shows_the_api_rate_limit_this_server_enforces(settings):
    app = create_app(settings.model_copy(update={"api_rate_limits": {"free": 1200}}),
                     run_worker=False)
    try:
        with TestClient(app) as client:
            tenant = register_tenant(client, "Limited")
            assert _usage(tenant)["apiRequestsPerMinute"] == {"allowed": 1200}
            assert tenant.get("/api/v1/usage").headers["RateLimit-Policy"] == '"api";q=1200;w=60'
    finally:
        app.state.engine.dispose()
