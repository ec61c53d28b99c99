from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

import pytest

from recruitiq.config import Settings
from recruitiq.kit.clock import utcnow
from recruitiq.messaging.tasks import MAX_ATTEMPTS, send_due_messages
from tests.messaging.people import add_candidate
from tests.messaging.smtp_server import PASSWORD, USER, running_server
from tests.support import assert_error, event_types, field_errors

EMAIL = {"subject": "Your interview on Tuesday", "text": "Hi Ada,\nsee you at 10:00.\n"}


@pytest.fixture
def smtp_server():
    with running_server() as server:
        yield server


@pytest.fixture
def settings(database_url, tmp_path, smtp_server) -> Settings:
    return Settings(
        database_url=database_url, data_dir=tmp_path / "data",
        smtp_url=smtp_server.url(), mail_from="Acme Talent <talent@acme.example>",
    )


def run_worker(client, settings: Settings, now: datetime | None = None) -> int:
    return asyncio.run(send_due_messages(settings, client.app.state.session_factory, now))


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def body_text(part) -> str:
    return part.get_content().replace("\r\n", "\n")  # CRLF is SMTP's line ending


def test_email_is_queued_then_sent_with_headers_and_html(client, tenant, settings, smtp_server):
    candidate = add_candidate(tenant, "Ada", "Lovelace")
    html = "<p>Hi Ada, see you at <b>10:00</b>.</p>"
    created = tenant.post(f"/api/v1/candidates/{candidate['id']}/emails", {**EMAIL, "html": html})
    assert created.status_code == 202, created.text
    message = created.json()["message"]
    assert message["status"] == "queued" and message["attempts"] == 0
    assert message["to"] == candidate["email"] and message["delivery"] is None
    assert message["senderType"] == "user" and message["senderId"] == tenant.user_id

    assert run_worker(client, settings) == 1
    [received] = smtp_server.handler.received
    mail = received.message
    assert mail["From"] == "Acme Talent <talent@acme.example>"
    assert received.mail_from == "talent@acme.example"
    assert mail["To"] == candidate["email"] and received.rcpt_tos == [candidate["email"]]
    assert mail["Subject"] == EMAIL["subject"]
    assert mail["Message-ID"] == f"<{message['id']}@acme.example>"
    assert body_text(mail.get_body(("plain",))) == EMAIL["text"]
    assert mail.get_body(("html",)).get_content().strip() == html

    sent = tenant.get(f"/api/v1/messages/{message['id']}").json()["message"]
    assert sent["status"] == "sent" and sent["attempts"] == 1 and sent["sentAt"]
    assert sent["providerMessageId"] == mail["Message-ID"] and sent["lastError"] is None
    assert run_worker(client, settings) == 0  # nothing is sent twice
    assert len(smtp_server.handler.received) == 1
    assert "message.sent" not in event_types(client, tenant)


def test_plain_text_only_message_has_no_html_part(client, tenant, settings, smtp_server):
    candidate = add_candidate(tenant)
    tenant.post(f"/api/v1/candidates/{candidate['id']}/emails", EMAIL)
    run_worker(client, settings)
    [received] = smtp_server.handler.received
    assert not received.message.is_multipart()
    assert body_text(received.message) == EMAIL["text"]


def test_rejecting_server_is_retried_with_backoff_then_failed(client, tenant, settings, smtp_server):
    smtp_server.handler.reject_with = "554 5.7.1 Message rejected by policy"
    candidate = add_candidate(tenant)
    message_id = tenant.post(f"/api/v1/candidates/{candidate['id']}/emails", EMAIL).json()["message"]["id"]

    now = utcnow()
    delays = [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30)]
    for attempt, delay in enumerate(delays, start=1):
        assert run_worker(client, settings, now) == 1
        state = tenant.get(f"/api/v1/messages/{message_id}").json()["message"]
        assert state["status"] == "queued" and state["attempts"] == attempt
        assert "554" in state["lastError"] and "rejected by policy" in state["lastError"]
        assert parse_time(state["nextAttemptAt"]) == now + delay
        assert run_worker(client, settings, now + delay - timedelta(seconds=1)) == 0  # not due yet
        now = now + delay

    assert run_worker(client, settings, now) == 1
    failed = tenant.get(f"/api/v1/messages/{message_id}").json()["message"]
    assert failed["status"] == "failed" and failed["attempts"] == MAX_ATTEMPTS == 4
    assert failed["nextAttemptAt"] is None and "554" in failed["lastError"]
    assert smtp_server.handler.rejected == 4 and smtp_server.handler.received == []
    assert run_worker(client, settings, now + timedelta(days=1)) == 0
    listed = tenant.get("/api/v1/messages", params={"status": "failed"}).json()["messages"]
    assert [m["id"] for m in listed] == [message_id]


def test_a_later_attempt_succeeds_after_a_rejection(client, tenant, settings, smtp_server):
    smtp_server.handler.reject_with = "451 4.3.0 Try again later"
    candidate = add_candidate(tenant)
    message_id = tenant.post(f"/api/v1/candidates/{candidate['id']}/emails", EMAIL).json()["message"]["id"]
    now = utcnow()
    run_worker(client, settings, now)
    smtp_server.handler.reject_with = None
    run_worker(client, settings, now + timedelta(minutes=1))
    state = tenant.get(f"/api/v1/messages/{message_id}").json()["message"]
    assert state["status"] == "sent" and state["attempts"] == 2 and state["lastError"] is None
    assert len(smtp_server.handler.received) == 1


def test_unreachable_server_keeps_the_message_queued_with_the_error(client, tenant, settings):
    candidate = add_candidate(tenant)
    message_id = tenant.post(f"/api/v1/candidates/{candidate['id']}/emails", EMAIL).json()["message"]["id"]
    with running_server() as doomed:
        port = doomed.port
    dead = settings.model_copy(update={"smtp_url": f"smtp://127.0.0.1:{port}?timeout=5"})
    run_worker(client, dead)
    state = tenant.get(f"/api/v1/messages/{message_id}").json()["message"]
    assert state["status"] == "queued" and state["attempts"] == 1
    assert "refused" in state["lastError"].lower()


# aiosmtpd cannot tell that an implicit-TLS listener is encrypted, and warns.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("tls", ["starttls", "implicit"])
def test_tls_with_auth_delivers_and_never_reveals_the_password(client, tenant, settings, tmp_path, caplog, tls):
    candidate = add_candidate(tenant)
    with running_server(tls=tls, cert_dir=tmp_path) as server:
        scheme = "smtp+starttls" if tls == "starttls" else "smtps"
        ca = f"?ca_file={tmp_path / 'cert.pem'}"
        good = settings.model_copy(update={"smtp_url": server.url(scheme, f"{USER}:{PASSWORD}@", ca)})
        first = tenant.post(f"/api/v1/candidates/{candidate['id']}/emails", EMAIL).json()["message"]
        assert run_worker(client, good) == 1
        assert len(server.handler.received) == 1
        assert tenant.get(f"/api/v1/messages/{first['id']}").json()["message"]["status"] == "sent"

        # A wrong password fails the attempt; the stored error, the API and the logs say
        # why without repeating the password that was configured.
        wrong = "Wr0ng-" + PASSWORD
        bad = settings.model_copy(update={"smtp_url": server.url(scheme, f"{USER}:{wrong}@", ca)})
        second = tenant.post(f"/api/v1/candidates/{candidate['id']}/emails", EMAIL).json()["message"]
        with caplog.at_level(logging.DEBUG):
            assert run_worker(client, bad) == 1
        state = tenant.get(f"/api/v1/messages/{second['id']}")
        assert state.json()["message"]["status"] == "queued"
        assert "535" in state.json()["message"]["lastError"]
        listing = tenant.get("/api/v1/messages").text
        for secret in (PASSWORD, wrong):
            assert secret not in state.text and secret not in listing and secret not in caplog.text
        assert len(server.handler.received) == 1


def test_starttls_refuses_an_untrusted_certificate(client, tenant, settings, tmp_path):
    candidate = add_candidate(tenant)
    with running_server(tls="starttls", cert_dir=tmp_path) as server:
        untrusted = settings.model_copy(
            update={"smtp_url": server.url("smtp+starttls", f"{USER}:{PASSWORD}@")})
        message_id = tenant.post(f"/api/v1/candidates/{candidate['id']}/emails", EMAIL).json()["message"]["id"]
        run_worker(client, untrusted)
        state = tenant.get(f"/api/v1/messages/{message_id}").json()["message"]
        assert state["status"] == "queued" and "certificate" in state["lastError"].lower()
        assert server.handler.received == []


def test_validation_errors_are_422_and_write_nothing(client, tenant, settings):
    candidate = add_candidate(tenant)
    other = add_candidate(tenant, "Grace", "Hopper")
    path = f"/api/v1/candidates/{candidate['id']}/emails"
    assert "subject" in field_errors(tenant.post(path, {**EMAIL, "subject": "Hi\r\nBcc: all@example.com"}))
    assert {"subject", "text"} <= field_errors(tenant.post(path, {"subject": ""}))
    assert "cc" in field_errors(tenant.post(path, {**EMAIL, "cc": "x@example.com"}))
    assert field_errors(tenant.post(path, {**EMAIL, "applicationId": "app_missing"})) == {"applicationId"}
    job = tenant.post("/api/v1/jobs", {"title": "Engineer"}).json()["job"]
    tenant.post(f"/api/v1/jobs/{job['id']}/publish")
    application = tenant.post("/api/v1/applications", {"jobId": job["id"], "candidateId": other["id"]})
    assert application.status_code == 201, application.text
    not_theirs = tenant.post(path, {**EMAIL, "applicationId": application.json()["application"]["id"]})
    assert field_errors(not_theirs) == {"applicationId"}
    assert tenant.get("/api/v1/messages").json()["count"] == 0


def test_application_link_is_kept(client, tenant, settings):
    candidate = add_candidate(tenant)
    job = tenant.post("/api/v1/jobs", {"title": "Engineer"}).json()["job"]
    tenant.post(f"/api/v1/jobs/{job['id']}/publish")
    app_id = tenant.post("/api/v1/applications", {"jobId": job["id"], "candidateId": candidate["id"]}).json()["application"]["id"]
    created = tenant.post(f"/api/v1/candidates/{candidate['id']}/emails", {**EMAIL, "applicationId": app_id})
    assert created.status_code == 202 and created.json()["message"]["applicationId"] == app_id


def test_auth_scopes_and_tenancy(client, tenant, other_tenant, settings):
    candidate = add_candidate(tenant)
    path = f"/api/v1/candidates/{candidate['id']}/emails"
    assert_error(client.post(path, json=EMAIL), 401)
    assert_error(client.get("/api/v1/messages"), 401)
    assert_error(tenant.post(path, EMAIL, headers=tenant.key_headers("messages:read", "candidates:write")), 403, "missing_scope")
    assert_error(tenant.get("/api/v1/messages", headers=tenant.key_headers("candidates:read")), 403, "missing_scope")

    by_key = tenant.post(path, EMAIL, headers=tenant.key_headers("messages:write"))
    assert by_key.status_code == 202
    message = by_key.json()["message"]
    assert message["senderType"] == "api_key"
    reader = tenant.key_headers("messages:read")
    assert tenant.get(f"/api/v1/messages/{message['id']}", headers=reader).status_code == 200

    assert_error(other_tenant.post(path, EMAIL), 404)
    assert_error(other_tenant.get(f"/api/v1/messages/{message['id']}"), 404)
    assert other_tenant.get("/api/v1/messages").json()["count"] == 0
    assert other_tenant.get("/api/v1/messages", params={"candidateId": candidate["id"]}).json()["count"] == 0


def test_deleted_candidate_cannot_be_mailed(client, tenant, settings):
    candidate = add_candidate(tenant)
    assert tenant.delete(f"/api/v1/candidates/{candidate['id']}").status_code == 204
    assert_error(tenant.post(f"/api/v1/candidates/{candidate['id']}/emails", EMAIL), 404)


def test_list_filters_and_pagination(client, tenant, settings, smtp_server):
    ada = add_candidate(tenant, "Ada", "Lovelace")
    grace = add_candidate(tenant, "Grace", "Hopper")
    ids = [tenant.post(f"/api/v1/candidates/{c['id']}/emails", EMAIL).json()["message"]["id"]
           for c in (ada, grace, ada, ada, grace)]
    seen, cursor = [], None
    while True:
        page = tenant.get("/api/v1/messages", params={"limit": 2} | ({"cursor": cursor} if cursor else {})).json()
        seen += [m["id"] for m in page["messages"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert seen == list(reversed(ids))
    for_ada = tenant.get("/api/v1/messages", params={"candidateId": ada["id"]}).json()["messages"]
    assert [m["id"] for m in for_ada] == [ids[3], ids[2], ids[0]]
    run_worker(client, settings)
    assert tenant.get("/api/v1/messages", params={"status": "sent"}).json()["count"] == 5
    assert tenant.get("/api/v1/messages", params={"status": "queued"}).json()["count"] == 0
    assert "status" in field_errors(tenant.get("/api/v1/messages", params={"status": "bounced"}))


def test_running_sender_is_woken_by_a_committed_message(client, tenant, settings, smtp_server):
    """With an hour-long poll, only the after-commit wake-up can deliver this message."""
    import threading

    from recruitiq.kit.background import WorkerContext
    from recruitiq.messaging.tasks import run_sender

    loop = asyncio.new_event_loop()
    ctx = WorkerContext(settings, client.app.state.engine, client.app.state.session_factory)
    ctx.stopping = asyncio.Event()
    sender = threading.Thread(target=loop.run_until_complete, args=(run_sender(ctx, poll_seconds=3600),))
    sender.start()
    try:
        candidate = add_candidate(tenant)

        def send_and_wait() -> dict:
            message_id = tenant.post(f"/api/v1/candidates/{candidate['id']}/emails", EMAIL).json()["message"]["id"]
            for _ in range(300):
                state = tenant.get(f"/api/v1/messages/{message_id}").json()["message"]
                if state["status"] != "queued":
                    return state
                threading.Event().wait(0.05)
            return state

        # The first may be found by the sender's opening pass; the second arrives while
        # it waits out its poll.
        assert send_and_wait()["status"] == "sent"
        assert send_and_wait()["status"] == "sent"
        assert len(smtp_server.handler.received) == 2
    finally:
        loop.call_soon_threadsafe(ctx.stopping.set)
        sender.join(timeout=30)
        loop.close()
    assert not sender.is_alive()


def test_a_pass_that_could_outlive_its_lease_hands_messages_back(client, tenant, settings, smtp_server):
    """A send may take up to 4 × timeout; with a 400 s timeout that exceeds the 10-minute
    lease, so the pass sends nothing and releases its claim for the next pass."""
    candidate = add_candidate(tenant)
    message_id = tenant.post(f"/api/v1/candidates/{candidate['id']}/emails", EMAIL).json()["message"]["id"]
    slow = settings.model_copy(update={"smtp_url": smtp_server.url(query="?timeout=400")})
    assert run_worker(client, slow) == 1
    state = tenant.get(f"/api/v1/messages/{message_id}").json()["message"]
    assert state["status"] == "queued" and state["attempts"] == 0
    assert smtp_server.handler.received == []
    assert run_worker(client, settings) == 1  # released, not leased: due again at once
    assert tenant.get(f"/api/v1/messages/{message_id}").json()["message"]["status"] == "sent"


def test_a_claim_left_by_a_dead_worker_expires(client, tenant, settings, smtp_server):
    from recruitiq.db import unit_of_work
    from recruitiq.messaging.tasks import LEASE, _claim_due

    candidate = add_candidate(tenant)
    message_id = tenant.post(f"/api/v1/candidates/{candidate['id']}/emails", EMAIL).json()["message"]["id"]
    now = utcnow()
    with unit_of_work(client.app.state.session_factory) as session:  # a worker claims, then dies
        assert [m.message_id for m in _claim_due(session, now, now + LEASE, "x@example.com")] == [message_id]
    assert run_worker(client, settings, now + LEASE - timedelta(seconds=1)) == 0  # still held
    assert run_worker(client, settings, now + LEASE + timedelta(seconds=1)) == 1
    assert tenant.get(f"/api/v1/messages/{message_id}").json()["message"]["status"] == "sent"
    assert len(smtp_server.handler.received) == 1
