"""A key's powers are at most its creator's: when it is made, and whenever it is used."""

from __future__ import annotations

from sqlalchemy import update

from recruitiq.auth import service
from recruitiq.models import ApiKey, User
from tests.support import Tenant, assert_error

PASSWORD = "a long enough password"


def _user(client, tenant: Tenant, role: str, email: str) -> tuple[str, dict[str, str]]:
    created = tenant.post("/api/v1/users", {"name": role, "email": email, "password": PASSWORD,
                                            "role": role})
    assert created.status_code == 201, created.text
    login = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    return created.json()["user"]["id"], {"Authorization": f"Bearer {login.json()['accessToken']}"}


def _key(client, headers, *scopes: str):
    return client.post("/api/v1/api-keys", json={"name": "k", "scopes": list(scopes)},
                       headers=headers)


def _bearer(response) -> dict[str, str]:
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['apiKey']['key']}"}


def _set_user(app, user_id: str, **values) -> None:
    with app.state.session_factory() as session:
        session.execute(update(User).where(User.id == user_id).values(**values))
        session.commit()


def _key_count(app) -> int:
    with app.state.session_factory() as session:
        return len(session.query(ApiKey).all())


def test_a_recruiter_cannot_mint_a_key_that_reads_the_audit_log(app, client, tenant):
    _, recruiter = _user(client, tenant, "recruiter", "rita@acme.example")
    assert_error(client.get("/api/v1/audit-events", headers=recruiter), 403, "missing_scope")
    before = _key_count(app)
    refused = _key(client, recruiter, "audit:read", "jobs:read")
    error = assert_error(refused, 403, "scope_not_held")
    assert error["details"] == [{"field": "scopes", "message": "audit:read"}]
    assert _key_count(app) == before  # nothing made

    reports = _bearer(_key(client, recruiter, "reports:read"))
    assert client.get("/api/v1/reports/pipeline", headers=reports).status_code == 200
    assert_error(client.get("/api/v1/audit-events", headers=reports), 403, "missing_scope")


def test_an_admin_key_reads_the_audit_log_until_its_admin_is_demoted(app, client, tenant):
    admin_id, admin = _user(client, tenant, "admin", "ada2@acme.example")
    key = _bearer(_key(client, admin, "audit:read", "jobs:write"))
    assert client.get("/api/v1/audit-events", headers=key).status_code == 200
    assert set(client.get("/api/v1/auth/me", headers=key).json()["scopes"]) == {
        "audit:read", "jobs:write"}

    _set_user(app, admin_id, role="recruiter")
    assert_error(client.get("/api/v1/audit-events", headers=key), 403, "missing_scope")
    assert client.post("/api/v1/jobs", json={"title": "Still a recruiter"},
                       headers=key).status_code == 201

    _set_user(app, admin_id, role="hiring_manager")  # reads jobs, writes none
    assert client.get("/api/v1/auth/me", headers=key).json()["scopes"] == ["jobs:read"]
    assert client.get("/api/v1/jobs", headers=key).status_code == 200
    assert_error(client.post("/api/v1/jobs", json={"title": "x"}, headers=key), 403,
                 "missing_scope")

    _set_user(app, admin_id, role="admin")  # promoted back: the key has its scopes again
    assert client.get("/api/v1/audit-events", headers=key).status_code == 200


def test_a_deactivated_creators_keys_stop_working(app, client, tenant):
    recruiter_id, recruiter = _user(client, tenant, "recruiter", "rex@acme.example")
    key = _bearer(_key(client, recruiter, "jobs:read"))
    assert client.get("/api/v1/jobs", headers=key).status_code == 200
    _set_user(app, recruiter_id, is_active=False)
    assert_error(client.get("/api/v1/jobs", headers=key), 401, "unauthorized")
    assert_error(client.get("/api/v1/jobs", headers=recruiter), 401, "unauthorized")


def test_admins_mint_every_scope_and_operator_keys_are_capped_by_the_admin_role(app, client,
                                                                                tenant):
    every = client.get("/api/v1/auth/me", headers=tenant.headers).json()["scopes"]
    assert "audit:read" in every
    assert _key(client, tenant.headers, *every).status_code == 201
    with app.state.session_factory() as session:
        _, made = service.create_api_key(session, tenant.organization_id, "CLI key",
                                         ["audit:read"])
        session.commit()
    operator = {"Authorization": f"Bearer {made}"}
    assert client.get("/api/v1/audit-events", headers=operator).status_code == 200
