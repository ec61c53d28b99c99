"""A real server on a loopback port and Debian Chromium driven by Playwright.

The portal is only worth testing end to end: the page, its script, the API it calls and the
database behind it. Each test gets the real app (SQLite and PostgreSQL, like every other
test) served by uvicorn in a thread, and a fresh browser context.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.support import live_server

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct horse battery staple"


@pytest.fixture
def live_url(app: FastAPI) -> Iterator[str]:
    with live_server(app) as url:
        yield url


# Module scope, not session: sync Playwright keeps an event loop running in this thread for
# as long as it is open, and later test modules that call asyncio.run() would find it.
@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip(
            "Debian chromium is not installed (run `make system-deps` or "
            "`apt-get install -y chromium`); the portal's browser tests need it"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Operator:
    """An organization's admin, with an API client for checking what the portal did."""

    email: str
    password: str
    organization_name: str
    user_name: str
    api: httpx.Client


@pytest.fixture
def operator(live_url: str) -> Iterator[Operator]:
    email = f"ops-{uuid.uuid4().hex[:8]}@acme.example"
    with httpx.Client(base_url=live_url, timeout=30) as api:
        response = api.post(
            "/api/v1/auth/register",
            json={"organizationName": "Acme Hiring", "name": "Olga Operator", "email": email,
                  "password": PASSWORD},
        )
        assert response.status_code == 201, response.text
        api.headers["Authorization"] = f"Bearer {response.json()['accessToken']}"
        yield Operator(email, PASSWORD, "Acme Hiring", "Olga Operator", api)


@pytest.fixture
def page(chromium: Any, live_url: str) -> Iterator[Any]:
    context = chromium.new_context(base_url=live_url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    browser_page = context.new_page()
    errors: list[str] = []
    browser_page.on("pageerror", lambda exc: errors.append(str(exc)))
    browser_page.on(
        "console",
        lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    yield browser_page
    context.close()
    assert not errors, f"script errors or CSP violations in the portal: {errors}"
