"""Security headers on every response; pages that set their own keep them."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from recruitiq.app import create_app
from recruitiq.config import Settings
from tests.resumes.files import pdf_with_text
from tests.support import Tenant

EVERYWHERE = {"x-content-type-options": "nosniff", "referrer-policy": "no-referrer",
              "x-frame-options": "DENY"}


def _has(response, expected: dict[str, str]) -> None:
    for name, value in expected.items():
        assert response.headers.get(name) == value, (response.request.url, name, response.headers)


def test_api_answers_are_not_sniffed_or_cached(client: TestClient, tenant: Tenant):
    answers = [
        tenant.get("/api/v1/jobs"),
        tenant.post("/api/v1/jobs", {"title": "Engineer"}),
        tenant.post("/api/v1/jobs", {"title": ""}),  # 422
        client.get("/api/v1/jobs"),  # 401
        tenant.get("/api/v1/jobs/job_missing"),  # 404
        client.get("/api/v1/no-such-route"),
        client.post("/api/v1/auth/login", json={"email": tenant.email, "password": tenant.password}),
    ]
    for response in answers:
        _has(response, {**EVERYWHERE, "cache-control": "no-store"})
        assert "strict-transport-security" not in response.headers  # development mode
    healthz = client.get("/healthz")
    _has(healthz, EVERYWHERE)
    assert "cache-control" not in healthz.headers


def test_pages_keep_their_own_policies(client: TestClient, tenant: Tenant):
    docs = client.get("/docs")
    assert docs.headers["content-security-policy"].startswith("default-src 'none'")
    assert docs.headers["cache-control"] == "no-cache"
    assert docs.headers.get_list("x-content-type-options") == ["nosniff"]  # not doubled
    portal = client.get("/portal")
    assert "script-src 'self'" in portal.headers["content-security-policy"]
    candidate = tenant.post("/api/v1/candidates", {
        "firstName": "Ana", "lastName": "Lima", "email": "ana@acme.example"}).json()["candidate"]
    url = f"/api/v1/candidates/{candidate['id']}/resume"
    tenant.client.put(url, files={"file": ("cv.pdf", pdf_with_text("Ana"), "application/pdf")},
                      headers=tenant.headers)
    download = tenant.get(url)
    assert download.status_code == 200
    assert download.headers["cache-control"] == "private, no-store"


def test_production_mode_sends_strict_transport_security(tmp_path: Path):
    settings = Settings(env="production", secret_key="s" * 40,
                        database_url=f"sqlite:///{tmp_path / 'x.db'}", data_dir=tmp_path)
    with TestClient(create_app(settings, run_worker=False)) as client:
        for response in (client.get("/healthz"), client.get("/api/v1/jobs"), client.get("/docs")):
            assert response.headers["strict-transport-security"] == (
                "max-age=31536000; includeSubDomains"), response.request.url
            _has(response, {"x-content-type-options": "nosniff"})
