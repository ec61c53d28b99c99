"""Signatures as receivers check them: standardwebhooks, plain HMAC, and node's JSON round trip."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from sqlalchemy import update
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from recruitiq.kit.clock import utcnow
from recruitiq.models import WebhookSubscription
from recruitiq.webhooks.signing import signed_headers
from tests.webhooks.receivers import (
    SECRET,
    add_subscription,
    brief_receiver_checks,
    create_job,
    drain,
    receiver,
)

OLD_SECRET = "whsec_" + "c2VjcmV0LW9sZC1zZWNyZXQtb2xkLXNlY3JldC0x"


def _lower(headers):
    return {k.lower(): v for k, v in headers.items()}


def test_delivered_request_verifies_with_standardwebhooks_and_hmac(client, tenant, app):
    with receiver() as r:
        add_subscription(app, tenant.organization_id, r.url())
        create_job(tenant, "Entwicklerin Zürich — 日本語 ✓")
        drain(app)
        [request] = r.requests
        headers = _lower(request.headers)
        verified = Webhook(SECRET).verify(request.body, headers)
        assert verified["data"]["job"]["title"] == "Entwicklerin Zürich — 日本語 ✓"
        expected = hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
        assert headers["x-webhook-signature"] == f"sha256={expected}"
        assert "Zürich".encode() in request.body  # UTF-8, not \\u escapes
        with pytest.raises(WebhookVerificationError):
            Webhook(SECRET).verify(request.body.replace(b"Z", b"z", 1), headers)


def test_node_receiver_from_the_brief_verifies_non_ascii_bodies(client, tenant, app):
    with receiver() as r:
        add_subscription(app, tenant.organization_id, r.url())
        create_job(tenant, "Entwicklerin Zürich — 日本語 ✓ 💼")
        drain(app)
    assert brief_receiver_checks(SECRET, r.requests) == [{"verified": True, "sameBytes": True}]
    assert json.loads(r.requests[0].body)["data"]["job"]["title"] == "Entwicklerin Zürich — 日本語 ✓ 💼"


def test_rotation_signs_with_both_secrets_while_the_old_one_is_valid(client, tenant, app):
    with receiver() as r:
        sub_id = add_subscription(app, tenant.organization_id, r.url(), previous_secret=OLD_SECRET,
                                  previous_secret_expires_at=utcnow() + timedelta(hours=24))
        create_job(tenant, "First")
        drain(app)
        headers = _lower(r.requests[0].headers)
        assert len(headers["webhook-signature"].split(" ")) == 2
        Webhook(SECRET).verify(r.requests[0].body, headers)
        Webhook(OLD_SECRET).verify(r.requests[0].body, headers)
        with app.state.session_factory() as session:
            session.execute(update(WebhookSubscription).where(WebhookSubscription.id == sub_id)
                            .values(previous_secret_expires_at=utcnow() - timedelta(seconds=1)))
            session.commit()
        create_job(tenant, "Second")
        drain(app)
        headers = _lower(r.requests[1].headers)
        assert len(headers["webhook-signature"].split(" ")) == 1
        with pytest.raises(WebhookVerificationError):
            Webhook(OLD_SECRET).verify(r.requests[1].body, headers)


def test_signature_binds_the_timestamp_and_the_event_id():
    body = b'{"id":"evt_1","type":"job.created"}'
    headers = signed_headers(body, event_id="evt_1", event_type="job.created", secret=SECRET,
                             timestamp=int(utcnow().timestamp()))
    Webhook(SECRET).verify(body, headers)
    for tampered in ({"webhook-id": "evt_2"},
                     {"webhook-timestamp": str(int(headers["webhook-timestamp"]) + 1)}):
        with pytest.raises(WebhookVerificationError):
            Webhook(SECRET).verify(body, headers | tampered)
    stale = signed_headers(body, event_id="evt_1", event_type="job.created", secret=SECRET,
                           timestamp=int(utcnow().timestamp()) - 3600)
    with pytest.raises(WebhookVerificationError):  # replayed an hour later
        Webhook(SECRET).verify(body, stale)
