"""Every event type in the catalog is emitted by its API call and reaches a real receiver,
signed with both schemes (checked by the standardwebhooks library and by the brief's
JavaScript receiver), with data that validates against the JSON Schema the catalog serves.

The API walk is the one that records the OpenAPI examples (it calls every operation), run
here with the embedded dispatcher and a loopback receiver subscribed to ``*``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator
from sqlalchemy import update
from standardwebhooks import Webhook

from recruitiq.apidoc.record import sample_pdf
from recruitiq.apidoc.scenario import record
from recruitiq.app import create_app
from recruitiq.db import unit_of_work
from recruitiq.events.catalog import catalog_document
from recruitiq.kit.clock import utcnow
from recruitiq.models import Offer
from recruitiq.offers.service import expire_due_offers
from tests.conftest import clear_tables
from tests.webhooks.receivers import (
    Reply,
    brief_receiver_checks,
    receiver,
    set_plan,
    wait_for,
)


def _expire_an_offer(client: TestClient, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    active = client.get("/api/v1/applications", params={"status": "active"}, headers=headers)
    application_id = active.json()["applications"][0]["id"]
    offer = client.post(
        "/api/v1/offers",
        headers=headers,
        json={
            "applicationId": application_id,
            "salary": 90000,
            "currency": "EUR",
            "startDate": (utcnow() + timedelta(days=30)).date().isoformat(),
            "expiresAt": (utcnow() + timedelta(days=2)).isoformat(),
        },
    ).json()["offer"]
    assert client.post(f"/api/v1/offers/{offer['id']}/send", headers=headers).status_code == 200
    factory = client.app.state.session_factory  # type: ignore[attr-defined]
    with unit_of_work(factory) as session:
        session.execute(
            update(Offer)
            .where(Offer.id == offer["id"])
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
    with unit_of_work(factory) as session:
        assert expire_due_offers(session, utcnow()) == 1


def _fail_an_endpoint(client: TestClient, token: str, url: str) -> None:
    """Ten failed attempts: webhook.endpoint_failing after five, webhook.endpoint_disabled
    after ten (the defaults)."""
    headers = {"Authorization": f"Bearer {token}"}
    created = client.post("/api/v1/webhooks", headers=headers,
                          json={"url": url, "events": ["job.created"], "maxRetries": 0})
    assert created.status_code == 201, created.text
    for title in (f"Failing {n}" for n in range(10)):
        job = client.post("/api/v1/jobs", headers=headers, json={
            "title": title, "department": "Ops", "location": "Remote",
            "description": "x", "employmentType": "full_time"})
        assert job.status_code == 201, job.text


def test_every_catalog_event_is_delivered_signed_and_documented(settings, database_url):
    catalog_types = {entry["type"] for entry in catalog_document()["eventTypes"]}
    app = create_app(settings, run_worker=True)
    hook: dict[str, str] = {}
    try:
        with receiver() as sink, receiver() as broken, TestClient(app) as client:
            broken.default = Reply(500)

            def subscribe(token: str) -> None:
                created = client.post(
                    "/api/v1/webhooks",
                    json={"url": sink.url("/all"), "events": ["*"]},
                    headers={"Authorization": f"Bearer {token}"},
                )
                assert created.status_code == 201, created.text
                hook.update(created.json()["webhook"], token=token)
                # The walk makes far more deliveries than the free plan's monthly quota.
                set_plan(app, hook["organizationId"], "enterprise")

            record(client, app.openapi(), sample_pdf(), on_signed_up=subscribe)
            _expire_an_offer(client, hook["token"])
            _fail_an_endpoint(client, hook["token"], broken.url("/broken"))
            tested = client.post(
                f"/api/v1/webhooks/{hook['id']}/test",
                headers={"Authorization": f"Bearer {hook['token']}"},
            )
            assert tested.status_code == 200 and tested.json()["test"]["succeeded"], tested.text

            def received_types() -> set[str]:
                return {json.loads(r.body)["type"] for r in list(sink.requests) if r.path == "/all"}

            wait_for(
                lambda: catalog_types <= received_types(),
                timeout=60,
                what=f"all event types; missing {catalog_types - received_types()}",
            )
            served = client.get("/api/v1/webhooks/event-types",
                                headers={"Authorization": f"Bearer {hook['token']}"})
            schemas = {entry["type"]: Draft202012Validator(entry["schema"])
                       for entry in served.json()["eventTypes"]}
            delivered = [r for r in sink.requests if r.path == "/all"]
            for request in delivered:
                headers = {k.lower(): v for k, v in request.headers.items()}
                envelope = Webhook(hook["secret"]).verify(request.body, headers)
                expected = hmac.new(
                    hook["secret"].encode(), request.body, hashlib.sha256
                ).hexdigest()
                assert headers["x-webhook-signature"] == f"sha256={expected}"
                assert headers["x-webhook-event-type"] == envelope["type"]
                assert headers["webhook-id"] == headers["x-webhook-event-id"] == envelope["id"]
                assert set(envelope) == {"id", "type", "timestamp", "organizationId", "data"}
                problems = [e.message for e in schemas[envelope["type"]].iter_errors(envelope["data"])]
                assert problems == [], (envelope["type"], problems)
            # Compact UTF-8, non-ASCII unescaped: JSON.stringify(JSON.parse(body)) gives the
            # same bytes back, so the brief's receiver verifies every one.
            checks = brief_receiver_checks(hook["secret"], delivered)
            assert checks == [{"verified": True, "sameBytes": True}] * len(delivered)
            names = [json.loads(r.body) for r in sink.requests if r.path == "/all"]
            received = next(e for e in names if e["type"] == "application.received")
            assert received["data"]["application"]["candidateName"] == "José García"
            assert received["data"]["job"]["title"] == "Senior Software Engineer"
    finally:
        app.state.engine.dispose()
        clear_tables(database_url)
