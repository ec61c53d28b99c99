"""The API side of a suite: `recruitiq serve` as a process, calls through its real API, and
the operator's commands."""

from __future__ import annotations

import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from suites.processes import RECRUITIQ, children, free_port, wait_until

PASSWORD = "correct horse battery staple"


class Api:
    """`recruitiq serve` on a free loopback port, its log in a file (a pipe left unread
    would stall a long run)."""

    def __init__(self, env: dict[str, str], log: Path, *extra: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [RECRUITIQ, "serve", "--host", "127.0.0.1", "--port", str(self.port), *extra],
            env=env, stdout=self.log, stderr=self.log)

        def up() -> bool:
            if self.process.poll() is not None:
                raise RuntimeError(f"recruitiq serve exited with {self.process.returncode}; "
                                   f"see {log}")
            try:
                return httpx.get(self.base + "/healthz", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False
        try:
            wait_until(up, 90, "recruitiq serve", pause=0.1)
        except BaseException:
            self.stop()
            raise

    def pids(self) -> dict[str, int]:
        """The serve process, and the API processes it forked (--workers N)."""
        found = {"serve": self.process.pid}
        spawned = [pid for pid in children(self.process.pid)
                   if "spawn_main" in _cmdline(pid)]
        found |= {f"serve api {n}": pid for n, pid in enumerate(spawned)}
        return found

    def stop(self) -> int | None:
        if self.process.poll() is None:
            self.process.terminate()
        try:
            code = self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = None
        self.log.close()
        return code

    def tracebacks(self) -> int:
        return self.log_path.read_text(errors="replace").count("Traceback")


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text()
    except OSError:
        return ""


def send(client: httpx.Client, method: str, path: str, body: Any = None,
         idempotent: bool = False) -> dict[str, Any]:
    """One API call, repeated after a 503's or 429's Retry-After (nothing was done); an
    Idempotency-Key makes a repeated POST safe whatever happened."""
    headers = {"Idempotency-Key": uuid.uuid4().hex} if idempotent else {}
    for _ in range(100):
        response = client.request(method, path, json=body, headers=headers)
        if response.status_code in (429, 503):
            time.sleep(float(response.headers.get("Retry-After", "1")))
            continue
        if response.status_code >= 300:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text}")
        return response.json() if response.content else {}
    raise RuntimeError(f"{method} {path}: still {response.status_code} after 100 tries")


def register(base: str, label: str, scopes: list[str]) -> tuple[str, str]:
    """An organization through the API; returns (organization id, an API key)."""
    stamp = uuid.uuid4().hex[:8]
    with httpx.Client(base_url=base, timeout=60) as client:
        registered = send(client, "POST", "/api/v1/auth/register", {
            "organizationName": f"{label} {stamp}", "name": f"{label} Admin",
            "email": f"{label.lower().replace(' ', '-')}-{stamp}@example.com",
            "password": PASSWORD})
        client.headers["Authorization"] = f"Bearer {registered['accessToken']}"
        key = send(client, "POST", "/api/v1/api-keys", {"name": label, "scopes": scopes})
    return registered["organization"]["id"], key["apiKey"]["key"]


def keyed(base: str, key: str) -> httpx.Client:
    return httpx.Client(base_url=base, timeout=60, headers={"Authorization": f"Bearer {key}"})


def set_plan(env: dict[str, str], organization_id: str, plan: str) -> None:
    """The operator's command (`recruitiq orgs set-plan`)."""
    subprocess.run([RECRUITIQ, "orgs", "set-plan", organization_id, plan], env=env,
                   check=True, stdout=subprocess.DEVNULL)
