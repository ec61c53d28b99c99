"""One delivery end to end: the claimed row, the signed POST, the recorded attempt."""

from __future__ import annotations

import asyncio
import json

from standardwebhooks import Webhook

from recruitiq.models import Event
from recruitiq.webhooks.dispatcher import deliver_now
from tests.webhooks.receivers import (
    SECRET,
    Reply,
    add_subscription,
    attempts,
    create_job,
    deliveries,
    drain,
    receiver,
    subscription,
)


def _event_payload(app, event_id):
    with app.state.session_factory() as session:
        return session.get(Event, event_id).payload.encode()


def test_event_is_posted_with_contract_headers_and_recorded(client, tenant, app):
    with receiver() as r:
        sub_id = add_subscription(app, tenant.organization_id, r.url())
        create_job(tenant)
        drain(app)
        [delivery] = deliveries(app, tenant.organization_id)
        assert delivery.status == "delivered" and delivery.attempts == 1
        assert delivery.last_status_code == 200 and delivery.leased_by is None
        [request] = r.requests
        assert request.body == _event_payload(app, delivery.event_id)
        headers = {k.lower(): v for k, v in request.headers.items()}
        assert headers["content-type"] == "application/json"
        assert headers["user-agent"] == "RecruitIQ-Webhooks/1.0"
        assert headers["x-webhook-event-type"] == "job.created"
        assert headers["x-webhook-event-id"] == headers["webhook-id"] == delivery.event_id
        assert headers["x-webhook-signature"].startswith("sha256=")
        assert headers["webhook-signature"].startswith("v1,")
        [attempt] = attempts(app, delivery.id)
        assert attempt.status_code == 200 and attempt.response_body == '{"ok":true}'
        assert attempt.error is None and attempt.duration_ms is not None
        health = subscription(app, sub_id)
        assert (health.total_deliveries, health.successful_deliveries, health.failed_deliveries) == (1, 1, 0)
        assert health.last_success_at is not None and health.consecutive_failures == 0


def test_only_the_owning_organization_subscriptions_receive(client, tenant, other_tenant, app):
    with receiver() as mine, receiver() as theirs:
        add_subscription(app, tenant.organization_id, mine.url())
        add_subscription(app, other_tenant.organization_id, theirs.url())
        create_job(tenant)
        drain(app)
        assert len(mine.requests) == 1 and theirs.requests == []


def test_without_pii_the_stripped_bytes_are_what_is_signed_and_sent(client, tenant, app):
    """A candidate's name, e-mail, phone and profile reach the subscription that asked for
    personal data, and are absent from what the other one receives, whose signature covers
    exactly the stripped bytes."""
    person = {"firstName": "Zoë", "lastName": "Ñúñez-Øster", "email": "zoe.nunez@example.com",
              "phone": "+41 44 555 01 23", "linkedinUrl": "https://www.linkedin.com/in/zoe-nunez",
              "currentTitle": "Staff Engineer"}
    with receiver() as full, receiver() as stripped:
        add_subscription(app, tenant.organization_id, full.url(), events=["candidate.created"])
        add_subscription(app, tenant.organization_id, stripped.url(),
                         events=["candidate.created"], include_pii=False)
        response = tenant.post("/api/v1/candidates", person)
        assert response.status_code == 201, response.text
        drain(app)
    [with_pii], [without_pii] = full.requests, stripped.requests
    for request in (with_pii, without_pii):
        Webhook(SECRET).verify(request.body, request.headers)
    sent_in_full = json.loads(with_pii.body)["data"]["candidate"]
    assert {k: sent_in_full[k] for k in person} == person
    without = without_pii.body.decode()
    for value in ("Zoë", "Ñúñez", "zoe.nunez@example.com", "+41 44 555 01 23", "linkedin.com"):
        assert value not in without
    candidate = json.loads(without)["data"]["candidate"]
    assert candidate["currentTitle"] == "Staff Engineer"
    assert not {"firstName", "lastName", "email", "phone", "linkedinUrl"} & candidate.keys()
    stripped_delivery = next(d for d in deliveries(app, tenant.organization_id)
                             if d.payload is not None)
    assert without_pii.body == stripped_delivery.payload.encode()


def test_response_body_is_truncated_to_1kb(client, tenant, app):
    with receiver() as r:
        r.default = Reply(200, b"x" * 5000)
        add_subscription(app, tenant.organization_id, r.url())
        create_job(tenant)
        drain(app)
        [delivery] = deliveries(app, tenant.organization_id)
        assert attempts(app, delivery.id)[0].response_body == "x" * 1024


def test_response_body_with_nul_and_invalid_utf8_is_recorded(client, tenant, app):
    with receiver() as r:
        r.default = Reply(500, b"bad\x00byte \xff end")
        add_subscription(app, tenant.organization_id, r.url())
        create_job(tenant)
        drain(app)
        [delivery] = deliveries(app, tenant.organization_id)
        assert delivery.status == "pending" and delivery.last_status_code == 500
        assert attempts(app, delivery.id)[0].response_body == "bad\ufffdbyte \ufffd end"


def test_redirect_is_a_failure_and_not_followed(client, tenant, app):
    with receiver() as r:
        r.replies = [Reply(302, b"", {"Location": r.url("/elsewhere")})]
        add_subscription(app, tenant.organization_id, r.url())
        create_job(tenant)
        drain(app)
        assert [req.path for req in r.requests] == ["/hook"]
        [delivery] = deliveries(app, tenant.organization_id)
        assert delivery.status == "pending" and delivery.last_status_code == 302
        assert "redirect" in attempts(app, delivery.id)[0].error


def test_timeout_is_recorded_as_an_error(client, tenant, app, settings):
    quick = settings.model_copy(update={"webhook_timeout_seconds": 0.3})
    with receiver() as r:
        r.replies = [Reply(200, delay=1.5)]
        add_subscription(app, tenant.organization_id, r.url())
        create_job(tenant)
        drain(app, quick)
        [delivery] = deliveries(app, tenant.organization_id)
        [attempt] = attempts(app, delivery.id)
        assert attempt.status_code is None and "timed out" in attempt.error
        assert delivery.status == "pending" and delivery.attempts == 1


def test_deleted_or_disabled_subscription_is_not_attempted(client, tenant, app):
    from datetime import UTC, datetime

    from sqlalchemy import update

    from recruitiq.models import WebhookSubscription

    with receiver() as r:
        sub_id = add_subscription(app, tenant.organization_id, r.url())
        create_job(tenant)
        with app.state.session_factory() as session:
            session.execute(update(WebhookSubscription).where(WebhookSubscription.id == sub_id)
                            .values(deleted_at=datetime.now(UTC)))
            session.commit()
        drain(app)
        assert r.requests == []
        [delivery] = deliveries(app, tenant.organization_id)
        assert delivery.status == "failed" and delivery.last_error == "subscription deleted"


def test_deliver_now_sends_one_delivery_at_once(client, tenant, app):
    with receiver() as r:
        add_subscription(app, tenant.organization_id, r.url())
        create_job(tenant)
        [delivery] = deliveries(app, tenant.organization_id)
        result = asyncio.run(deliver_now(app.state, delivery.id))
        assert result.ok and result.status_code == 200 and len(r.requests) == 1
        # Already delivered: reports that attempt instead of sending again.
        again = asyncio.run(deliver_now(app.state, delivery.id))
        assert again.status_code == 200 and len(r.requests) == 1


def test_test_endpoint_delivers_through_deliver_now(client, tenant, app):
    with receiver() as r:
        sub_id = add_subscription(app, tenant.organization_id, r.url())
        response = tenant.post(f"/api/v1/webhooks/{sub_id}/test")
        assert response.status_code == 200, response.text
        body = response.json()["test"]
        assert body["succeeded"] is True and body["statusCode"] == 200
        [request] = r.requests
        assert {k.lower(): v for k, v in request.headers.items()}["x-webhook-event-type"] == "webhook.test"
