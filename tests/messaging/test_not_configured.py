from __future__ import annotations

import asyncio

from recruitiq.messaging.tasks import send_due_messages
from tests.messaging.people import add_candidate

EMAIL = {"subject": "Hello", "text": "Hello there"}


def test_without_smtp_messages_stay_queued_and_the_api_says_why(client, tenant, settings):
    assert settings.smtp_url is None
    candidate = add_candidate(tenant)
    created = tenant.post(f"/api/v1/candidates/{candidate['id']}/emails", EMAIL)
    assert created.status_code == 202
    message = created.json()["message"]
    assert message["status"] == "queued" and message["delivery"] == "smtp not configured"

    assert asyncio.run(send_due_messages(settings, client.app.state.session_factory)) == 0
    again = tenant.get(f"/api/v1/messages/{message['id']}").json()["message"]
    assert again["status"] == "queued" and again["attempts"] == 0
    assert again["delivery"] == "smtp not configured"
    assert tenant.get("/api/v1/messages").json()["messages"][0]["delivery"] == "smtp not configured"
