"""The subscriptions API through HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import select, update

from recruitiq.models import WebhookDelivery, WebhookSubscription
from recruitiq.webhooks import plans
from tests.support import assert_error, field_errors
from tests.webhooks.receivers import set_plan

HOOK = {"url": "https://hooks.example.com/recruitiq", "events": ["job.created", "job.published"]}
JOB = {"title": "Platform Engineer", "department": "Engineering"}


def create_hook(tenant, **overrides):
    response = tenant.post("/api/v1/webhooks", {**HOOK, **overrides})
    assert response.status_code == 201, response.text
    return response.json()["webhook"]


def deliveries(client, **where):
    factory = client.app.state.session_factory
    with factory() as session:
        stmt = select(WebhookDelivery).order_by(WebhookDelivery.created_at, WebhookDelivery.id)
        for name, value in where.items():
            stmt = stmt.where(getattr(WebhookDelivery, name) == value)
        return list(session.scalars(stmt))


def subscription_count(client) -> int:
    with client.app.state.session_factory() as session:
        return len(list(session.scalars(select(WebhookSubscription))))


def test_create_returns_secret_and_defaults(client, tenant):
    hook = create_hook(tenant, description="ActivePieces webhook")
    assert hook["id"].startswith("whk_")
    assert hook["secret"].startswith("whsec_")
    assert len(base64.b64decode(hook["secret"].removeprefix("whsec_"))) == 32
    assert hook["events"] == HOOK["events"] and hook["url"] == HOOK["url"]
    assert hook["includePii"] is True and hook["isActive"] is True
    assert hook["maxRetries"] == 3 and hook["retryDelaySeconds"] == 60
    assert hook["description"] == "ActivePieces webhook"
    assert hook["totalDeliveries"] == hook["consecutiveFailures"] == 0
    assert hook["lastDeliveryAt"] is None and hook["disabledReason"] is None
    other = create_hook(tenant)
    assert other["secret"] != hook["secret"]


def test_secrets_never_in_lists_but_in_get(client, tenant):
    hook = create_hook(tenant)
    listed = tenant.get("/api/v1/webhooks")
    assert listed.status_code == 200
    body = listed.json()
    assert body["count"] == 1 and body["webhooks"][0]["id"] == hook["id"]
    assert hook["secret"] not in listed.text and "secret" not in body["webhooks"][0]
    fetched = tenant.get(f"/api/v1/webhooks/{hook['id']}").json()["webhook"]
    assert fetched["secret"] == hook["secret"]


def test_bad_input_is_422_and_writes_nothing(client, tenant):
    bad = tenant.post(
        "/api/v1/webhooks",
        {"url": "ftp://example.com/x", "events": [], "maxRetries": 11, "retryDelaySeconds": 5,
         "surprise": True},
    )
    assert {"url", "events", "maxRetries", "retryDelaySeconds", "surprise"} <= field_errors(bad)
    assert "url" in field_errors(tenant.post("/api/v1/webhooks", {**HOOK, "url": "not a url"}))
    assert "url" in field_errors(
        tenant.post("/api/v1/webhooks", {**HOOK, "url": "https://user:pw@example.com/"})
    )
    unknown = tenant.post("/api/v1/webhooks", {**HOOK, "events": ["job.created", "job.exploded"]})
    error = assert_error(unknown, 422, "validation_error")
    assert error["details"][0]["field"] == "events" and "job.exploded" in error["message"]
    assert "job.created," not in error["message"]
    assert field_errors(tenant.post("/api/v1/webhooks", {"events": ["*"]})) == {"url"}
    assert subscription_count(client) == 0


def test_wildcard_and_duplicates(client, tenant):
    hook = create_hook(tenant, events=["*", "*"])
    assert hook["events"] == ["*"]


def test_auth_and_scopes(client, tenant):
    assert_error(client.get("/api/v1/webhooks"), 401)
    assert_error(client.post("/api/v1/webhooks", json=HOOK), 401)
    reader = tenant.key_headers("webhooks:read")
    assert_error(tenant.post("/api/v1/webhooks", HOOK, headers=reader), 403, "missing_scope")
    hook = create_hook(tenant)
    hid = hook["id"]
    assert tenant.get(f"/api/v1/webhooks/{hid}", headers=reader).status_code == 200
    assert tenant.get("/api/v1/webhooks/event-types", headers=reader).status_code == 200
    for response in (
        tenant.put(f"/api/v1/webhooks/{hid}", {"isActive": False}, headers=reader),
        tenant.delete(f"/api/v1/webhooks/{hid}", headers=reader),
        tenant.post(f"/api/v1/webhooks/{hid}/rotate-secret", headers=reader),
        tenant.post(f"/api/v1/webhooks/{hid}/test", headers=reader),
        tenant.post(f"/api/v1/webhooks/{hid}/recover", {"since": "2026-01-01T00:00:00Z"},
                    headers=reader),
    ):
        assert_error(response, 403, "missing_scope")
    jobs_only = tenant.key_headers("jobs:read")
    for path in ("/api/v1/webhooks", f"/api/v1/webhooks/{hid}", "/api/v1/webhooks/event-types",
                 f"/api/v1/webhooks/{hid}/events", "/api/v1/events"):
        assert_error(tenant.get(path, headers=jobs_only), 403, "missing_scope")
    assert tenant.get(f"/api/v1/webhooks/{hid}").json()["webhook"]["isActive"] is True


def test_other_tenant_sees_404(client, tenant, other_tenant):
    hook = create_hook(tenant)
    hid = hook["id"]
    tenant.post("/api/v1/jobs", JOB)
    delivery_id = deliveries(client)[0].id
    for response in (
        other_tenant.get(f"/api/v1/webhooks/{hid}"),
        other_tenant.put(f"/api/v1/webhooks/{hid}", {"description": "mine"}),
        other_tenant.delete(f"/api/v1/webhooks/{hid}"),
        other_tenant.post(f"/api/v1/webhooks/{hid}/rotate-secret"),
        other_tenant.post(f"/api/v1/webhooks/{hid}/test"),
        other_tenant.post(f"/api/v1/webhooks/{hid}/recover", {"since": "2026-01-01T00:00:00Z"}),
        other_tenant.get(f"/api/v1/webhooks/{hid}/events"),
        other_tenant.get(f"/api/v1/webhooks/{hid}/events/{delivery_id}"),
        other_tenant.post(f"/api/v1/webhooks/{hid}/events/{delivery_id}/redeliver"),
    ):
        assert_error(response, 404)
    assert other_tenant.get("/api/v1/webhooks").json()["count"] == 0
    unchanged = tenant.get(f"/api/v1/webhooks/{hid}").json()["webhook"]
    assert unchanged["secret"] == hook["secret"] and unchanged["description"] is None
    # A delivery id of another subscription of the same organization is a 404 too.
    second = create_hook(tenant)
    assert_error(tenant.get(f"/api/v1/webhooks/{second['id']}/events/{delivery_id}"), 404)


def test_partial_update_and_reenable_clears_health(client, tenant):
    hook = create_hook(tenant)
    hid = hook["id"]
    updated = tenant.put(f"/api/v1/webhooks/{hid}", {"description": "Slack", "maxRetries": 5})
    assert updated.status_code == 200, updated.text
    body = updated.json()["webhook"]
    assert body["description"] == "Slack" and body["maxRetries"] == 5
    assert body["events"] == HOOK["events"] and body["url"] == HOOK["url"]
    assert "secret" not in body

    disabled = tenant.put(f"/api/v1/webhooks/{hid}", {"isActive": False}).json()["webhook"]
    assert disabled["isActive"] is False and disabled["disabledReason"]
    # The dispatcher disables a failing receiver the same way, with its own reason.
    with client.app.state.session_factory() as session:
        session.execute(update(WebhookSubscription).values(
            consecutive_failures=10, disabled_reason="10 consecutive failures"))
        session.commit()
    enabled = tenant.put(f"/api/v1/webhooks/{hid}", {"isActive": True}).json()["webhook"]
    assert enabled["isActive"] is True and enabled["disabledReason"] is None
    assert enabled["consecutiveFailures"] == 0 and enabled["disabledAt"] is None

    assert {"events"} == field_errors(tenant.put(f"/api/v1/webhooks/{hid}", {"events": ["nope"]}))
    assert {"url"} == field_errors(tenant.put(f"/api/v1/webhooks/{hid}", {"url": None}))
    assert {"maxRetries"} == field_errors(tenant.put(f"/api/v1/webhooks/{hid}", {"maxRetries": -1}))
    assert tenant.get(f"/api/v1/webhooks/{hid}").json()["webhook"]["events"] == HOOK["events"]


def test_delete_is_soft_and_fails_pending_deliveries(client, tenant):
    hook = create_hook(tenant)
    tenant.post("/api/v1/jobs", JOB)
    assert [d.status for d in deliveries(client)] == ["pending"]
    assert tenant.delete(f"/api/v1/webhooks/{hook['id']}").status_code == 204
    assert_error(tenant.get(f"/api/v1/webhooks/{hook['id']}"), 404)
    assert tenant.get("/api/v1/webhooks").json()["count"] == 0
    with client.app.state.session_factory() as session:
        row = session.get_one(WebhookSubscription, hook["id"])  # kept, only marked deleted
        assert row.deleted_at is not None and row.is_active is False
        assert row.url == HOOK["url"] and row.secret == hook["secret"]
    [delivery] = deliveries(client)
    assert delivery.status == "failed" and delivery.last_error == "subscription deleted"
    assert delivery.next_attempt_at is None
    tenant.post("/api/v1/jobs", JOB)
    assert len(deliveries(client)) == 1  # a deleted subscription gets nothing new
    assert_error(tenant.delete(f"/api/v1/webhooks/{hook['id']}"), 404)


def test_rotate_secret_keeps_previous_for_a_day(client, tenant):
    hook = create_hook(tenant)
    rotated = tenant.post(f"/api/v1/webhooks/{hook['id']}/rotate-secret")
    assert rotated.status_code == 200, rotated.text
    body = rotated.json()["webhook"]
    assert body["secret"].startswith("whsec_") and body["secret"] != hook["secret"]
    assert body["previousSecretExpiresAt"] is not None
    assert hook["secret"] not in rotated.text
    with client.app.state.session_factory() as session:
        row = session.get_one(WebhookSubscription, hook["id"])
        assert row.previous_secret == hook["secret"] and row.secret == body["secret"]
        assert row.previous_secret_expires_at is not None
        hours = (row.previous_secret_expires_at - row.updated_at).total_seconds() / 3600
        assert 23.9 < hours <= 24.0


@pytest.fixture
def tight_plans(monkeypatch):
    """Plans are configuration: a small free plan makes the limits cheap to reach."""
    monkeypatch.setitem(plans.PLANS, "free", plans.Plan("free", 2, 2, 100))


def test_plan_limits(client, tenant, tight_plans):
    too_many = tenant.post("/api/v1/webhooks", {**HOOK, "events": ["job.created", "job.closed",
                                                                   "job.updated"]})
    assert_error(too_many, 422, "too_many_event_types")
    first = create_hook(tenant)
    widened = tenant.put(f"/api/v1/webhooks/{first['id']}",
                         {"events": ["job.created", "job.closed", "job.updated"]})
    assert_error(widened, 422, "too_many_event_types")
    second = create_hook(tenant)
    assert_error(tenant.post("/api/v1/webhooks", HOOK), 409, "webhook_limit_reached")
    assert subscription_count(client) == 2
    # Deleting frees a slot; upgrading the plan raises the limit.
    tenant.delete(f"/api/v1/webhooks/{second['id']}")
    create_hook(tenant)
    set_plan(client.app, tenant.organization_id, "pro")
    create_hook(tenant, events=["job.created", "job.closed", "job.updated"])
    assert tenant.get("/api/v1/webhooks").json()["count"] == 3


def test_production_mode_refuses_unsafe_urls(tmp_path, database_url):
    from fastapi.testclient import TestClient

    from recruitiq.app import create_app
    from recruitiq.config import Settings
    from tests.conftest import clear_tables
    from tests.support import register_tenant

    settings = Settings(database_url=database_url, data_dir=tmp_path, env="production",
                        secret_key="x" * 40, webhook_allowlist="hooks.internal,10.9.0.0/16")
    app = create_app(settings, run_worker=False)
    try:
        with TestClient(app) as client:
            tenant = register_tenant(client, "Prod")
            for url in ("http://hooks.example.com/x", "https://127.0.0.1/x", "https://10.0.0.5/x",
                        "https://169.254.169.254/latest", "https://[::1]/x",
                        "https://100.64.1.1/x", "https://localhost/x"):
                error = assert_error(tenant.post("/api/v1/webhooks", {**HOOK, "url": url}), 422)
                assert error["details"][0]["field"] == "url", url
            hook = tenant.post("/api/v1/webhooks", {**HOOK, "url": "https://93.184.215.14/hook"})
            assert hook.status_code == 201, hook.text
            allowed = tenant.post("/api/v1/webhooks", {**HOOK, "url": "http://hooks.internal/h"})
            assert allowed.status_code == 201, allowed.text
            assert tenant.post("/api/v1/webhooks", {**HOOK, "url": "https://10.9.3.4/h"}).status_code == 201
            hid = hook.json()["webhook"]["id"]
            moved = tenant.put(f"/api/v1/webhooks/{hid}", {"url": "https://192.168.1.1/x"})
            assert field_errors(moved) == {"url"}
    finally:
        app.state.engine.dispose()
        clear_tables(database_url)


def test_the_free_plan_allows_fifty_subscriptions(client, tenant):
    """The real limit, not a patched one (test_plan_limits shows the mechanics)."""
    for _ in range(50):
        create_hook(tenant)
    assert_error(tenant.post("/api/v1/webhooks", HOOK), 409, "webhook_limit_reached")
    assert subscription_count(client) == 50
