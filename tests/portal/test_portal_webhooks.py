"""Webhook subscriptions in the browser, against a real receiver on 127.0.0.1."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.portal.conftest import Operator
from tests.portal.helpers import open_section, sign_in


class Receiver(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.bodies: list[bytes] = []
        self.answer: tuple[int, bytes] = (204, b"")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hooks"


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self.server.bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
        status, body = self.server.answer
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_create_subscription_see_secret_once_send_test_and_redeliver(
    page: Any, operator: Operator, receiver: Receiver
) -> None:
    sign_in(page, operator)
    open_section(page, "Webhooks")
    create = page.get_by_role("form", name="Create webhook subscription")
    create.get_by_label("Endpoint URL").fill(receiver.url)
    create.get_by_label("Description").fill("Zapier bridge")
    create.get_by_label("job.published").check()
    create.get_by_label("application.stage_changed").check()
    create.get_by_role("button", name="Create subscription").click()

    secret = page.get_by_role("region", name="Signing secret").locator("code").inner_text()
    assert secret.startswith("whsec_")
    (webhook,) = operator.api.get("/api/v1/webhooks").json()["webhooks"]
    assert sorted(webhook["events"]) == ["application.stage_changed", "job.published"]
    full = operator.api.get(f"/api/v1/webhooks/{webhook['id']}").json()["webhook"]
    assert full["secret"] == secret

    row = page.get_by_role("row").filter(has_text=receiver.url)
    expect(row).to_contain_text("active")
    expect(row).to_contain_text("0 consecutive failures")

    row.get_by_role("button", name=f"Send test to {receiver.url}").click()
    expect(page.get_by_role("status")).to_contain_text("Test event delivered: HTTP 204")
    assert len(receiver.bodies) == 1 and b'"webhook.test"' in receiver.bodies[0]
    expect(row).to_contain_text("1/1 delivered")

    row.get_by_role("button", name=f"Deliveries of {receiver.url}").click()
    log = page.get_by_role("region", name=f"Deliveries to {receiver.url}")
    expect(log.locator("tbody tr")).to_have_count(1)
    expect(log).to_contain_text("webhook.test")
    log.get_by_role("button", name="Redeliver webhook.test").click()
    expect(page.get_by_role("status")).to_contain_text("Queued webhook.test for redelivery")
    deliveries = operator.api.get(f"/api/v1/webhooks/{webhook['id']}/events").json()["events"]
    assert {d["eventType"] for d in deliveries} == {"webhook.test"}
    assert any(d["status"] == "pending" for d in deliveries)

    page.reload()
    expect(page.get_by_role("row").filter(has_text=receiver.url)).to_be_visible()
    assert secret not in page.content()


def test_disable_shows_health_and_a_refused_url_shows_the_api_message(
    page: Any, operator: Operator, receiver: Receiver
) -> None:
    sign_in(page, operator)
    open_section(page, "Webhooks")
    create = page.get_by_role("form", name="Create webhook subscription")
    create.get_by_label("Endpoint URL").fill("ftp://files.example.com/drop")
    create.get_by_label("All events (*)").check()
    create.get_by_role("button", name="Create subscription").click()
    expect(page.get_by_role("alert")).to_contain_text("url")
    assert operator.api.get("/api/v1/webhooks").json()["webhooks"] == []

    create.get_by_label("Endpoint URL").fill(receiver.url)
    create.get_by_role("button", name="Create subscription").click()
    row = page.get_by_role("row").filter(has_text=receiver.url)
    expect(row).to_contain_text("All events")
    row.get_by_role("button", name=f"Disable {receiver.url}").click()
    expect(row).to_contain_text("disabled")
    (webhook,) = operator.api.get("/api/v1/webhooks").json()["webhooks"]
    assert webhook["isActive"] is False


def test_a_gone_receiver_shows_as_disabled_with_reason_and_attempt_detail(
    page: Any, operator: Operator, receiver: Receiver
) -> None:
    created = operator.api.post("/api/v1/webhooks", json={"url": receiver.url, "events": ["*"]})
    assert created.status_code == 201, created.text
    receiver.answer = (410, b"<b>endpoint retired</b>")
    sign_in(page, operator)
    open_section(page, "Webhooks")
    row = page.get_by_role("row").filter(has_text=receiver.url)
    row.get_by_role("button", name=f"Send test to {receiver.url}").click()
    expect(page.get_by_role("status")).to_contain_text("Test event failed: HTTP 410")

    stored = operator.api.get(f"/api/v1/webhooks/{created.json()['webhook']['id']}").json()["webhook"]
    assert stored["isActive"] is False and stored["disabledReason"]
    expect(row).to_contain_text("disabled")
    expect(row).to_contain_text(stored["disabledReason"])
    expect(row).to_contain_text("1 consecutive failures")

    row.get_by_role("button", name=f"Deliveries of {receiver.url}").click()
    page.get_by_role("button", name="Attempts of webhook.test", exact=False).click()
    attempts = page.get_by_role("region", name="Attempts of webhook.test", exact=False)
    expect(attempts.locator("tbody tr")).to_have_count(1)
    expect(attempts).to_contain_text("HTTP 410")
    expect(attempts.locator("pre")).to_have_text("<b>endpoint retired</b>")


def test_rotating_the_secret_shows_the_new_one_once(
    page: Any, operator: Operator, receiver: Receiver
) -> None:
    created = operator.api.post("/api/v1/webhooks", json={"url": receiver.url, "events": ["*"]})
    old_secret = created.json()["webhook"]["secret"]
    sign_in(page, operator)
    open_section(page, "Webhooks")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=f"Rotate secret of {receiver.url}").click()
    shown = page.get_by_role("region", name="Signing secret").locator("code").inner_text()
    stored = operator.api.get(f"/api/v1/webhooks/{created.json()['webhook']['id']}").json()["webhook"]
    assert shown == stored["secret"] != old_secret
    assert stored["previousSecretExpiresAt"]
