"""Who may read /metrics: a token when one is set; loopback (and the allowlist) in production."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from recruitiq.app import create_app
from recruitiq.config import Settings
from tests.support import assert_error

LOOPBACK = ("127.0.0.1", 50000)
REMOTE = ("203.0.113.7", 50000)


@pytest.fixture(autouse=True)
def _database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Both databases: the scrape reads the delivery queue.
    monkeypatch.setenv("RECRUITIQ_DATABASE_URL", database_url)


def _client(tmp_path: Path, address: tuple[str, int], **settings: object) -> TestClient:
    config = Settings(data_dir=tmp_path, **settings)  # type: ignore[arg-type]
    return TestClient(create_app(config, run_worker=False), client=address)


def test_development_without_a_token_is_open(tmp_path: Path):
    with _client(tmp_path, REMOTE) as client:
        assert client.get("/metrics").status_code == 200


def test_production_without_a_token_is_loopback_and_allowlist_only(tmp_path: Path):
    production = {"env": "production", "secret_key": "s" * 40}
    with _client(tmp_path, REMOTE, **production) as client:
        assert_error(client.get("/metrics"), 403, "forbidden")
    with _client(tmp_path, LOOPBACK, **production) as client:
        response = client.get("/metrics")
        assert response.status_code == 200 and "recruitiq_webhook_queue_depth" in response.text
    with _client(tmp_path, REMOTE, metrics_allowlist="203.0.113.0/24", **production) as client:
        assert client.get("/metrics").status_code == 200


@pytest.mark.parametrize("env", ["development", "production"])
def test_a_token_is_required_when_set(tmp_path: Path, env: str):
    with _client(tmp_path, LOOPBACK, env=env, secret_key="s" * 40,
                 metrics_token="scrape-me-please") as client:
        refused = client.get("/metrics")
        assert_error(refused, 401, "unauthorized")
        assert refused.headers["www-authenticate"] == "Bearer"
        wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert_error(wrong, 401, "unauthorized")
        right = client.get("/metrics", headers={"Authorization": "Bearer scrape-me-please"})
        assert right.status_code == 200


def test_a_bad_allowlist_stops_start_up():
    with pytest.raises(ValueError, match="metrics_allowlist"):
        Settings(metrics_allowlist="not-a-network")
