from __future__ import annotations

from tests.interviews.pipeline import events_since, later, open_application, payloads
from tests.support import assert_error, event_types, field_errors

BASE = "/api/v1/offers"


def offer_body(application_id: str, **overrides: object) -> dict[str, object]:
    return {
        "applicationId": application_id,
        "salary": 145000,
        "currency": "CHF",
        "startDate": "2027-01-04",
        "expiresAt": later(days=7),
        **overrides,
    }


def draft(tenant, application_id: str, **overrides: object) -> dict:
    response = tenant.post(BASE, offer_body(application_id, **overrides))
    assert response.status_code == 201, response.text
    return response.json()["offer"]


def application_of(tenant, application_id: str) -> dict:
    return tenant.get(f"/api/v1/applications/{application_id}").json()["application"]


def test_offer_to_hire_moves_the_pipeline_and_emits_in_order(client, tenant):
    application = open_application(tenant)
    mark = len(event_types(client, tenant))
    offer = draft(tenant, application["id"])
    assert offer["status"] == "draft" and offer["salary"] == 145000 and offer["startDate"] == "2027-01-04"
    offer_id = offer["id"]
    patched = tenant.patch(f"{BASE}/{offer_id}", {"salary": 150000, "currency": "eur"})
    assert patched.json()["offer"]["salary"] == 150000 and patched.json()["offer"]["currency"] == "EUR"

    sent = tenant.post(f"{BASE}/{offer_id}/send")
    assert sent.status_code == 200, sent.text
    assert sent.json()["offer"]["status"] == "sent" and sent.json()["offer"]["sentAt"]
    assert application_of(tenant, application["id"])["stage"] == "offer"

    accepted = tenant.post(f"{BASE}/{offer_id}/accept")
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["offer"]["status"] == "accepted" and accepted.json()["offer"]["respondedAt"]
    hired = application_of(tenant, application["id"])
    assert hired["status"] == "hired" and hired["stage"] == "hired"

    assert events_since(client, tenant, mark) == [
        "offer.created",
        "offer.updated",
        "application.stage_changed",
        "application.advanced",
        "offer.sent",
        "offer.accepted",
        "application.stage_changed",
        "hire.completed",
    ]
    updated = payloads(client, tenant, "offer.updated")[0]["data"]
    assert updated["previous"] == {"salary": 145000, "currency": "CHF"}
    sent_data = payloads(client, tenant, "offer.sent")[0]["data"]
    assert sent_data["application"]["stage"] == "offer"
    assert sent_data["application"]["candidateName"] == "José Müller"
    assert sent_data["job"]["title"] == "Platform Engineer"
    assert sent_data["offer"]["id"] == offer_id
    assert payloads(client, tenant, "offer.accepted")[0]["data"]["offer"]["status"] == "accepted"


def test_send_leaves_a_later_stage_alone(client, tenant):
    application = open_application(tenant)
    moved = tenant.put(f"/api/v1/applications/{application['id']}/stage", {"stage": "offer"})
    assert moved.status_code == 200, moved.text
    offer = draft(tenant, application["id"])
    mark = len(event_types(client, tenant))
    assert tenant.post(f"{BASE}/{offer['id']}/send").status_code == 200
    assert events_since(client, tenant, mark) == ["offer.sent"]


def test_decline_withdraw_and_one_open_offer_per_application(client, tenant):
    application = open_application(tenant)
    first = draft(tenant, application["id"])
    assert_error(tenant.post(BASE, offer_body(application["id"])), 409, "offer_exists")
    tenant.post(f"{BASE}/{first['id']}/send")
    assert_error(tenant.post(BASE, offer_body(application["id"])), 409, "offer_exists")
    declined = tenant.post(f"{BASE}/{first['id']}/decline", {"reason": "Accepted another offer"})
    assert declined.json()["offer"]["status"] == "declined"
    assert declined.json()["offer"]["declineReason"] == "Accepted another offer"

    second = draft(tenant, application["id"], salary=160000)
    withdrawn = tenant.post(f"{BASE}/{second['id']}/withdraw")
    assert withdrawn.json()["offer"]["status"] == "withdrawn" and withdrawn.json()["offer"]["withdrawnAt"]
    third = draft(tenant, application["id"], salary=170000)
    tenant.post(f"{BASE}/{third['id']}/send")
    assert tenant.post(f"{BASE}/{third['id']}/withdraw").json()["offer"]["status"] == "withdrawn"
    no_reason = draft(tenant, application["id"])
    tenant.post(f"{BASE}/{no_reason['id']}/send")
    assert tenant.post(f"{BASE}/{no_reason['id']}/decline").json()["offer"]["declineReason"] is None

    listed = tenant.get(BASE, params={"applicationId": application["id"]}).json()
    assert [o["id"] for o in listed["offers"]] == [no_reason["id"], third["id"], second["id"], first["id"]]
    assert [o["id"] for o in tenant.get(BASE, params={"status": "withdrawn"}).json()["offers"]] == [
        third["id"], second["id"],
    ]
    page = tenant.get(BASE, params={"limit": 3}).json()
    assert page["count"] == 3 and page["nextCursor"]
    assert "status" in field_errors(tenant.get(BASE, params={"status": "pending"}))
    types = [t for t in event_types(client, tenant) if t.startswith("offer.")]
    assert types == [
        "offer.created", "offer.sent", "offer.declined",
        "offer.created", "offer.withdrawn",
        "offer.created", "offer.sent", "offer.withdrawn",
        "offer.created", "offer.sent", "offer.declined",
    ]


def test_illegal_transitions_are_409_and_change_nothing(client, tenant):
    application = open_application(tenant)
    offer = draft(tenant, application["id"])
    path = f"{BASE}/{offer['id']}"
    mark = len(event_types(client, tenant))
    assert_error(tenant.post(f"{path}/accept"), 409, "invalid_transition")
    assert_error(tenant.post(f"{path}/decline"), 409, "invalid_transition")
    assert tenant.get(path).json()["offer"]["status"] == "draft"
    assert events_since(client, tenant, mark) == []

    tenant.post(f"{path}/send")
    mark = len(event_types(client, tenant))
    assert_error(tenant.post(f"{path}/send"), 409, "invalid_transition")
    assert_error(tenant.patch(path, {"salary": 1}), 409, "invalid_transition")
    tenant.post(f"{path}/accept")
    for attempt in ("accept", "decline", "withdraw", "send"):
        assert_error(tenant.post(f"{path}/{attempt}"), 409, "invalid_transition")
    assert tenant.get(path).json()["offer"]["status"] == "accepted"
    assert events_since(client, tenant, mark)[0] == "offer.accepted"
    assert "offer.declined" not in event_types(client, tenant)

    # A rejected application takes no new offer and cannot have a draft sent.
    other = open_application(tenant, "Ana")
    pending = draft(tenant, other["id"])
    tenant.post(f"/api/v1/applications/{other['id']}/reject", {"reason": "Role filled"})
    mark = len(event_types(client, tenant))
    assert_error(tenant.post(f"{BASE}/{pending['id']}/send"), 409, "application_not_active")
    tenant.post(f"{BASE}/{pending['id']}/withdraw")
    assert_error(tenant.post(BASE, offer_body(other["id"])), 409, "application_not_active")
    assert events_since(client, tenant, mark) == ["offer.withdrawn"]


def test_bad_input_is_422_with_fields_and_writes_nothing(client, tenant):
    application = open_application(tenant)
    mark = len(event_types(client, tenant))
    bad = tenant.post(BASE, {
        "applicationId": application["id"],
        "salary": 0,
        "currency": "XYZ",
        "startDate": "2027-02-30",
        "expiresAt": later(days=-1),
        "bonus": 5,
    })
    assert field_errors(bad) == {"salary", "currency", "startDate", "expiresAt", "bonus"}
    assert field_errors(tenant.post(BASE, offer_body(application["id"], salary=-5, currency="EURO"))) == {
        "salary", "currency",
    }
    assert field_errors(tenant.post(BASE, offer_body(application["id"], expiresAt="2030-01-01T00:00:00"))) == {
        "expiresAt"
    }
    assert field_errors(tenant.post(BASE, offer_body(application["id"], salary="lots"))) == {"salary"}
    assert field_errors(tenant.post(BASE, offer_body("app_missing"))) == {"applicationId"}
    assert tenant.get(BASE).json()["count"] == 0

    offer = draft(tenant, application["id"])
    path = f"{BASE}/{offer['id']}"
    assert field_errors(tenant.patch(path, {"currency": "ABC"})) == {"currency"}
    assert field_errors(tenant.patch(path, {"salary": None})) == {"salary"}
    assert field_errors(tenant.patch(path, {"expiresAt": later(hours=-2)})) == {"expiresAt"}
    assert field_errors(tenant.post(f"{path}/decline", {"reason": "x", "mood": "sad"})) == {"mood"}
    assert tenant.get(path).json()["offer"] == offer
    assert events_since(client, tenant, mark) == ["offer.created"]


def test_scopes_and_authentication(client, tenant):
    application = open_application(tenant)
    offer = draft(tenant, application["id"])
    path = f"{BASE}/{offer['id']}"
    reader = tenant.key_headers("offers:read")
    assert tenant.get(path, headers=reader).status_code == 200
    assert tenant.get(BASE, headers=reader).status_code == 200
    for response in (
        tenant.post(BASE, offer_body(application["id"]), headers=reader),
        tenant.patch(path, {"salary": 1}, headers=reader),
        tenant.post(f"{path}/send", headers=reader),
        tenant.post(f"{path}/accept", headers=reader),
        tenant.post(f"{path}/decline", headers=reader),
        tenant.post(f"{path}/withdraw", headers=reader),
    ):
        assert_error(response, 403, "missing_scope")
    unrelated = tenant.key_headers("interviews:write")
    assert_error(tenant.get(BASE, headers=unrelated), 403, "missing_scope")
    assert_error(tenant.get(path, headers=unrelated), 403, "missing_scope")
    assert_error(client.get(path), 401)
    assert_error(client.post(f"{path}/send"), 401)
    assert tenant.get(path).json()["offer"]["status"] == "draft"


def test_other_organization_sees_404_everywhere(client, tenant, other_tenant):
    application = open_application(tenant)
    offer = draft(tenant, application["id"])
    path = f"{BASE}/{offer['id']}"
    for response in (
        other_tenant.get(path),
        other_tenant.patch(path, {"salary": 1}),
        other_tenant.post(f"{path}/send"),
        other_tenant.post(f"{path}/accept"),
        other_tenant.post(f"{path}/decline"),
        other_tenant.post(f"{path}/withdraw"),
    ):
        assert_error(response, 404, "not_found")
    assert field_errors(other_tenant.post(BASE, offer_body(application["id"]))) == {"applicationId"}
    assert other_tenant.get(BASE).json()["count"] == 0
    assert tenant.get(path).json()["offer"] == offer
    assert event_types(client, other_tenant) == []
