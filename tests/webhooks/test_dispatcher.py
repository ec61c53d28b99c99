"""Retries and their schedule, Retry-After, 410, auto-disable, quotas, the embedded wake-up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from recruitiq.app import create_app
from recruitiq.db import unit_of_work
from recruitiq.kit.clock import utcnow
from recruitiq.models import WebhookUsage
from recruitiq.webhooks.quota import period_of, release_held
from tests.support import register_tenant
from tests.webhooks.receivers import (
    Reply,
    add_subscription,
    attempts,
    create_job,
    deliveries,
    drain,
    make_due,
    receiver,
    set_plan,
    subscription,
    wait_for,
)


def _delay_seconds(delivery):
    return (delivery.next_attempt_at - delivery.last_attempt_at).total_seconds()


def test_retries_follow_60_180_540_then_fail(client, tenant, app):
    with receiver() as r:
        r.default = Reply(500, b"boom")
        sub_id = add_subscription(app, tenant.organization_id, r.url())
        create_job(tenant)
        delays = []
        for _ in range(3):
            drain(app)
            [delivery] = deliveries(app, tenant.organization_id)
            assert delivery.status == "pending"
            delays.append(_delay_seconds(delivery))
            make_due(app, delivery.id)
        drain(app)
        [delivery] = deliveries(app, tenant.organization_id)
        assert delivery.status == "failed" and delivery.attempts == 4 and len(r.requests) == 4
        for delay, nominal in zip(delays, (60, 180, 540), strict=True):
            assert nominal <= delay <= nominal * 1.1 + 1, delays
        assert [a.attempt_number for a in attempts(app, delivery.id)] == [1, 2, 3, 4]
        assert {a.status_code for a in attempts(app, delivery.id)} == {500}
        health = subscription(app, sub_id)
        assert (health.total_deliveries, health.failed_deliveries, health.consecutive_failures) == (4, 4, 4)
        assert health.is_active and health.last_failure_at is not None
        # every attempt carried the same event id: receivers can de-duplicate
        assert len({req.headers["webhook-id"] for req in r.requests}) == 1


def test_not_yet_due_retries_are_left_alone(client, tenant, app):
    with receiver() as r:
        r.replies = [Reply(500)]
        add_subscription(app, tenant.organization_id, r.url())
        create_job(tenant)
        drain(app)
        drain(app)
        assert len(r.requests) == 1


def test_retry_after_is_honoured_in_seconds_and_as_a_date(client, tenant, app):
    with receiver() as r:
        add_subscription(app, tenant.organization_id, r.url())
        create_job(tenant)
        r.replies = [Reply(429, headers={"Retry-After": "120"})]
        drain(app)
        [delivery] = deliveries(app, tenant.organization_id)
        assert 119 <= _delay_seconds(delivery) <= 121
        make_due(app, delivery.id)
        when = datetime.now(UTC) + timedelta(seconds=1000)
        r.replies = [Reply(503, headers={"Retry-After": format_datetime(when, usegmt=True)})]
        drain(app)
        [delivery] = deliveries(app, tenant.organization_id)
        assert 990 <= _delay_seconds(delivery) <= 1002
        make_due(app, delivery.id)
        r.replies = [Reply(429, headers={"Retry-After": "999999"})]  # capped at an hour
        drain(app)
        [delivery] = deliveries(app, tenant.organization_id)
        assert 3590 <= _delay_seconds(delivery) <= 3601


def test_410_gone_fails_the_delivery_and_disables_the_subscription(client, tenant, app):
    with receiver() as r:
        r.default = Reply(410)
        sub_id = add_subscription(app, tenant.organization_id, r.url())
        create_job(tenant)
        drain(app)
        [delivery] = deliveries(app, tenant.organization_id)
        assert delivery.status == "failed" and delivery.attempts == 1
        sub = subscription(app, sub_id)
        assert not sub.is_active and "410" in sub.disabled_reason and sub.disabled_at is not None


def test_ten_consecutive_failures_disable_and_a_success_resets(client, tenant, app):
    with receiver() as r:
        sub_id = add_subscription(app, tenant.organization_id, r.url(), max_retries=0)
        r.replies = [Reply(500)] * 9 + [Reply(200)] + [Reply(500)] * 10
        for i in range(10):
            create_job(tenant, f"Job {i}")
            drain(app)
        sub = subscription(app, sub_id)
        assert sub.is_active and sub.consecutive_failures == 0 and sub.successful_deliveries == 1
        for i in range(10):
            create_job(tenant, f"Later {i}")
            drain(app)
        sub = subscription(app, sub_id)
        assert not sub.is_active and sub.consecutive_failures == 10
        assert sub.disabled_reason == "10 consecutive failed attempts"
        assert (sub.total_deliveries, sub.failed_deliveries) == (20, 19)


def _set_usage(app, organization_id, count, period=None):
    with unit_of_work(app.state.session_factory) as session:
        session.add(WebhookUsage(organization_id=organization_id,
                                 period=period or period_of(utcnow()), deliveries=count))


def _release(app):
    with unit_of_work(app.state.session_factory) as session:
        return release_held(session)


def test_over_quota_is_held_then_released_by_a_plan_upgrade(client, tenant, app):
    with receiver() as r:
        add_subscription(app, tenant.organization_id, r.url())
        _set_usage(app, tenant.organization_id, 99)  # free plan: 100 a month
        for i in range(3):
            create_job(tenant, f"Job {i}")
        drain(app)
        statuses = [d.status for d in deliveries(app, tenant.organization_id)]
        assert sorted(statuses) == ["delivered", "held", "held"] and len(r.requests) == 1
        held = [d for d in deliveries(app, tenant.organization_id) if d.status == "held"]
        assert all("quota" in d.last_error for d in held)
        assert _release(app) == 0
        drain(app)
        assert len(r.requests) == 1
        set_plan(app, tenant.organization_id, "pro")
        assert _release(app) == 2
        drain(app)
        assert [d.status for d in deliveries(app, tenant.organization_id)] == ["delivered"] * 3
        assert len(r.requests) == 3


@pytest.mark.parametrize(("plan", "used", "expected"), [
    ("free", 99, ["delivered", "held"]),
    ("pro", 9_999, ["delivered", "held"]),
    ("enterprise", 1_000_000, ["delivered", "delivered"]),
])
def test_each_plans_monthly_quota_ends_where_documented(client, tenant, app, plan, used, expected):
    """One delivery left this month on free (100) and pro (10,000); none ever held on
    enterprise (unlimited), however much was used."""
    with receiver() as r:
        add_subscription(app, tenant.organization_id, r.url())
        set_plan(app, tenant.organization_id, plan)
        _set_usage(app, tenant.organization_id, used)
        for i in range(2):
            create_job(tenant, f"Job {i}")
        drain(app)
        assert sorted(d.status for d in deliveries(app, tenant.organization_id)) == expected
        assert len(r.requests) == expected.count("delivered")


def test_held_deliveries_are_released_in_a_new_month(client, tenant, app):
    with receiver() as r:
        add_subscription(app, tenant.organization_id, r.url())
        _set_usage(app, tenant.organization_id, 100)
        create_job(tenant)
        drain(app)
        assert [d.status for d in deliveries(app, tenant.organization_id)] == ["held"]
        # The month turns: this month's usage becomes last month's.
        with unit_of_work(app.state.session_factory) as session:
            session.execute(update(WebhookUsage).where(
                WebhookUsage.organization_id == tenant.organization_id).values(period="2000-01"))
        assert _release(app) == 1
        drain(app)
        assert [d.status for d in deliveries(app, tenant.organization_id)] == ["delivered"]
        assert len(r.requests) == 1


def test_retries_are_not_charged_twice(client, tenant, app):
    with receiver() as r:
        add_subscription(app, tenant.organization_id, r.url())
        _set_usage(app, tenant.organization_id, 99)
        r.replies = [Reply(500)]
        create_job(tenant)
        drain(app)
        [delivery] = deliveries(app, tenant.organization_id)
        make_due(app, delivery.id)
        drain(app)
        assert deliveries(app, tenant.organization_id)[0].status == "delivered"


def test_embedded_dispatcher_delivers_right_after_commit(settings, database_url):
    """It polls once an hour: only the after-commit wake-up can deliver within the wait."""
    app = create_app(settings.model_copy(update={"webhook_poll_seconds": 3600}),
                     run_worker=True)
    try:
        with TestClient(app) as client, receiver() as r:
            tenant = register_tenant(client, "Embedded")
            add_subscription(app, tenant.organization_id, r.url())
            create_job(tenant)
            wait_for(lambda: r.requests, what="the embedded dispatcher's POST")
            wait_for(lambda: deliveries(app, tenant.organization_id)[0].status == "delivered",
                     what="the recorded outcome")
    finally:
        app.state.engine.dispose()
        from tests.conftest import clear_tables

        clear_tables(database_url)
