"""GET /metrics: Prometheus text with outcomes, latency and the queue read from the database."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from recruitiq.kit.clock import utcnow
from recruitiq.models import WebhookDelivery
from tests.webhooks.receivers import (
    Reply,
    add_subscription,
    create_job,
    deliveries,
    drain,
    receiver,
)

FAILED = ("recruitiq_webhook_attempts_total", (("outcome", "failed"),))
OLDEST_DUE_AGE = ("recruitiq_webhook_oldest_due_age_seconds", ())


def _samples(client):
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def test_metrics_expose_outcomes_latency_and_queue(client, tenant, app):
    before = _samples(client)
    delivered = ("recruitiq_webhook_attempts_total", (("outcome", "delivered"),))
    retried = ("recruitiq_webhook_attempts_total", (("outcome", "retry"),))
    latency = ("recruitiq_webhook_attempt_duration_seconds_count", ())
    with receiver() as r:
        add_subscription(app, tenant.organization_id, r.url())
        create_job(tenant, "One")
        assert _samples(client)[("recruitiq_webhook_queue_depth", (("status", "pending"),))] == 1
        drain(app)
        r.replies = [Reply(500)]
        create_job(tenant, "Two")
        drain(app)
    after = _samples(client)
    assert after[delivered] - before.get(delivered, 0) == 1
    assert after[retried] - before.get(retried, 0) == 1
    assert after[latency] - before.get(latency, 0) == 2
    assert after[("recruitiq_webhook_queue_depth", (("status", "pending"),))] == 1
    assert after[OLDEST_DUE_AGE] == 0  # the retry is not due yet


def test_final_failures_count_as_failed_outcomes(client, tenant, app):
    """Both ways a delivery ends failed: retries exhausted, and 410 Gone."""
    before = _samples(client)
    with receiver() as exhausted, receiver() as gone:
        exhausted.default = Reply(500)
        gone.default = Reply(410)
        add_subscription(app, tenant.organization_id, exhausted.url(), max_retries=0)
        add_subscription(app, tenant.organization_id, gone.url())
        create_job(tenant)
        drain(app)
    # The 410 disabled its subscription, whose webhook.endpoint_disabled notice then went to
    # the other one (subscribed to "*") and failed there too: three final failures.
    assert sorted((d.event_type, d.status) for d in deliveries(app, tenant.organization_id)) == [
        ("job.created", "failed"), ("job.created", "failed"),
        ("webhook.endpoint_disabled", "failed")]
    assert _samples(client).get(FAILED, 0) - before.get(FAILED, 0) == 3


def test_oldest_due_age_reports_how_long_a_delivery_has_waited(client, tenant, app):
    add_subscription(app, tenant.organization_id, "http://127.0.0.1:9/never-attempted")
    create_job(tenant)
    with app.state.session_factory() as session:
        session.execute(update(WebhookDelivery)
                        .values(next_attempt_at=utcnow() - timedelta(seconds=600)))
        session.commit()
    assert 600 <= _samples(client)[OLDEST_DUE_AGE] < 660


def test_paced_deliveries_are_shown_in_the_queue(client, tenant, app):
    """A subscription whose next free second is a minute away (a booked backlog): a claim
    holds its three new deliveries back, and queue_depth{status="paced"} counts them."""
    from recruitiq.models import WebhookRateCursor
    from recruitiq.webhooks.store import DeliveryStore

    paced = ("recruitiq_webhook_queue_depth", (("status", "paced"),))
    sub_id = add_subscription(app, tenant.organization_id, "http://127.0.0.1:9/hook",
                              rate_limit_per_second=1)
    with app.state.session_factory() as session:
        session.add(WebhookRateCursor(subscription_id=sub_id,
                                      slot_second=int(utcnow().timestamp()) + 60, slot_used=0))
        session.commit()
    for i in range(3):
        create_job(tenant, f"Job {i}")
    store = DeliveryStore(app.state.session_factory, "metrics-test", 60)
    assert store.claim(10, {}, 10) == [] and store.paced_last == 3
    assert _samples(client)[paced] == 3
    rows = deliveries(app, tenant.organization_id)
    assert {d.status for d in rows} == {"pending"} and {d.attempts for d in rows} == {0}
    assert sorted(d.next_attempt_at for d in rows) == sorted(d.paced_until for d in rows)
