"""Steps the browser tests share."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.portal.conftest import Operator


def sign_in(page: Any, operator: Operator) -> None:
    page.goto("/portal")
    page.get_by_label("E-mail").fill(operator.email)
    page.get_by_label("Password").fill(operator.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#who-org")).to_have_text(operator.organization_name)


def open_section(page: Any, name: str) -> None:
    page.get_by_role("navigation", name="Sections").get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
