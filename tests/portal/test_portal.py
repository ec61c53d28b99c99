"""The portal in a real browser against the real API (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.portal.conftest import Operator
from tests.portal.helpers import open_section, sign_in


def test_page_and_assets_carry_the_security_headers(live_url: str) -> None:
    with httpx.Client(base_url=live_url) as http:
        page = http.get("/portal")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        policy = page.headers["content-security-policy"]
        assert "default-src 'self'" in policy
        assert "'unsafe-inline'" not in policy
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["x-frame-options"] == "DENY"
        assert "<script" in page.text and "portal/static/app.js" in page.text
        assert "<script>" not in page.text, "inline script would be refused by the CSP"

        script = http.get("/portal/static/app.js")
        assert script.status_code == 200
        assert script.headers["content-type"].startswith("text/javascript")
        assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write", script.text)
        assert http.get("/portal/static/portal.css").headers["content-type"].startswith("text/css")

        assert http.get("/portal/static/endpoints.py").status_code == 404
        assert http.get("/portal/static/..%2Fendpoints.py").status_code == 404
        assert not any(path.startswith("/portal") for path in http.get("/openapi.json").json()["paths"])


def test_sign_in_shows_organization_and_user_and_sign_out_forgets_the_token(
    page: Any, operator: Operator
) -> None:
    sign_in(page, operator)
    expect(page.locator("#who-user")).to_contain_text(operator.user_name)
    expect(page.get_by_role("heading", name="Jobs", exact=True)).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('recruitiq.accessToken')")

    page.reload()
    expect(page.locator("#who-org")).to_have_text(operator.organization_name)

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to RecruitIQ")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('recruitiq.accessToken')") is None
    expect(page.locator("#who")).to_be_hidden()


def test_wrong_password_shows_the_api_message(page: Any, operator: Operator) -> None:
    page.goto("/portal")
    page.get_by_label("E-mail").fill(operator.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("E-mail or password is incorrect")
    expect(page.locator("#who")).to_be_hidden()


def test_one_password_in_two_organizations_signs_in_to_the_one_chosen(
    page: Any, operator: Operator
) -> None:
    twin = operator.api.post("/api/v1/auth/register", json={
        "organizationName": "Twin Hiring", "name": "Olga Twin", "email": operator.email,
        "password": operator.password})
    assert twin.status_code == 201, twin.text
    page.goto("/portal")
    page.get_by_label("E-mail").fill(operator.email)
    page.get_by_label("Password").fill(operator.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("choose one")
    choice = page.get_by_label("Organization")
    expect(choice.locator("option")).to_have_count(2)
    choice.select_option(twin.json()["organization"]["id"])
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#who-org")).to_have_text("Twin Hiring")


def test_create_a_job_publish_it_and_see_it_listed(page: Any, operator: Operator) -> None:
    sign_in(page, operator)
    create = page.get_by_role("form", name="Create job")
    create.get_by_label("Title").fill("Staff Data Engineer")
    create.get_by_label("Department").fill("Data")
    create.get_by_label("Location").fill("Lisbon")
    create.get_by_label("Employment type").select_option("contract")
    create.get_by_role("button", name="Create job").click()

    row = page.get_by_role("row").filter(has_text="Staff Data Engineer")
    expect(row).to_contain_text("draft")
    expect(row).to_contain_text("Lisbon")
    row.get_by_role("button", name="Publish Staff Data Engineer").click()
    expect(row).to_contain_text("open")
    expect(row.get_by_role("button", name="Publish Staff Data Engineer")).to_have_count(0)

    jobs = operator.api.get("/api/v1/jobs").json()["jobs"]
    assert [(j["title"], j["department"], j["location"], j["employmentType"], j["status"]) for j in jobs] == [
        ("Staff Data Engineer", "Data", "Lisbon", "contract", "open")
    ]

    page.get_by_label("Status").select_option("draft")
    expect(page.get_by_text("No jobs yet")).to_be_visible()


def test_rendered_api_data_is_text_never_markup(page: Any, operator: Operator) -> None:
    hostile = '<img src=x onerror="window.pwned=1">Engineer'
    response = operator.api.post("/api/v1/jobs", json={"title": hostile})
    assert response.status_code == 201, response.text
    sign_in(page, operator)
    expect(page.get_by_role("cell", name=hostile, exact=True)).to_be_visible()
    assert page.locator("main img").count() == 0
    assert page.evaluate("window.pwned") is None


def test_api_key_is_shown_once_works_and_can_be_revoked(page: Any, operator: Operator) -> None:
    sign_in(page, operator)
    open_section(page, "API keys")
    create = page.get_by_role("form", name="Create API key")
    create.get_by_label("Name").fill("ActivePieces")
    create.get_by_label("jobs:read").check()
    create.get_by_label("webhooks:write").check()
    create.get_by_role("button", name="Create key").click()

    shown = page.get_by_role("region", name="New API key").locator("code").inner_text()
    assert re.fullmatch(r"riq_live_\S+", shown), shown
    me = operator.api.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {shown}"})
    assert me.status_code == 200
    assert me.json()["scopes"] == ["jobs:read", "webhooks:write"]

    row = page.get_by_role("row").filter(has_text="ActivePieces")
    (key,) = operator.api.get("/api/v1/api-keys").json()["apiKeys"]
    expect(row).to_contain_text(key["prefix"])
    expect(row).to_contain_text("jobs:read, webhooks:write")

    page.reload()
    expect(page.get_by_role("row").filter(has_text="ActivePieces")).to_be_visible()
    assert shown not in page.content()

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke ActivePieces").click()
    expect(page.get_by_text("No API keys yet.")).to_be_visible()
    revoked = operator.api.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {shown}"})
    assert revoked.status_code == 401


def test_a_refused_request_shows_the_api_message_and_creates_nothing(
    page: Any, operator: Operator
) -> None:
    sign_in(page, operator)
    open_section(page, "API keys")
    create = page.get_by_role("form", name="Create API key")
    create.get_by_label("Name").fill("No scopes at all")
    create.get_by_role("button", name="Create key").click()

    expect(page.get_by_role("alert")).to_contain_text("The request is not valid (scopes:")
    expect(page.get_by_role("region", name="New API key")).to_have_count(0)
    assert operator.api.get("/api/v1/api-keys").json()["apiKeys"] == []


def test_an_ended_session_returns_to_sign_in_with_the_reason(page: Any, operator: Operator) -> None:
    sign_in(page, operator)
    page.evaluate("sessionStorage.setItem('recruitiq.accessToken', 'not-a-token')")
    page.reload()
    expect(page.get_by_role("heading", name="Sign in to RecruitIQ")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Your session has ended")
    assert page.evaluate("sessionStorage.getItem('recruitiq.accessToken')") is None

    page.get_by_label("E-mail").fill(operator.email)
    page.get_by_label("Password").fill(operator.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#who-org")).to_have_text(operator.organization_name)
    expect(page.get_by_role("alert")).to_be_hidden()


def test_keyboard_only_sign_in(page: Any, operator: Operator) -> None:
    page.goto("/portal")
    expect(page.get_by_label("E-mail")).to_be_focused()
    page.keyboard.type(operator.email)
    page.keyboard.press("Tab")
    page.keyboard.type(operator.password)
    page.keyboard.press("Enter")
    expect(page.locator("#who-org")).to_have_text(operator.organization_name)


def test_a_hiring_manager_sees_the_api_refusals(page: Any, operator: Operator) -> None:
    manager = Operator(
        email="hm@acme.example", password="hiring manager password",
        organization_name=operator.organization_name, user_name="Hana Manager", api=operator.api,
    )
    created = operator.api.post(
        "/api/v1/users",
        json={"name": manager.user_name, "email": manager.email, "password": manager.password,
              "role": "hiring_manager"},
    )
    assert created.status_code == 201, created.text
    sign_in(page, manager)
    expect(page.locator("#who-user")).to_have_text("Hana Manager · hiring_manager")

    create = page.get_by_role("form", name="Create job")
    create.get_by_label("Title").fill("Not allowed")
    create.get_by_role("button", name="Create job").click()
    expect(page.get_by_role("alert")).to_contain_text("jobs:write")
    assert operator.api.get("/api/v1/jobs").json()["jobs"] == []

    open_section(page, "API keys")
    expect(page.get_by_role("alert")).to_have_text("API keys are managed by signed-in admins and recruiters")


def test_long_lists_load_page_by_page(page: Any, operator: Operator) -> None:
    for number in range(27):
        assert operator.api.post("/api/v1/jobs", json={"title": f"Role {number:02d}"}).status_code == 201
    sign_in(page, operator)
    rows = page.locator("main tbody tr")
    expect(rows).to_have_count(25)
    expect(rows.first).to_contain_text("Role 26")
    page.get_by_role("button", name="Load more").click()
    expect(rows).to_have_count(27)
    expect(rows.last).to_contain_text("Role 00")
    expect(page.get_by_role("button", name="Load more")).to_have_count(0)
