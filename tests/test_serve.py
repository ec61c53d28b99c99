"""``recruitiq serve --workers N``: N API processes share one port on PostgreSQL; on SQLite
the command refuses plainly, since one process already keeps its single writer busy."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support import free_port

RECRUITIQ = str(Path(sys.executable).parent / "recruitiq")


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def test_serve_with_workers(database_url, tmp_path):
    env = os.environ | {"RECRUITIQ_DATABASE_URL": database_url,
                        "RECRUITIQ_DATA_DIR": str(tmp_path)}
    port = free_port()
    command = [RECRUITIQ, "serve", "--no-worker", "--workers", "2", "--port", str(port)]
    if database_url.startswith("sqlite"):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 2
        assert "--workers needs PostgreSQL" in done.stderr
        return
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        workers = [c for c in _children(server.pid)
                   if "spawn_main" in Path(f"/proc/{c}/cmdline").read_text()]
        assert len(workers) == 2
        registered = httpx.post(f"{base}/api/v1/auth/register", json={
            "organizationName": "Workers", "name": "Wanda", "email": "wanda@workers.example",
            "password": "correct horse battery staple"}, timeout=30)
        assert registered.status_code == 201, registered.text
        token = registered.json()["accessToken"]
        with httpx.Client(base_url=base, timeout=30,
                          headers={"Authorization": f"Bearer {token}"}) as client:
            for n in range(20):  # new connections spread over the processes
                with httpx.Client(base_url=base, timeout=30, headers=client.headers) as one:
                    assert one.post("/api/v1/jobs", json={"title": f"Role {n}"}).status_code == 201
            assert client.get("/api/v1/jobs?limit=100").json()["count"] == 20
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
