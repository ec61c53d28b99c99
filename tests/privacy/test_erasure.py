from __future__ import annotations

import json

import pytest
from sqlalchemy import JSON, String, Text, select

from recruitiq.config import Settings, get_settings
from recruitiq.kit.ids import new_id
from recruitiq.models import Base, Event, WebhookAttempt, WebhookDelivery
from tests.messaging.people import add_candidate
from tests.resumes.files import pdf_with_text
from tests.support import assert_error, event_types

FIRST, LAST = "Zebedee", "Quxworth"
EMAIL = "zebedee.quxworth@example.com"
PHONE = "+44 20 7946 0958"
LINKEDIN = "https://www.linkedin.com/in/zq-analytical"
PII = (EMAIL, f"{FIRST} {LAST}", FIRST, LAST, PHONE, LINKEDIN)


@pytest.fixture
def settings(database_url, tmp_path, monkeypatch) -> Settings:
    # Erasure deletes resume files from the process settings' data directory (the
    # candidates endpoint passes none of its own), so both point at the same place.
    monkeypatch.setenv("RECRUITIQ_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield Settings(database_url=database_url, data_dir=tmp_path / "data")
    get_settings.cache_clear()


def rows_mentioning(client, needles) -> list[tuple[str, str, str]]:
    """Every (table, column, value) in the whole database whose text contains a needle."""
    hits = []
    lowered = [n.lower() for n in needles]
    with client.app.state.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
            if not columns:
                continue
            for row in conn.execute(select(*columns)):
                for column, value in zip(columns, row, strict=True):
                    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                    if any(n in (text or "").lower() for n in lowered):
                        hits.append((table.name, column.name, text))
    return hits


def build_history(client, tenant) -> dict:
    """The candidate everywhere: profile, resume, application, note, rejection, e-mail,
    events with webhook deliveries (with and without PII), a receiver that echoed the
    payload, and a remembered idempotent response."""
    hooks = [tenant.post("/api/v1/webhooks", {"url": "http://127.0.0.1:9/hook", "events": ["*"], "includePii": pii})
             for pii in (True, False)]
    assert all(h.status_code == 201 for h in hooks), hooks[0].text
    created = tenant.post(
        "/api/v1/candidates",
        {"firstName": FIRST, "lastName": LAST, "email": EMAIL, "phone": PHONE,
         "linkedinUrl": LINKEDIN, "location": "Thornbury", "tags": ["python"]},
        headers={**tenant.headers, "Idempotency-Key": "create-zq"},
    )
    assert created.status_code == 201, created.text
    candidate = created.json()["candidate"]
    cid = candidate["id"]
    resume = pdf_with_text(f"{FIRST} {LAST} - {EMAIL}")
    assert tenant.client.put(f"/api/v1/candidates/{cid}/resume", files={"file": ("zq.pdf", resume, "application/pdf")},
                             headers=tenant.headers).status_code == 200
    job = tenant.post("/api/v1/jobs", {"title": "Data Engineer"}).json()["job"]
    tenant.post(f"/api/v1/jobs/{job['id']}/publish")
    application = tenant.post("/api/v1/applications", {"jobId": job["id"], "candidateId": cid}).json()["application"]
    app_id = application["id"]
    note = f"Phone screen with {FIRST} {LAST} went well; reach {FIRST.upper()} at {EMAIL} or {PHONE}."
    assert tenant.post(f"/api/v1/applications/{app_id}/notes", {"body": note}).status_code == 201
    tenant.post(f"/api/v1/applications/{app_id}/reject", {"reason": f"{LAST} accepted another offer"})
    message = tenant.post(f"/api/v1/candidates/{cid}/emails",
                          {"subject": f"Thanks {FIRST}", "text": f"Dear {FIRST} {LAST}, thank you.", "html": f"<p>Dear {FIRST}</p>"})
    assert message.status_code == 202

    factory = client.app.state.session_factory
    with factory() as session:
        delivery = session.scalars(select(WebhookDelivery).where(WebhookDelivery.organization_id == tenant.organization_id)
                                   .order_by(WebhookDelivery.created_at)).first()
        assert delivery is not None
        event = session.get(Event, delivery.event_id)
        session.add(WebhookAttempt(id=new_id("att"), organization_id=tenant.organization_id, delivery_id=delivery.id,
                                   attempt_number=1, status_code=200, duration_ms=12,
                                   response_body=f"echo: {event.payload}"[:4000]))
        session.commit()
    return {"id": cid, "application_id": app_id, "message_id": message.json()["message"]["id"]}


def test_erasure_leaves_no_personal_data_in_any_table_and_deletes_the_file(client, tenant, settings):
    history = build_history(client, tenant)
    cid = history["id"]
    bystander = add_candidate(tenant, "Ottoline", "Brackenbury")
    resume_dir = settings.data_dir / "resumes" / tenant.organization_id / cid
    assert any(resume_dir.iterdir())
    found_before = {table for table, _column, _value in rows_mentioning(client, PII)}
    assert {"candidates", "events", "webhook_deliveries", "webhook_attempts", "application_notes",
            "applications", "messages", "idempotency_records"} <= found_before

    assert tenant.delete(f"/api/v1/candidates/{cid}", params={"erase": "true"}).status_code == 204

    assert rows_mentioning(client, PII) == []
    assert not resume_dir.exists()
    assert rows_mentioning(client, [bystander["email"], "Ottoline"]) != []  # others untouched

    assert event_types(client, tenant)[-1] == "candidate.deleted"
    with client.app.state.session_factory() as session:
        last = session.scalars(select(Event).where(Event.organization_id == tenant.organization_id)
                               .order_by(Event.created_at.desc(), Event.id.desc())).first()
        assert json.loads(last.payload)["data"] == {"candidate": {"id": cid, "erased": True}}
        # The history stays countable and well-formed: events still parse and still name the id.
        payloads = [json.loads(p) for p in session.scalars(select(Event.payload).where(Event.organization_id == tenant.organization_id))]
        received = next(p for p in payloads if p["type"] == "application.received")["data"]["application"]
        assert received["candidateId"] == cid and received["candidateName"] == "Erased candidate"
        assert received["candidateEmail"] == f"{cid}@erased.invalid"

    assert_error(tenant.get(f"/api/v1/candidates/{cid}"), 404)
    message = tenant.get(f"/api/v1/messages/{history['message_id']}").json()["message"]
    assert message["status"] == "failed" and message["to"] == f"{cid}@erased.invalid"
    assert "erased" in message["lastError"]
    notes = tenant.get(f"/api/v1/applications/{history['application_id']}/notes").json()
    [note] = notes["notes"]
    assert note["body"].startswith("Phone screen with [erased] went well")
    # The same e-mail can apply again as a new candidate.
    assert add_candidate(tenant, "New", "Person", email=EMAIL)["email"] == EMAIL


def test_audit_records_the_erasure_without_personal_data(client, tenant, settings):
    cid = add_candidate(tenant, FIRST, LAST, email=EMAIL)["id"]
    assert tenant.delete(f"/api/v1/candidates/{cid}", params={"erase": "true"}).status_code == 204
    audit = tenant.get("/api/v1/audit-events", params={"resourceId": cid})
    assert audit.status_code == 200, audit.text
    actions = {row["action"] for row in audit.json()["auditEvents"]}
    assert actions & {"erase", "delete"}
    assert not any(n.lower() in audit.text.lower() for n in (EMAIL, FIRST, LAST))
    assert rows_mentioning(client, [EMAIL, FIRST, LAST]) == []


def test_soft_deleted_and_merged_duplicates_are_erased_too(client, tenant, settings):
    survivor = add_candidate(tenant, FIRST, LAST, email=EMAIL)
    duplicate = add_candidate(tenant, FIRST, LAST, email="zq.old@example.net", phone=PHONE)
    merged = tenant.post(f"/api/v1/candidates/{survivor['id']}/merge", {"duplicateId": duplicate["id"]})
    assert merged.status_code == 200, merged.text
    assert tenant.delete(f"/api/v1/candidates/{survivor['id']}").status_code == 204  # soft delete first
    assert tenant.delete(f"/api/v1/candidates/{survivor['id']}", params={"erase": "true"}).status_code == 204
    assert rows_mentioning(client, [*PII, "zq.old@example.net"]) == []
    # Erasing twice changes nothing more.
    before = event_types(client, tenant)
    assert tenant.delete(f"/api/v1/candidates/{survivor['id']}", params={"erase": "true"}).status_code == 204
    assert event_types(client, tenant) == before


def test_erasure_needs_the_scope_and_the_organization(client, tenant, other_tenant, settings):
    cid = add_candidate(tenant, FIRST, LAST, email=EMAIL)["id"]
    assert_error(client.delete(f"/api/v1/candidates/{cid}", params={"erase": "true"}), 401)
    reader = tenant.key_headers("candidates:read")
    assert_error(tenant.delete(f"/api/v1/candidates/{cid}", params={"erase": "true"}, headers=reader), 403, "missing_scope")
    assert_error(other_tenant.delete(f"/api/v1/candidates/{cid}", params={"erase": "true"}), 404)
    assert tenant.get(f"/api/v1/candidates/{cid}").json()["candidate"]["email"] == EMAIL
    assert "candidate.deleted" not in event_types(client, tenant)
