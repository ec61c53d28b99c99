"""Helpers the tests share: tenants, tokens, API keys and envelope checks."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from recruitiq.auth.scopes import ALL_SCOPES


@dataclass
class Tenant:
    client: TestClient
    organization_id: str
    user_id: str
    email: str
    password: str
    token: str
    _keys: dict[tuple[str, ...], str] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def key_headers(self, *scopes: str) -> dict[str, str]:
        """Headers for an API key holding exactly ``scopes`` (all scopes when none given)."""
        wanted = tuple(sorted(scopes or ALL_SCOPES))
        if wanted not in self._keys:
            response = self.client.post(
                "/api/v1/api-keys",
                json={"name": f"test key {len(self._keys)}", "scopes": list(wanted)},
                headers=self.headers,
            )
            assert response.status_code == 201, response.text
            self._keys[wanted] = response.json()["apiKey"]["key"]
        return {"Authorization": f"Bearer {self._keys[wanted]}"}

    def post(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        return self.client.post(path, json=json, headers=kwargs.pop("headers", self.headers), **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, headers=kwargs.pop("headers", self.headers), **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        return self.client.patch(path, json=json, headers=kwargs.pop("headers", self.headers), **kwargs)

    def put(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        return self.client.put(path, json=json, headers=kwargs.pop("headers", self.headers), **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.client.delete(path, headers=kwargs.pop("headers", self.headers), **kwargs)


def register_tenant(client: TestClient, name: str) -> Tenant:
    email = f"admin-{uuid.uuid4().hex[:8]}@{name.lower()}.example"
    password = "correct horse battery staple"
    response = client.post(
        "/api/v1/auth/register",
        json={"organizationName": name, "name": f"{name} Admin", "email": email, "password": password},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return Tenant(
        client=client,
        organization_id=body["organization"]["id"],
        user_id=body["user"]["id"],
        email=email,
        password=password,
        token=body["accessToken"],
    )


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The documented error shape, with the expected status (and code)."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False
    error = body["error"]
    assert set(error) >= {"code", "message", "details", "requestId"}
    if code is not None:
        assert error["code"] == code, error
    return error  # type: ignore[no-any-return]


def field_errors(response: Any) -> set[str]:
    return {d["field"] for d in assert_error(response, 422, "validation_error")["details"]}


def event_types(client: TestClient, tenant: Tenant) -> list[str]:
    """Types of the organization's events, oldest first, straight from the outbox table."""
    from sqlalchemy import select

    from recruitiq.models import Event

    factory = client.app.state.session_factory  # type: ignore[attr-defined]
    with factory() as session:
        rows = session.scalars(
            select(Event).where(Event.organization_id == tenant.organization_id).order_by(Event.created_at, Event.id)
        )
        return [row.type for row in rows]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def live_server(app: FastAPI) -> Iterator[str]:
    """``app`` served by uvicorn on a loopback port in a thread; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, name="test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    if not server.started:
        server.should_exit = True
        raise RuntimeError("the test server did not start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
