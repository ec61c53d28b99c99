"""Neither registration nor user creation tells anyone whether an e-mail address is a user
of another organization (ADR 0008): an address is unique within its organization only."""

from __future__ import annotations

from tests.support import assert_error

PASSWORD = "a long enough password"


def _shape(value):
    """The body's structure: keys and value types, not the values."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    return type(value).__name__


def _register(client, email: str, name: str = "Initech"):
    return client.post("/api/v1/auth/register", json={
        "organizationName": name, "name": "Ian", "email": email, "password": PASSWORD})


def _login(client, email: str, password: str, **extra):
    return client.post("/api/v1/auth/login", json={"email": email, "password": password, **extra})


def test_registering_a_taken_address_answers_like_a_new_one(client, tenant):
    fresh = _register(client, "nobody-yet@initech.example")
    taken = _register(client, tenant.email.upper())
    assert fresh.status_code == taken.status_code == 201, taken.text
    assert _shape(fresh.json()) == _shape(taken.json())
    assert taken.json()["organization"]["id"] != tenant.organization_id
    # The first organization's user is untouched: same password, same organization.
    mine = _login(client, tenant.email, tenant.password)
    assert mine.status_code == 200 and mine.json()["user"]["id"] == tenant.user_id


def test_creating_a_user_another_organization_has_answers_like_a_new_one(client, tenant,
                                                                         other_tenant):
    body = {"name": "Sam", "password": PASSWORD, "role": "recruiter"}
    fresh = other_tenant.post("/api/v1/users", {**body, "email": "sam@nowhere.example"})
    elsewhere = other_tenant.post("/api/v1/users", {**body, "email": tenant.email})
    assert fresh.status_code == elsewhere.status_code == 201, elsewhere.text
    assert _shape(fresh.json()) == _shape(elsewhere.json())
    # Only a colleague of the same organization, whom the admin can list anyway, is a 409.
    again = other_tenant.post("/api/v1/users", {**body, "email": "SAM@nowhere.example"})
    assert_error(again, 409, "email_taken")
    assert tenant.email not in str(tenant.get("/api/v1/users").json()["users"][1:])


def test_one_address_in_two_organizations_signs_in_to_each_by_its_password(client, tenant):
    other = _register(client, tenant.email, "Umbrella")
    assert other.status_code == 201
    # Two users with tenant.email: Acme's (tenant.password) and Umbrella's (PASSWORD).
    acme = _login(client, tenant.email, tenant.password)
    assert acme.json()["user"]["organizationId"] == tenant.organization_id
    umbrella = _login(client, tenant.email, PASSWORD)
    assert umbrella.json()["user"]["organizationId"] == other.json()["organization"]["id"]
    assert_error(_login(client, tenant.email, "neither of the two"), 401, "invalid_credentials")


def test_the_same_password_in_two_organizations_asks_which(client, tenant):
    twin = client.post("/api/v1/auth/register", json={
        "organizationName": "Twin", "name": "T", "email": tenant.email,
        "password": tenant.password})
    assert twin.status_code == 201
    ambiguous = _login(client, tenant.email, tenant.password)
    details = assert_error(ambiguous, 422)["details"]
    # One detail per organization the password opens, to choose from: id and name.
    assert {d["field"] for d in details} == {"organizationId"}
    assert sorted(d["message"].split(": ")[0] for d in details) == sorted(
        [tenant.organization_id, twin.json()["organization"]["id"]])
    assert f"{twin.json()['organization']['id']}: Twin" in {d["message"] for d in details}
    chosen = _login(client, tenant.email, tenant.password,
                    organizationId=twin.json()["organization"]["id"])
    assert chosen.json()["user"]["id"] == twin.json()["user"]["id"]
    mine = _login(client, tenant.email, tenant.password, organizationId=tenant.organization_id)
    assert mine.json()["user"]["id"] == tenant.user_id
