"""`/docs` is served by the app itself: it renders with no network and under a strict policy."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import expect

from recruitiq.app import create_app
from recruitiq.config import Settings
from tests.portal.conftest import chromium, live_url, page  # noqa: F401

MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}


@pytest.fixture
def app(tmp_path: Path) -> Iterator[FastAPI]:
    # The page and /openapi.json read no table: no database to migrate, none to run twice.
    application = create_app(
        Settings(database_url=f"sqlite:///{tmp_path / 'docs.db'}", data_dir=tmp_path),
        run_worker=False,
    )
    yield application
    application.state.engine.dispose()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value for name, value in attrs}
        for name in ("src", "href"):
            if found.get(name):
                self.urls.append(str(found[name]))
        if tag == "script" and not found.get("src"):
            self.inline_scripts += 1


def _references(html: str) -> _References:
    parser = _References()
    parser.feed(html)
    return parser


def _policy(header: str) -> dict[str, list[str]]:
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {name: sources for name, *sources in directives}


def test_the_page_references_only_same_origin_assets_and_each_is_served(client: TestClient):
    page_response = client.get("/docs")
    assert page_response.status_code == 200
    assert page_response.headers["content-type"] == "text/html; charset=utf-8"
    html = page_response.text
    assert not re.search(r"(https?:)?//", html), "the page names another origin"
    references = _references(html)
    assert references.inline_scripts == 0
    assert len(references.urls) == 4, references.urls
    for url in references.urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc and url.startswith("/docs/static/"), url
        asset = client.get(url)
        assert asset.status_code == 200, url
        expected = MEDIA_TYPES[Path(parts.path).suffix]
        assert asset.headers["content-type"].split(";")[0] == expected, url
        assert asset.headers["x-content-type-options"] == "nosniff"
        assert len(asset.content) > 100, url
        # The bundle is real Swagger UI, not a stub.
        if url.endswith("swagger-ui-bundle.js"):
            assert b"SwaggerUIBundle" in asset.content and len(asset.content) > 500_000
    init = client.get("/docs/static/swagger-init.js").text
    assert "url: " not in init and '"url": "/openapi.json"' in init
    assert '"validatorUrl": null' in init
    assert not re.search(r"https?://", init)


def test_the_page_has_a_strict_content_security_policy(client: TestClient):
    for url in ("/docs", "/docs/static/swagger-init.js", "/docs/static/swagger-ui-bundle.js"):
        policy = _policy(client.get(url).headers["content-security-policy"])
        assert policy["default-src"] == ["'none'"]
        assert policy["script-src"] == ["'self'"]
        assert policy["style-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"]
        assert policy["base-uri"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["connect-src"] == ["'self'"]
        for name, sources in policy.items():
            allowed = {"'self'", "'none'"} | ({"data:"} if name == "img-src" else set())
            assert set(sources) <= allowed, (name, sources)


def test_assets_are_revalidated_by_etag(client: TestClient):
    first = client.get("/docs/static/swagger-ui.css")
    assert first.headers["cache-control"] == "no-cache"
    again = client.get("/docs/static/swagger-ui.css", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


@pytest.mark.parametrize(
    "url", ["/docs/static/nothing.js", "/docs/static/redoc.standalone.js", "/docs/static/..%2Fapp.py"]
)
def test_an_unknown_asset_is_a_json_404(client: TestClient, url: str):
    response = client.get(url)
    assert response.status_code == 404
    body = response.json()
    assert body["success"] is False and body["error"]["code"] == "not_found"


def test_the_cdn_pages_are_gone(client: TestClient):
    for url in ("/redoc", "/docs/oauth2-redirect"):
        assert client.get(url).status_code == 404, url


def test_swagger_ui_renders_every_operation_with_no_network(page: Any, live_url: str):  # noqa: F811
    local = urlsplit(live_url).netloc
    blocked: list[str] = []
    problems: list[str] = []

    def only_local(route: Any) -> None:
        if urlsplit(route.request.url).netloc == local:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.context.route("**/*", only_local)
    page.on("console", lambda msg: problems.append(msg.text) if msg.type in ("error", "warning") else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))

    document = httpx.get(f"{live_url}/openapi.json", timeout=30).json()
    operations = {
        (method, path) for path, item in document["paths"].items() for method in item
    }
    # An operation is listed once under each of its tags.
    listed = sum(
        len(operation.get("tags") or ["default"])
        for item in document["paths"].values() for operation in item.values()
    )
    page.goto("/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("RecruitIQ API")
    expect(page.locator(".opblock")).to_have_count(listed)
    shown = page.eval_on_selector_all(
        ".opblock",
        """blocks => blocks.map(b => [
            b.querySelector('.opblock-summary-method').textContent.toLowerCase(),
            b.querySelector('.opblock-summary-path').dataset.path])""",
    )
    assert {(method, path) for method, path in shown} == operations
    jobs = page.locator(".opblock-get", has=page.locator('[data-path="/api/v1/jobs"]'))
    expect(jobs).to_have_count(1)
    # Opening one renders its parameters, examples and highlighted JSON: more of the UI
    # that a policy could break.
    jobs.locator(".opblock-summary").click()
    expect(jobs.get_by_role("button", name="Try it out")).to_be_visible()
    expect(jobs.locator(".highlight-code").first).to_be_visible()
    # "Try it out" calls the API from the page (connect-src 'self') and shows the answer.
    health = page.locator(".opblock-get", has=page.locator('[data-path="/healthz"]'))
    health.locator(".opblock-summary").click()
    health.get_by_role("button", name="Try it out").click()
    health.get_by_role("button", name="Execute").click()
    expect(health.locator(".live-responses-table tbody .response-col_status").first).to_have_text("200")
    expect(health.locator(".live-responses-table .highlight-code").first).to_contain_text('"ok"')
    # The stylesheet applied (Swagger UI's own layout, not the browser's defaults).
    assert page.evaluate(
        "getComputedStyle(document.querySelector('.swagger-ui .opblock')).borderRadius"
    ) == "4px"
    assert not blocked, f"the page tried to reach another origin: {blocked}"
    assert not problems, problems
