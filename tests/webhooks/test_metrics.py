"""GET /metrics: Prometheus text with outcomes, latency and the queue read from the database."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from tests.webhooks.receivers import Reply, add_subscription, create_job, drain, receiver


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
    assert after[("recruitiq_webhook_oldest_due_age_seconds", ())] == 0  # the retry is not due yet
