"""Request bodies are capped while they stream in, and error details are capped too."""

from __future__ import annotations

import json
import select
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from recruitiq.app import create_app
from recruitiq.config import Settings
from tests.resumes.files import pdf_with_text
from tests.support import Tenant, assert_error, live_server

MAX_BODY = 64 * 1024


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, data_dir=tmp_path / "data",
                    max_body_bytes=MAX_BODY, resume_max_bytes=4 * MAX_BODY)


def _job_body(size: int) -> bytes:
    return json.dumps({"title": "Big", "description": "x" * size}).encode()


def _jobs(tenant: Tenant) -> list[dict]:
    return tenant.get("/api/v1/jobs").json()["jobs"]  # type: ignore[no-any-return]


def test_a_declared_length_over_the_cap_is_refused(tenant: Tenant):
    headers = {**tenant.headers, "Content-Type": "application/json"}
    response = tenant.client.post("/api/v1/jobs", content=_job_body(MAX_BODY), headers=headers)
    error = assert_error(response, 413, "payload_too_large")
    assert str(MAX_BODY) in error["message"]
    assert response.headers["connection"] == "close"
    assert _jobs(tenant) == []
    # Just under the cap is fine (the description's own limit is 50,000 characters).
    assert tenant.post("/api/v1/jobs", {"title": "Fits", "description": "x" * 49_000}).status_code == 201


def _chunks(total: int, size: int = 8192) -> Iterator[bytes]:
    body = _job_body(total)
    for start in range(0, len(body), size):
        yield body[start:start + size]


@pytest.mark.parametrize("idempotent", [False, True])
def test_a_chunked_body_is_counted_as_it_arrives(tenant: Tenant, idempotent: bool):
    headers = {**tenant.headers, "Content-Type": "application/json"}
    if idempotent:  # the idempotency layer reads the body itself, outside the app's handlers
        headers["Idempotency-Key"] = "big-one"
    response = tenant.client.post("/api/v1/jobs", content=_chunks(2 * MAX_BODY), headers=headers)
    assert_error(response, 413, "payload_too_large")
    assert _jobs(tenant) == []
    if idempotent:  # not remembered: the same key with a body that fits works
        retry = tenant.post("/api/v1/jobs", {"title": "Small"}, headers=headers)
        assert retry.status_code == 201, retry.text


def test_the_resume_upload_has_its_own_larger_cap(tenant: Tenant):
    candidate = tenant.post("/api/v1/candidates", {
        "firstName": "Ana", "lastName": "Lima", "email": "ana@acme.example"}).json()["candidate"]
    url = f"/api/v1/candidates/{candidate['id']}/resume"
    pdf = pdf_with_text("Ana Lima " + "platform engineer " * 20) + b"%" + b"x" * (2 * MAX_BODY)
    ok = tenant.client.put(url, files={"file": ("cv.pdf", pdf, "application/pdf")},
                           headers=tenant.headers)
    assert ok.status_code == 200, ok.text
    too_big = pdf + b"x" * (4 * MAX_BODY)
    refused = tenant.client.put(url, files={"file": ("cv.pdf", too_big, "application/pdf")},
                                headers=tenant.headers)
    assert_error(refused, 413, "payload_too_large")


def test_validation_details_are_capped(tenant: Tenant):
    body = {"title": "x", **{f"unknown{n}": 1 for n in range(25)}}
    response = tenant.post("/api/v1/jobs", body)
    error = assert_error(response, 422, "validation_error")
    assert len(error["details"]) == 20
    assert "25 problems" in error["message"]
    assert error["details"][0] == {"field": "unknown0", "message": "Extra inputs are not permitted"}


def test_many_unknown_fields_are_one_error(tenant: Tenant):
    body = {"title": "x", **{f"unknown{n}": 1 for n in range(3000)}}
    response = tenant.post("/api/v1/jobs", body)
    error = assert_error(response, 422, "validation_error")
    assert len(error["details"]) == 1 and error["details"][0]["field"] == "body"
    assert "3000 unknown fields ('unknown0', 'unknown1'" in error["details"][0]["message"]
    assert len(response.content) < 1000
    assert _jobs(tenant) == []


def _read_status(sock: socket.socket) -> bytes:
    sock.settimeout(30)  # a guard against a hang, not a measurement
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def test_a_live_server_answers_before_reading_a_huge_body(app, tenant: Tenant):
    with live_server(app) as base:
        port = int(base.rsplit(":", 1)[1])
        auth = tenant.headers["Authorization"].encode()
        # 60 MB declared, 1 KB sent: the answer comes without the rest.
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(b"POST /api/v1/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: " + auth
                         + b"\r\nContent-Type: application/json\r\nContent-Length: 60000000\r\n\r\n"
                         + b"{" + b" " * 1023)
            head = _read_status(sock)
            assert head.startswith(b"HTTP/1.1 413"), head[:200]
            assert b"connection: close" in head.lower()
        # Chunked, no length: refused once the count passes the cap, long before 60 MB.
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(b"POST /api/v1/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: " + auth
                         + b"\r\nContent-Type: application/json\r\n"
                         + b"Transfer-Encoding: chunked\r\n\r\n")
            sent, chunk = 0, b" " * 8192
            while sent < 60_000_000:
                readable, _, _ = select.select([sock], [], [], 0)
                if readable:
                    break
                try:
                    sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                except (BrokenPipeError, ConnectionResetError):
                    break
                sent += len(chunk)
            head = _read_status(sock)
            assert head.startswith(b"HTTP/1.1 413"), head[:200]
            assert sent < 30_000_000, sent  # answered mid-body (the kernel buffers some MB)
    with TestClient(app):
        assert _jobs(tenant) == []


def test_the_cap_is_a_setting(tmp_path: Path):
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}", max_body_bytes=10),
                     run_worker=False)
    with TestClient(app) as client:
        response = client.post("/api/v1/auth/login", content=b'{"email": "a@b.example"}',
                               headers={"Content-Type": "application/json"})
        assert_error(response, 413, "payload_too_large")
