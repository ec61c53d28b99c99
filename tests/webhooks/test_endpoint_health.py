"""Warn before disabling (webhooks/health.py): webhook.endpoint_failing, then
webhook.endpoint_disabled, to the organization's other subscriptions only, in the audit log,
in the same transaction as the change; re-enabling recovers what failed."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from recruitiq.models import Event
from recruitiq.webhooks import health
from tests.support import assert_error
from tests.webhooks.receivers import (
    Reply,
    add_subscription,
    create_job,
    deliveries,
    drain,
    receiver,
    set_plan,
    subscription,
)

OPERATOR_EVENTS = ["webhook.endpoint_failing", "webhook.endpoint_disabled"]


def _settings(app, warn=2, disable=4):
    return app.state.settings.model_copy(update={
        "webhook_warn_after_failures": warn, "webhook_disable_after_failures": disable})


def _types(r):
    return [json.loads(req.body)["type"] for req in r.requests]


def _operator_events(app, organization_id):
    with app.state.session_factory() as session:
        return list(session.scalars(
            select(Event).where(Event.organization_id == organization_id,
                                Event.type.in_(OPERATOR_EVENTS))
            .order_by(Event.created_at, Event.id)))


def _audit(tenant, **params):
    response = tenant.get("/api/v1/audit-events", params=params)
    assert response.status_code == 200, response.text
    return list(reversed(response.json()["auditEvents"]))


def _failing_setup(app, tenant, broken, watcher, bystander):
    set_plan(app, tenant.organization_id, "enterprise")
    failing = add_subscription(app, tenant.organization_id, broken.url("/hook?token=s3cr3t"),
                               max_retries=0, description="CRM sync")
    watching = add_subscription(app, tenant.organization_id, watcher.url(),
                                events=OPERATOR_EVENTS)
    add_subscription(app, tenant.organization_id, bystander.url(), events=["job.created"])
    return failing, watching


def test_failing_then_disabled_reaches_the_other_subscriptions_only(client, tenant, app):
    settings = _settings(app)
    with receiver() as broken, receiver() as watcher, receiver() as bystander:
        broken.default = Reply(500, b"down")
        failing, _watching = _failing_setup(app, tenant, broken, watcher, bystander)
        create_job(tenant, "Job 1")
        drain(app, settings)
        assert _types(watcher) == [] and _operator_events(app, tenant.organization_id) == []

        create_job(tenant, "Job 2")  # the second failure in a row: the warning
        drain(app, settings)
        drain(app, settings)  # the notice's own delivery
        assert _types(watcher) == ["webhook.endpoint_failing"]
        sub = subscription(app, failing)
        assert sub.is_active and sub.failing_notified_at is not None
        listed = tenant.get(f"/api/v1/webhooks/{failing}").json()["webhook"]
        assert listed["failingNotifiedAt"] is not None and listed["isActive"]

        create_job(tenant, "Job 3")  # three: still failing, warned once only
        drain(app, settings)
        drain(app, settings)
        assert _types(watcher) == ["webhook.endpoint_failing"]

        create_job(tenant, "Job 4")  # four: disabled
        drain(app, settings)
        drain(app, settings)
        assert _types(watcher) == OPERATOR_EVENTS
        sub = subscription(app, failing)
        assert not sub.is_active and sub.disabled_reason == "4 consecutive failed attempts"

    # Never to the failing endpoint itself (it subscribes to "*"), never to a subscription
    # that did not ask for them.
    assert "webhook.endpoint_failing" not in _types(broken)
    assert "webhook.endpoint_disabled" not in _types(broken)
    assert set(_types(bystander)) == {"job.created"}
    warning, disabled = (json.loads(r.body) for r in watcher.requests)
    assert warning["data"] == {
        "webhookId": failing, "endpoint": broken.url(""), "description": "CRM sync",
        "consecutiveFailures": 2,
        "disableAfter": 4, "lastFailureAt": warning["data"]["lastFailureAt"]}
    assert disabled["data"]["disabledReason"] == "4 consecutive failed attempts"
    assert disabled["data"]["consecutiveFailures"] == 4
    # The endpoint's path and query (its token) are not sent to other receivers.
    assert all(b"s3cr3t" not in r.body and b"/hook" not in r.body for r in watcher.requests)

    rows = _audit(tenant, resourceType="webhook_subscription", resourceId=failing)
    assert [(r["action"], r["actorType"], r["actorId"], r["changedFields"]) for r in rows] == [
        ("webhook.endpoint_failing", "system", "webhook-dispatcher", ["failingNotifiedAt"]),
        ("webhook.endpoint_disabled", "system", "webhook-dispatcher",
         ["disabledAt", "disabledReason", "isActive"]),
    ]


def test_a_success_ends_the_run_and_the_next_run_warns_again(client, tenant, app):
    settings = _settings(app)
    with receiver() as broken, receiver() as watcher, receiver() as bystander:
        failing, _ = _failing_setup(app, tenant, broken, watcher, bystander)
        broken.replies = [Reply(500), Reply(500), Reply(200), Reply(500), Reply(500)]
        for i in range(5):
            create_job(tenant, f"Job {i}")
            drain(app, settings)
            drain(app, settings)
        assert _types(watcher) == ["webhook.endpoint_failing"] * 2
        assert subscription(app, failing).is_active


def test_410_gone_disables_at_once_with_its_notice(client, tenant, app):
    with receiver() as broken, receiver() as watcher, receiver() as bystander:
        broken.default = Reply(410)
        failing, _ = _failing_setup(app, tenant, broken, watcher, bystander)
        create_job(tenant)
        drain(app)
        drain(app)
        assert _types(watcher) == ["webhook.endpoint_disabled"]
        assert json.loads(watcher.requests[0].body)["data"]["disabledReason"] == (
            "endpoint answered 410 Gone")
        assert not subscription(app, failing).is_active


def test_no_notice_without_its_committed_change(client, tenant, app, monkeypatch):
    """The notice, the audit row and the change are one transaction: when it fails, none of
    them is there (and the outcome is written again later, at-least-once)."""
    settings = _settings(app, warn=1, disable=2)

    def broken_audit(*args, **kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(health, "record_system", broken_audit)
    monkeypatch.setattr("recruitiq.webhooks.dispatcher.RECORD_RETRY_PAUSES", ())
    with receiver() as broken, receiver() as watcher, receiver() as bystander:
        broken.default = Reply(500)
        failing, _ = _failing_setup(app, tenant, broken, watcher, bystander)
        create_job(tenant)
        drain(app, settings)
    assert _operator_events(app, tenant.organization_id) == []
    sub = subscription(app, failing)
    assert sub.failing_notified_at is None and sub.consecutive_failures == 0
    assert _audit(tenant, resourceType="webhook_subscription", resourceId=failing) == []


def _disable_by_failures(app, tenant, broken, failures=4):
    settings = _settings(app)
    for i in range(failures):
        create_job(tenant, f"Job {i}")
        drain(app, settings)
    return settings


def test_enable_with_recover_requeues_what_failed_and_it_arrives(client, tenant, app):
    with receiver() as broken, receiver() as watcher, receiver() as bystander:
        broken.default = Reply(500)
        failing, _ = _failing_setup(app, tenant, broken, watcher, bystander)
        settings = _disable_by_failures(app, tenant, broken)
        create_job(tenant, "While disabled")  # not fanned out to a disabled subscription
        assert not subscription(app, failing).is_active
        failed = [d for d in deliveries(app, tenant.organization_id)
                  if d.subscription_id == failing and d.status == "failed"]
        assert len(failed) == 4

        broken.default = Reply(200)
        enabled = tenant.post(f"/api/v1/webhooks/{failing}/enable", {"recover": True})
        assert enabled.status_code == 200, enabled.text
        body = enabled.json()
        assert body["recovered"] == 4
        assert body["webhook"]["isActive"] and body["webhook"]["disabledReason"] is None
        assert body["webhook"]["consecutiveFailures"] == 0
        assert body["webhook"]["failingNotifiedAt"] is None
        drain(app, settings)
    mine = [d for d in deliveries(app, tenant.organization_id) if d.subscription_id == failing]
    assert {d.status for d in mine} == {"delivered"} and len(mine) == 4
    assert "webhook_subscription.enable" in {
        r["action"] for r in _audit(tenant, resourceType="webhook_subscription",
                                    resourceId=failing)}


def test_recovery_skips_what_failed_before_the_last_success(client, tenant, app):
    with receiver() as broken, receiver() as watcher, receiver() as bystander:
        failing, _ = _failing_setup(app, tenant, broken, watcher, bystander)
        broken.replies = [Reply(500), Reply(200)] + [Reply(500)] * 4
        for i in range(6):
            create_job(tenant, f"Job {i}")
            drain(app, _settings(app))
        assert not subscription(app, failing).is_active
        enabled = tenant.post(f"/api/v1/webhooks/{failing}/enable", {"recover": True})
        assert enabled.json()["recovered"] == 4  # not the one that failed before the success


def test_enable_without_recover_and_its_errors(client, tenant, other_tenant, app):
    with receiver() as broken, receiver() as watcher, receiver() as bystander:
        broken.default = Reply(500)
        failing, _ = _failing_setup(app, tenant, broken, watcher, bystander)
        _disable_by_failures(app, tenant, broken)
    path = f"/api/v1/webhooks/{failing}/enable"
    assert_error(tenant.post(path, {"recover": "maybe"}), 422, "validation_error")
    assert_error(tenant.post(path, {"bogus": True}), 422, "validation_error")
    assert_error(tenant.post(path, {}, headers=tenant.key_headers("webhooks:read")), 403,
                 "missing_scope")
    assert_error(other_tenant.post(path, {}), 404, "not_found")
    assert not subscription(app, failing).is_active  # none of those changed anything
    enabled = tenant.post(path)  # no body: enable without recovering
    assert enabled.status_code == 200 and enabled.json()["recovered"] == 0
    assert enabled.json()["webhook"]["isActive"]
    assert {d.status for d in deliveries(app, tenant.organization_id)
            if d.subscription_id == failing} == {"failed"}


@pytest.mark.parametrize(("warn", "disable"), [(10, 10), (11, 10)])
def test_the_warning_must_come_before_disabling(warn, disable):
    from pydantic import ValidationError

    from recruitiq.config import Settings

    with pytest.raises(ValidationError, match="webhook_warn_after_failures"):
        Settings(webhook_warn_after_failures=warn, webhook_disable_after_failures=disable)
    Settings(webhook_warn_after_failures=0, webhook_disable_after_failures=disable)
