"""Secrets are shown once: never kept in clear by the idempotency layer, never replayed,
never in a failed statement's error or log line."""

from __future__ import annotations

import logging
import traceback

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import DBAPIError

from recruitiq.kit.idempotency import withhold_secrets
from recruitiq.models import IdempotencyRecord, WebhookSubscription
from tests.support import assert_error

HOOK = {"url": "https://hooks.example.com/recruitiq", "events": ["job.created"]}


def _records(app) -> list[tuple[int | None, str | None, list[str] | None]]:
    with app.state.session_factory() as session:
        return [tuple(r) for r in session.execute(select(
            IdempotencyRecord.status_code, IdempotencyRecord.response_body,
            IdempotencyRecord.withheld_fields))]


def _every_stored_text(app) -> str:
    """Every idempotency record as the database holds it, columns and all."""
    with app.state.engine.connect() as conn:
        return repr(conn.execute(text("SELECT * FROM idempotency_records")).all())


def _secret_routes(client, tenant):
    """Each route that answers a secret: (name, path, body, headers, the secret's path)."""
    hook_id = tenant.post("/api/v1/webhooks", HOOK).json()["webhook"]["id"]
    return [
        ("register", "/api/v1/auth/register",
         {"organizationName": "Initech", "name": "Ian", "email": "ian@initech.example",
          "password": "a long enough password"}, {}, ("accessToken",)),
        ("login", "/api/v1/auth/login",
         {"email": tenant.email, "password": tenant.password}, {}, ("accessToken",)),
        ("api key", "/api/v1/api-keys", {"name": "ActivePieces", "scopes": ["jobs:read"]},
         tenant.headers, ("apiKey", "key")),
        ("webhook", "/api/v1/webhooks", HOOK, tenant.headers, ("webhook", "secret")),
        ("rotate", f"/api/v1/webhooks/{hook_id}/rotate-secret", None, tenant.headers,
         ("webhook", "secret")),
    ]


def test_secret_responses_are_stored_without_the_secret_and_not_replayed(app, client, tenant):
    for name, path, body, headers, secret_path in _secret_routes(client, tenant):
        sent = {**headers, "Idempotency-Key": f"secret-{name}"}
        first = client.post(path, json=body, headers=sent)
        assert first.status_code in (200, 201), (name, first.text)
        secret = first.json()
        for part in secret_path:
            secret = secret[part]
        assert isinstance(secret, str) and len(secret) > 20

        assert secret not in _every_stored_text(app), name
        again = client.post(path, json=body, headers=sent)
        error = assert_error(again, 409, "idempotency_secret_withheld")
        assert secret not in again.text, name
        assert "Idempotent-Replayed" not in again.headers
        assert [d["field"] for d in error["details"]] == [".".join(secret_path)]
        assert str(first.status_code) in error["message"]

    # Nothing was done twice: one key, one new subscription, the rotated secret still signs.
    assert len(tenant.get("/api/v1/api-keys").json()["apiKeys"]) == 1
    assert tenant.get("/api/v1/webhooks").json()["count"] == 2


def test_the_refusal_names_what_the_first_request_made(client, tenant):
    sent = {**tenant.headers, "Idempotency-Key": "key-once"}
    made = client.post("/api/v1/api-keys", json={"name": "x", "scopes": ["jobs:read"]},
                       headers=sent).json()["apiKey"]
    again = client.post("/api/v1/api-keys", json={"name": "x", "scopes": ["jobs:read"]},
                        headers=sent)
    assert made["id"] in assert_error(again, 409, "idempotency_secret_withheld")["message"]


def test_responses_without_secrets_still_replay(app, client, tenant):
    sent = {**tenant.headers, "Idempotency-Key": "job-once"}
    first = client.post("/api/v1/jobs", json={"title": "Engineer"}, headers=sent)
    again = client.post("/api/v1/jobs", json={"title": "Engineer"}, headers=sent)
    assert again.status_code == first.status_code == 201
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert [withheld for _, _, withheld in _records(app)] == [None]


def test_withhold_secrets_finds_them_at_any_depth():
    body = {"success": True, "tokenType": "Bearer", "accessToken": "eyJ.x.y",
            "apiKey": {"id": "key_1", "key": "riq_live_abc", "prefix": "riq_live_a"},
            "items": [{"signingSecret": "s"}, {"secret": None}], "expiresIn": 3600}
    kept, withheld = withhold_secrets(body)
    assert withheld == ["accessToken", "apiKey.key", "items[0].signingSecret"]
    assert kept["apiKey"] == {"id": "key_1", "key": None, "prefix": "riq_live_a"}
    assert kept["tokenType"] == "Bearer" and kept["expiresIn"] == 3600
    assert "riq_live_abc" not in repr(kept) and "eyJ.x.y" not in repr(kept)


def test_a_failed_statement_shows_no_secret_in_its_error_or_log(app, tenant, caplog):
    secret = "whsec_" + "S3cr3tValueThatMustNotLeak" * 2
    # No URL: a NOT NULL violation, which PostgreSQL explains by quoting the whole row.
    row = {"id": "wh_no_url", "organization_id": tenant.organization_id, "url": None,
           "events": ["*"], "secret": secret, "is_active": True}
    caplog.set_level(logging.DEBUG)
    with pytest.raises(DBAPIError) as failed, app.state.engine.begin() as conn:
        conn.execute(insert(WebhookSubscription).values(**row))
    logging.getLogger("recruitiq.errors").exception("unhandled error", exc_info=failed.value)
    shown = "".join(traceback.format_exception(failed.value))
    assert "INSERT INTO webhook_subscriptions" in shown and "url" in shown
    assert secret not in shown and secret not in caplog.text
    assert tenant.organization_id not in shown  # no value at all
