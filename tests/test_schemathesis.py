"""schemathesis over the whole OpenAPI document against a live server (uvicorn on loopback):
no server error, and every answer inside the schema the document gives for its status.

Every operation gets a bounded number of generated requests, valid and invalid ones, from a
fixed seed, so a run is repeatable; the failures of all operations are reported together. Requests carry a real API
key holding every scope, or the admin's login token where only a signed-in user may act.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from recruitiq.app import create_app
from recruitiq.config import Settings
from tests.conftest import clear_tables
from tests.support import live_server, register_tenant

schemathesis = pytest.importorskip("schemathesis")
hypothesis = pytest.importorskip("hypothesis")

EXAMPLES_PER_OPERATION = 20
SEED = 20261201
# Operations a key may not perform (keys are minted and users managed by signed-in users).
USER_ONLY = ("/api/v1/api-keys", "/api/v1/users")


@pytest.fixture
def fuzzed_app(database_url: str, tmp_path: Path) -> Iterator[FastAPI]:
    # The quota would otherwise answer most of the run 429 (tests/ratelimit covers it).
    settings = Settings(database_url=database_url, data_dir=tmp_path / "data",
                        api_rate_limits={"free": 1_000_000})
    app = create_app(settings, run_worker=False)
    yield app
    app.state.engine.dispose()
    clear_tables(database_url)


def _checks() -> list[Any]:
    from schemathesis.checks import not_a_server_error, response_schema_conformance

    return [not_a_server_error, response_schema_conformance]


def _fuzz(operation: Any, mode: Any, base_url: str, headers: dict[str, str],
          known: dict[str, str], checks: list[Any], failures: list[str]) -> int:
    calls = 0
    names = {p.name for p in operation.path_parameters}
    strategy = operation.as_strategy(mode, path_parameters={
        name: value for name, value in known.items() if name in names} or None)

    @hypothesis.settings(
        max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )
    @hypothesis.seed(SEED)
    @hypothesis.given(case=strategy)
    def run(case: Any) -> None:
        nonlocal calls
        calls += 1
        response = case.call(base_url=base_url, headers=headers, timeout=30)
        try:
            case.validate_response(response, checks=checks)
        except (Exception, BaseExceptionGroup) as exc:  # every failure, not the first
            failures.append(f"{operation.label} ({mode.value}): {response.status_code} "
                            f"{str(exc)[:600]}")

    try:
        run()
    except hypothesis.errors.Unsatisfiable:  # nothing to send wrong (no parameters, no body)
        assert mode.value == "negative", operation.label
    return calls


def test_every_operation_answers_within_its_documented_schema(fuzzed_app: FastAPI) -> None:
    client = TestClient(fuzzed_app)
    tenant = register_tenant(client, "Fuzz")
    user = tenant.headers
    key = tenant.key_headers()
    jobs = [tenant.post("/api/v1/jobs", json={"title": title}) for title in ("Fuzzed", "Other")]
    # Operations on a job of this organization, besides the random ids (404s).
    known = {"job_id": jobs[0].json()["job"]["id"]}
    schema = schemathesis.openapi.from_dict(fuzzed_app.openapi())
    checks = _checks()
    failures: list[str] = []
    calls = 0

    with live_server(fuzzed_app) as base_url:
        for result in schema.get_all_operations():
            operation = result.ok()
            headers = user if operation.path.startswith(USER_ONLY) else key
            for mode in schemathesis.GenerationMode:  # valid requests, then invalid ones
                calls += _fuzz(operation, mode, base_url, headers, known, checks, failures)

    assert calls >= len(list(schema.get_all_operations())) * 4
    assert not failures, "\n\n".join(failures[:40]) + f"\n\n{len(failures)} failures"
