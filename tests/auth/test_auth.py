from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from recruitiq.config import Settings, UnsafeSettingsError
from tests.support import assert_error, field_errors, register_tenant


def test_register_login_and_me(client, tenant):
    login = client.post("/api/v1/auth/login", json={"email": tenant.email, "password": tenant.password})
    assert login.status_code == 200
    body = login.json()
    assert body["tokenType"] == "Bearer" and body["expiresIn"] > 0
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['accessToken']}"})
    assert me.status_code == 200
    assert me.json()["authType"] == "user"
    assert me.json()["user"]["id"] == tenant.user_id
    assert "jobs:write" in me.json()["scopes"]


def test_wrong_password_and_unknown_email_are_the_same_401(client, tenant):
    wrong = client.post("/api/v1/auth/login", json={"email": tenant.email, "password": "nope nope nope"})
    unknown = client.post("/api/v1/auth/login", json={"email": "x@y.example", "password": "nope nope nope"})
    assert assert_error(wrong, 401, "invalid_credentials")["message"] == assert_error(
        unknown, 401, "invalid_credentials"
    )["message"]


def test_register_validation(client, tenant):
    bad = client.post("/api/v1/auth/register", json={"organizationName": "", "name": "x", "email": "not-an-email", "password": "short"})
    assert field_errors(bad) >= {"organizationName", "email", "password"}


def test_missing_and_garbage_tokens_are_401(client):
    assert_error(client.get("/api/v1/jobs"), 401, "unauthorized")
    assert_error(client.get("/api/v1/jobs", headers={"Authorization": "Bearer garbage"}), 401)
    assert_error(client.get("/api/v1/jobs", headers={"Authorization": "Bearer riq_live_forged"}), 401)


def test_api_key_is_shown_once_and_stored_hashed(client, tenant):
    created = tenant.post("/api/v1/api-keys", {"name": "ActivePieces", "scopes": ["jobs:read", "webhooks:write"]})
    assert created.status_code == 201
    api_key = created.json()["apiKey"]
    assert api_key["key"].startswith("riq_live_")
    listed = tenant.get("/api/v1/api-keys").json()["apiKeys"]
    assert [k["id"] for k in listed] == [api_key["id"]]
    assert "key" not in listed[0] and api_key["key"] not in str(listed)
    assert api_key["key"].startswith(listed[0]["prefix"])

    headers = {"Authorization": f"Bearer {api_key['key']}"}
    me = client.get("/api/v1/auth/me", headers=headers).json()
    assert me["authType"] == "api_key" and me["scopes"] == ["jobs:read", "webhooks:write"]
    assert me["apiKey"]["id"] == api_key["id"]
    assert tenant.get("/api/v1/api-keys").json()["apiKeys"][0]["lastUsedAt"] is not None

    assert tenant.delete(f"/api/v1/api-keys/{api_key['id']}").status_code == 204
    assert_error(client.get("/api/v1/auth/me", headers=headers), 401)


def test_api_key_scopes_and_write_implies_read(client, tenant):
    read_only = tenant.key_headers("jobs:read")
    assert client.get("/api/v1/jobs", headers=read_only).status_code == 200
    denied = client.post("/api/v1/jobs", json={"title": "x"}, headers=read_only)
    error = assert_error(denied, 403, "missing_scope")
    assert "jobs:write" in error["message"]
    writer = tenant.key_headers("jobs:write")
    assert client.get("/api/v1/jobs", headers=writer).status_code == 200
    assert_error(client.get("/api/v1/jobs", headers=tenant.key_headers("candidates:write")), 403, "missing_scope")


def test_unknown_scope_and_expired_key(client, tenant):
    assert "scopes" in field_errors(tenant.post("/api/v1/api-keys", {"name": "x", "scopes": ["jobs:admin"]}))
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    expired = tenant.post("/api/v1/api-keys", {"name": "x", "scopes": ["jobs:read"], "expiresAt": past}).json()
    assert_error(client.get("/api/v1/jobs", headers={"Authorization": f"Bearer {expired['apiKey']['key']}"}), 401)


def test_api_keys_cannot_manage_keys(client, tenant):
    headers = tenant.key_headers()
    assert_error(client.post("/api/v1/api-keys", json={"name": "x", "scopes": ["jobs:read"]}, headers=headers), 403)


def test_users_admin_only_and_roles(client, tenant, other_tenant):
    created = tenant.post(
        "/api/v1/users",
        {"name": "Hana Manager", "email": "hana@acme.example", "password": "hiring manager pw", "role": "hiring_manager"},
    )
    assert created.status_code == 201
    assert created.json()["user"]["role"] == "hiring_manager"
    token = client.post("/api/v1/auth/login", json={"email": "hana@acme.example", "password": "hiring manager pw"}).json()["accessToken"]
    manager = {"Authorization": f"Bearer {token}"}
    assert_error(client.get("/api/v1/users", headers=manager), 403)
    assert client.get("/api/v1/jobs", headers=manager).status_code == 200
    assert_error(client.post("/api/v1/jobs", json={"title": "x"}, headers=manager), 403, "missing_scope")
    emails = {u["email"] for u in tenant.get("/api/v1/users").json()["users"]}
    assert emails == {tenant.email, "hana@acme.example"}
    assert tenant.email not in str(other_tenant.get("/api/v1/users").json())
    assert_error(other_tenant.get(f"/api/v1/users/{tenant.user_id}"), 404)


def test_production_refuses_default_secret(tmp_path):
    with pytest.raises(UnsafeSettingsError):
        Settings(env="production", data_dir=tmp_path)
    assert Settings(env="production", secret_key="x" * 40, data_dir=tmp_path).is_production


def test_second_registration_is_a_separate_tenant(client, tenant):
    other = register_tenant(client, "Initech")
    assert other.organization_id != tenant.organization_id
