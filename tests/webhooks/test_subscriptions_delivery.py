"""Test sends, redelivery and recovery against a real loopback receiver."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import standardwebhooks

from tests.support import assert_error
from tests.webhooks.receivers import drain, make_due
from tests.webhooks.receivers import receiver as loopback
from tests.webhooks.test_subscriptions import JOB, create_hook, deliveries

PERSON = {"firstName": "Zoë", "lastName": "Núñez", "email": "zoe.nunez@example.com",
          "phone": "+41 44 555 01 23"}


@dataclass
class Receiver:
    url: str
    status: int = 200
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(state.status)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok" if state.status < 300 else b"receiver is down")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def test_send_test_event_delivers_now_to_this_subscription_only(client, tenant, receiver):
    hook = create_hook(tenant, url=receiver.url, events=["*"])
    bystander = create_hook(tenant, url=receiver.url, events=["*"])
    response = tenant.post(f"/api/v1/webhooks/{hook['id']}/test")
    assert response.status_code == 200, response.text
    result = response.json()["test"]
    assert result["succeeded"] is True and result["statusCode"] == 200
    assert result["error"] is None and result["durationMs"] >= 0

    [(headers, body)] = receiver.received
    envelope = json.loads(body)
    assert envelope["type"] == "webhook.test" and envelope["id"] == result["eventId"]
    assert envelope["data"]["webhookId"] == hook["id"]
    standardwebhooks.Webhook(hook["secret"]).verify(body, headers)  # raises if forged

    rows = deliveries(client)
    assert [(r.subscription_id, r.status) for r in rows] == [(hook["id"], "delivered")]
    assert bystander["id"] not in {r.subscription_id for r in rows}
    listed = tenant.get(f"/api/v1/webhooks/{hook['id']}/events").json()["events"]
    assert [d["id"] for d in listed] == [result["deliveryId"]]
    assert listed[0]["eventType"] == "webhook.test" and listed[0]["lastStatusCode"] == 200
    health = tenant.get(f"/api/v1/webhooks/{hook['id']}").json()["webhook"]
    assert health["totalDeliveries"] == health["successfulDeliveries"] == 1
    assert health["lastSuccessAt"] is not None


def test_failed_test_reports_the_receiver_answer(client, tenant, receiver):
    receiver.status = 500
    hook = create_hook(tenant, url=receiver.url, maxRetries=0)
    result = tenant.post(f"/api/v1/webhooks/{hook['id']}/test").json()["test"]
    assert result["succeeded"] is False and result["statusCode"] == 500
    detail = tenant.get(f"/api/v1/webhooks/{hook['id']}/events/{result['deliveryId']}")
    assert detail.status_code == 200, detail.text
    delivery = detail.json()["delivery"]
    assert delivery["status"] == "failed" and delivery["attempts"] == 1
    [attempt] = delivery["attemptsLog"]
    assert attempt["statusCode"] == 500 and attempt["responseBody"] == "receiver is down"
    assert attempt["attemptNumber"] == 1 and attempt["durationMs"] is not None


def test_disabled_webhook_cannot_be_tested_redelivered_or_recovered(client, tenant, receiver):
    hook = create_hook(tenant, url=receiver.url)
    tenant.post("/api/v1/jobs", JOB)
    [delivery] = deliveries(client)
    tenant.put(f"/api/v1/webhooks/{hook['id']}", {"isActive": False})
    hid = hook["id"]
    for response in (
        tenant.post(f"/api/v1/webhooks/{hid}/test"),
        tenant.post(f"/api/v1/webhooks/{hid}/events/{delivery.id}/redeliver"),
        tenant.post(f"/api/v1/webhooks/{hid}/recover", {"since": "2026-01-01T00:00:00Z"}),
    ):
        assert_error(response, 409, "webhook_disabled")
    assert len(deliveries(client)) == 1 and receiver.received == []


def test_redeliver_queues_a_fresh_delivery_of_the_same_event(client, tenant, receiver):
    receiver.status = 500
    hook = create_hook(tenant, url=receiver.url, maxRetries=0, includePii=False)
    failed = tenant.post(f"/api/v1/webhooks/{hook['id']}/test").json()["test"]
    response = tenant.post(f"/api/v1/webhooks/{hook['id']}/events/{failed['deliveryId']}/redeliver")
    assert response.status_code == 202, response.text
    fresh = response.json()["delivery"]
    assert fresh["id"] != failed["deliveryId"] and fresh["eventId"] == failed["eventId"]
    assert fresh["status"] == "pending" and fresh["attempts"] == 0
    original = tenant.get(f"/api/v1/webhooks/{hook['id']}/events/{failed['deliveryId']}").json()
    assert original["delivery"]["status"] == "failed"  # its history is untouched
    assert len(original["delivery"]["attemptsLog"]) == 1
    listed = tenant.get(f"/api/v1/webhooks/{hook['id']}/events", params={"status": "pending"})
    assert [d["id"] for d in listed.json()["events"]] == [fresh["id"]]
    assert_error(tenant.post(f"/api/v1/webhooks/{hook['id']}/events/dlv_nope/redeliver"), 404)

    receiver.status = 200
    drain(client.app)
    first, again = receiver.received
    assert again[0]["webhook-id"] == first[0]["webhook-id"] == failed["eventId"]
    assert json.loads(again[1])["id"] == failed["eventId"]
    sent = tenant.get(f"/api/v1/webhooks/{hook['id']}/events/{fresh['id']}").json()["delivery"]
    assert sent["status"] == "delivered" and sent["deliveredAt"] is not None
    assert [a["statusCode"] for a in sent["attemptsLog"]] == [200]


def test_recover_requeues_failed_deliveries_since(client, tenant, receiver):
    receiver.status = 500
    hook = create_hook(tenant, url=receiver.url, maxRetries=0)
    first = tenant.post(f"/api/v1/webhooks/{hook['id']}/test").json()["test"]
    second = tenant.post(f"/api/v1/webhooks/{hook['id']}/test").json()["test"]
    listed = tenant.get(f"/api/v1/webhooks/{hook['id']}/events").json()["events"]
    assert [d["id"] for d in listed] == [second["deliveryId"], first["deliveryId"]]
    since = listed[0]["createdAt"]  # only the newer one

    response = tenant.post(f"/api/v1/webhooks/{hook['id']}/recover", {"since": since})
    assert response.status_code == 202, response.text
    assert response.json()["recovered"] == 1
    statuses = {d["id"]: d["status"] for d in
                tenant.get(f"/api/v1/webhooks/{hook['id']}/events").json()["events"]}
    assert statuses == {second["deliveryId"]: "pending", first["deliveryId"]: "failed"}

    receiver.status = 200
    drain(client.app)
    assert [h["webhook-id"] for h, _ in receiver.received] == [
        first["eventId"], second["eventId"], second["eventId"]]
    recovered = tenant.get(f"/api/v1/webhooks/{hook['id']}/events/{second['deliveryId']}")
    delivery = recovered.json()["delivery"]
    assert delivery["status"] == "delivered" and delivery["attempts"] == 2
    assert [a["statusCode"] for a in delivery["attemptsLog"]] == [500, 200]
    everything = tenant.post(f"/api/v1/webhooks/{hook['id']}/recover",
                             {"since": "2000-01-01T00:00:00Z"})
    assert everything.json()["recovered"] == 1
    assert {"since"} == {d["field"] for d in assert_error(
        tenant.post(f"/api/v1/webhooks/{hook['id']}/recover", {"since": "2026-01-01T00:00:00"}),
        422)["details"]}


def test_include_pii_turned_off_strips_candidate_data_from_later_events(client, tenant, receiver):
    hook = create_hook(tenant, url=receiver.url, events=["candidate.created"])
    assert tenant.post("/api/v1/candidates", PERSON).status_code == 201
    drain(client.app)
    updated = tenant.put(f"/api/v1/webhooks/{hook['id']}", {"includePii": False})
    assert updated.status_code == 200 and updated.json()["webhook"]["includePii"] is False
    assert tenant.post("/api/v1/candidates", {**PERSON, "email": "later@example.com"}
                       ).status_code == 201
    drain(client.app)
    before, after = (body for _, body in receiver.received)
    assert json.loads(before)["data"]["candidate"]["email"] == PERSON["email"]
    assert "email" not in json.loads(after)["data"]["candidate"]
    assert b"later@example.com" not in after


def test_retry_delay_update_sets_the_retry_schedule(client, tenant, receiver):
    """Retry n waits retryDelaySeconds x 3^(n-1) plus up to 10 % jitter after attempt n
    started; the extra second allows for the attempt itself and recording its outcome."""
    receiver.status = 500
    hook = create_hook(tenant, url=receiver.url, events=["job.created"])
    updated = tenant.put(f"/api/v1/webhooks/{hook['id']}", {"retryDelaySeconds": 30})
    assert updated.json()["webhook"]["retryDelaySeconds"] == 30
    tenant.post("/api/v1/jobs", JOB)
    for attempt, nominal in ((1, 30), (2, 90)):
        drain(client.app)
        [delivery] = deliveries(client)
        assert delivery.status == "pending" and delivery.attempts == attempt
        waited = (delivery.next_attempt_at - delivery.last_attempt_at).total_seconds()
        assert nominal <= waited <= nominal * 1.1 + 1, (attempt, waited)
        make_due(client.app, delivery.id)
    assert len(receiver.received) == 2


def test_url_and_events_update_routes_later_events(client, tenant):
    with loopback() as old, loopback() as new:
        hook = create_hook(tenant, url=old.url(), events=["job.created"])
        job = tenant.post("/api/v1/jobs", JOB).json()["job"]
        drain(client.app)
        changed = tenant.put(f"/api/v1/webhooks/{hook['id']}",
                             {"url": new.url("/moved"), "events": ["job.published"]})
        assert changed.status_code == 200, changed.text
        assert changed.json()["webhook"]["url"] == new.url("/moved")
        assert changed.json()["webhook"]["events"] == ["job.published"]
        tenant.post("/api/v1/jobs", {**JOB, "title": "Not subscribed any more"})
        assert tenant.post(f"/api/v1/jobs/{job['id']}/publish").status_code == 200
        drain(client.app)
    assert [json.loads(r.body)["type"] for r in old.requests] == ["job.created"]
    [moved] = new.requests
    assert moved.path == "/moved" and json.loads(moved.body)["type"] == "job.published"
    assert [d.event_type for d in deliveries(client)] == ["job.created", "job.published"]


def test_delivery_list_filters_and_pages(client, tenant, receiver):
    hook = create_hook(tenant, url=receiver.url, events=["job.created"])
    for i in range(5):
        tenant.post("/api/v1/jobs", {**JOB, "title": f"Job {i}"})
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = tenant.get(f"/api/v1/webhooks/{hook['id']}/events", params=params).json()
        assert page["count"] <= 2
        seen += [d["id"] for d in page["events"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert seen == [d.id for d in reversed(deliveries(client))]
    item = tenant.get(f"/api/v1/webhooks/{hook['id']}/events").json()["events"][0]
    assert set(item) >= {"id", "eventId", "eventType", "status", "attempts", "nextAttemptAt",
                         "lastAttemptAt", "lastStatusCode", "lastError", "createdAt"}
    assert tenant.get(f"/api/v1/webhooks/{hook['id']}/events",
                      params={"status": "delivered"}).json()["count"] == 0
    bad = tenant.get(f"/api/v1/webhooks/{hook['id']}/events", params={"status": "lost"})
    assert "status" in {d["field"] for d in assert_error(bad, 422)["details"]}


@pytest.fixture
def live_client(settings, database_url):
    """An app with the embedded dispatcher running, as `recruitiq serve` runs it, polling
    once an hour: what arrives sooner was woken by its commit."""
    from fastapi.testclient import TestClient

    from recruitiq.app import create_app
    from tests.conftest import clear_tables

    app = create_app(settings.model_copy(update={"webhook_poll_seconds": 3600}),
                     run_worker=True)
    with TestClient(app) as test_client:
        yield test_client
    clear_tables(database_url)


def test_committed_event_wakes_the_dispatcher_and_arrives_signed(live_client, receiver):
    import time

    from tests.support import register_tenant

    tenant = register_tenant(live_client, "Live")
    hook = create_hook(tenant, url=receiver.url, events=["job.created"], includePii=False)
    job = tenant.post("/api/v1/jobs", JOB).json()["job"]
    deadline = time.monotonic() + 30  # a bound on waiting, not a timing assertion
    while not receiver.received and time.monotonic() < deadline:
        time.sleep(0.02)
    [(headers, body)] = receiver.received
    standardwebhooks.Webhook(hook["secret"]).verify(body, headers)
    envelope = json.loads(body)
    assert envelope["type"] == "job.created" and envelope["data"]["job"]["id"] == job["id"]
    [event] = tenant.get("/api/v1/events").json()["events"]
    assert envelope == event and headers["webhook-id"] == event["id"]
