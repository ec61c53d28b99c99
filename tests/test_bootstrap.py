"""`recruitiq bootstrap` prints credentials that work, the first time only.

The command runs for real (the installed `recruitiq` entry point, in a child process, against
a database made by `recruitiq db upgrade`), exactly as `make run` does; what it printed is
then used as a newcomer would: signing in through the API and the portal, calling the API
with the key. On SQLite (the default file under the data directory) and on PostgreSQL.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from typing import Any

import httpx
import pytest
from email_validator import EmailNotValidError, validate_email
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from recruitiq.app import create_app
from recruitiq.auth.schemas import LoginIn
from recruitiq.bootstrap import DEMO_EMAIL, DEMO_ORGANIZATION, LEGACY_DEMO_EMAILS
from recruitiq.config import Settings
from tests.conftest import scratch_pg_database
from tests.portal.conftest import Operator, chromium, live_url, page  # noqa: F401
from tests.portal.helpers import sign_in

ROOT = Path(__file__).resolve().parents[1]
# The console script installed beside the interpreter running the tests (.venv/bin/recruitiq).
ENTRY_POINT = Path(sys.executable).with_name("recruitiq")


def test_the_demo_address_passes_the_validation_sign_in_applies():
    # The same library and options as pydantic's EmailStr, then the login schema itself.
    assert validate_email(DEMO_EMAIL, check_deliverability=False).normalized == DEMO_EMAIL
    assert LoginIn.model_validate({"email": DEMO_EMAIL, "password": "x"}).email == DEMO_EMAIL
    for legacy in LEGACY_DEMO_EMAILS:
        with pytest.raises(EmailNotValidError):
            validate_email(legacy, check_deliverability=False)


def test_the_default_sender_is_a_valid_address():
    validate_email(parseaddr(Settings().mail_from)[1], check_deliverability=False)


ADDRESS = re.compile(r"[\w.+-]+@(?:[\w-]+\.)+[A-Za-z]{2,}\b")
SHIPPED = ["src", "docs", "README.md", "integrations/activepieces/src",
           "integrations/activepieces/templates", "integrations/activepieces/README.md"]
TEXT_SUFFIXES = {".py", ".md", ".json", ".ts", ".js", ".html", ".txt", ".toml"}


def _shipped_files() -> Iterator[Path]:
    for name in SHIPPED:
        path = ROOT / name
        if path.is_file():
            yield path
        elif path.is_dir():
            yield from (p for p in path.rglob("*") if p.suffix in TEXT_SUFFIXES and p.is_file())


def test_no_address_the_project_prints_seeds_or_documents_is_refused_by_sign_in():
    # Example and seed addresses are what people copy into the login form and the API.
    refused = {}
    for path in _shipped_files():
        for address in ADDRESS.findall(path.read_text(encoding="utf-8", errors="replace")):
            if address in LEGACY_DEMO_EMAILS:
                continue
            try:
                validate_email(address, check_deliverability=False)
            except EmailNotValidError as exc:
                refused[f"{path.relative_to(ROOT)}: {address}"] = str(exc)
    assert not refused, refused


@dataclass
class Install:
    """A fresh data directory and database, driven by the real commands."""

    cwd: Path
    env: dict[str, str]
    settings: Settings

    def run(self, *args: str) -> str:
        result = subprocess.run(
            [str(ENTRY_POINT), *args], cwd=self.cwd, env=self.env, capture_output=True,
            text=True, timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def sql(self, statement: str, **params: Any) -> None:
        engine = create_engine(self.settings.resolved_database_url)
        with engine.begin() as conn:
            conn.execute(text(statement), params)
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def install(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Install]:
    assert ENTRY_POINT.exists(), f"no `recruitiq` entry point beside {sys.executable}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECRUITIQ_")}
    if request.param == "sqlite":
        # Nothing set: the defaults `make run` uses, a SQLite file under ./data.
        yield _installed(Install(tmp_path, env, Settings(data_dir=tmp_path / "data",
                                                         database_url=None)))
        return
    with scratch_pg_database() as url:
        env["RECRUITIQ_DATABASE_URL"] = url
        yield _installed(Install(tmp_path, env, Settings(data_dir=tmp_path / "data",
                                                         database_url=url)))


def _installed(install: Install) -> Install:
    assert "up to date" in install.run("db", "upgrade")
    return install


@pytest.fixture
def app(install: Install) -> Iterator[FastAPI]:
    """The server the browser talks to, on the database the commands made."""
    application = create_app(install.settings, run_worker=False)
    yield application
    application.state.engine.dispose()


def _printed(output: str, label: str) -> str:
    match = re.search(rf"^\s*{label}\s*:\s*(\S+)", output, re.MULTILINE)
    assert match, f"no {label!r} line in:\n{output}"
    return match.group(1)


def _login(api: httpx.Client | TestClient, email: str, password: str) -> httpx.Response:
    return api.post("/api/v1/auth/login", json={"email": email, "password": password})


def test_bootstrap_prints_credentials_that_sign_in_and_call_the_api(
    install: Install, live_url: str, page: Any  # noqa: F811
):
    first = install.run("bootstrap")
    assert "demo organization created" in first
    email = _printed(first, "login e-mail")
    password = _printed(first, "password")
    api_key = _printed(first, "API key")
    assert email == DEMO_EMAIL
    assert api_key.startswith("riq_live_")

    with httpx.Client(base_url=live_url, timeout=30) as api:
        login = _login(api, email, password)
        assert login.status_code == 200, login.text
        me = api.get("/api/v1/auth/me",
                     headers={"Authorization": f"Bearer {login.json()['accessToken']}"})
        assert me.status_code == 200, me.text
        assert me.json()["user"]["email"] == DEMO_EMAIL
        jobs = api.get("/api/v1/jobs", headers={"Authorization": f"Bearer {api_key}"})
        assert jobs.status_code == 200, jobs.text
        assert jobs.json()["jobs"] == []
        created = api.post("/api/v1/jobs", headers={"Authorization": f"Bearer {api_key}"},
                           json={"title": "First hire"})
        assert created.status_code == 201, created.text

        sign_in(page, Operator(email, password, DEMO_ORGANIZATION, "Demo Admin", api))

    again = install.run("bootstrap")
    assert "already exists" in again
    assert DEMO_EMAIL in again
    assert password not in again and api_key not in again and "riq_live_" not in again
    assert "--reset-password" in again


def test_a_demo_admin_with_the_old_refused_address_is_moved_and_keeps_its_password(
    install: Install, app: FastAPI
):
    first = install.run("bootstrap")
    password = _printed(first, "password")
    # What a database bootstrapped by an earlier version holds.
    install.sql("UPDATE users SET email = :old WHERE email = :new",
                old=LEGACY_DEMO_EMAILS[0], new=DEMO_EMAIL)

    moved = install.run("bootstrap")
    assert "already exists" in moved
    assert f"{LEGACY_DEMO_EMAILS[0]}, which sign-in refuses" in moved
    assert f"it is now {DEMO_EMAIL}, same password" in moved
    assert _printed(moved, "login e-mail") == DEMO_EMAIL
    assert password not in moved and "riq_live_" not in moved
    with TestClient(app) as client:
        assert _login(client, DEMO_EMAIL, password).status_code == 200
    assert "refuses" not in install.run("bootstrap")


def test_reset_password_prints_a_new_password_that_replaces_the_old_one(
    install: Install, app: FastAPI
):
    first = install.run("bootstrap")
    old = _printed(first, "password")
    api_key = _printed(first, "API key")

    reset = install.run("bootstrap", "--reset-password")
    new = _printed(reset, "password")
    assert new != old
    assert "riq_live_" not in reset
    with TestClient(app) as client:
        assert _login(client, DEMO_EMAIL, old).status_code == 401
        assert _login(client, DEMO_EMAIL, new).status_code == 200
        # The key printed at creation still works: a reset replaces the password only.
        jobs = client.get("/api/v1/jobs", headers={"Authorization": f"Bearer {api_key}"})
        assert jobs.status_code == 200


def test_an_organization_of_someone_else_with_the_demo_address_is_not_taken_for_the_demo(
    install: Install, app: FastAPI
):
    """An e-mail is unique per organization and registration is open: someone may register
    the demo's address first. Bootstrap still makes the demo and leaves theirs alone."""
    with TestClient(app) as client:
        theirs = client.post("/api/v1/auth/register", json={
            "organizationName": "Someone Else", "name": "Someone", "email": DEMO_EMAIL,
            "password": "their own long password"})
        assert theirs.status_code == 201, theirs.text
    first = install.run("bootstrap")
    assert "demo organization created" in first
    password = _printed(first, "password")
    assert "riq_live_" in first
    install.run("bootstrap", "--reset-password")
    with TestClient(app) as client:
        assert _login(client, DEMO_EMAIL, "their own long password").status_code == 200
        assert _login(client, DEMO_EMAIL, password).status_code == 401  # reset: the demo's
