"""/openapi.json describes every operation, with a real request and response example."""

from __future__ import annotations

from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator

from recruitiq.apidoc.document import recorded_examples
from recruitiq.apidoc.record import record_examples, sample_pdf
from recruitiq.app import create_app
from recruitiq.config import Settings


def _operations(document: dict) -> dict[str, dict]:
    return {
        f"{method.upper()} {path}": operation
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    }


def test_the_scenario_still_exercises_every_operation_successfully():
    # Each call in the scenario asserts a 2xx; a new route must be added to the scenario.
    examples = record_examples(sample_pdf())
    app = create_app(Settings(database_url="sqlite://"), run_worker=False)
    assert set(examples) == set(_operations(app.openapi()))


def test_every_operation_is_documented_with_examples(tmp_path):
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'db'}"), run_worker=False)
    with TestClient(app) as client:
        document = client.get("/openapi.json").json()
        assert client.get("/docs").status_code == 200
    operations = _operations(document)
    assert set(recorded_examples()) == set(operations), "run: python -m recruitiq.apidoc.record"
    for name, operation in operations.items():
        assert operation.get("description") or operation.get("summary"), name
        success = [s for s in operation["responses"] if s.startswith("2")]
        assert len(success) == 1, (name, list(operation["responses"]))
        content = operation["responses"][success[0]].get("content")
        if success[0] != "204":
            assert any("example" in media for media in content.values()), name
            for media in content.values():  # a schema clients can generate types from
                assert not _open_object(document, media.get("schema", {})), name
        if "requestBody" in operation and "json" in str(operation["requestBody"]["content"]):
            media = operation["requestBody"]["content"]["application/json"]
            assert "example" in media, f"{name} has no request example"
        if "security" in operation:
            assert {"401", "403"} <= set(operation["responses"]), name
        error = operation["responses"].get("422") or operation["responses"].get("401")
        if error:
            assert error["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"
            }
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_every_recorded_answer_fits_its_documented_schema():
    document = create_app(Settings(database_url="sqlite://"), run_worker=False).openapi()
    checked = 0
    for name, operation in _operations(document).items():
        for status, response in operation["responses"].items():
            for media in response.get("content", {}).values():
                if "schema" in media and "example" in media:
                    schema = {**media["schema"], "components": document["components"]}
                    errors = [e.message for e in Draft202012Validator(schema).iter_errors(
                        media["example"])]
                    assert not errors, (name, status, errors[:3])
                    checked += 1
    assert checked > len(_operations(document))  # the successes and the errors


def _open_object(document: dict, schema: dict) -> bool:
    """An object schema that names none of its fields (``dict[str, Any]``), or no schema."""
    ref = schema.get("$ref")
    if ref:
        schema = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    if not schema:
        return True
    return schema.get("type") == "object" and not schema.get("properties")


def _secret_values(value: object) -> list[str]:
    if isinstance(value, dict):
        found = [
            str(v) for k, v in value.items() if k in ("accessToken", "secret", "key", "password")
        ]
        return found + [s for v in value.values() for s in _secret_values(v)]
    if isinstance(value, list):
        return [s for v in value for s in _secret_values(v)]
    return []


def test_examples_hold_no_live_secrets():
    values = _secret_values(recorded_examples())
    assert values, "the examples show where secrets appear"
    assert set(values) <= {"riq_live_…", "whsec_…", "…", "None"}, set(values)
