"""``/openapi.json``: FastAPI's document, plus our error shape and recorded examples."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

EXAMPLES_FILE = Path(__file__).with_name("examples.json")

ERROR_SCHEMA = {
    "type": "object",
    "required": ["success", "error"],
    "properties": {
        "success": {"type": "boolean", "const": False},
        "error": {
            "type": "object",
            "required": ["code", "message", "details", "requestId"],
            "properties": {
                "code": {"type": "string", "examples": ["validation_error"]},
                "message": {"type": "string"},
                "details": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                    },
                },
                "requestId": {"type": "string"},
            },
        },
    },
}

ERRORS = {
    "401": (
        "Missing, invalid, expired or revoked token",
        "unauthorized",
        "The token is invalid, expired or revoked",
        [],
    ),
    "403": (
        "The token lacks the scope (or role) this operation needs",
        "missing_scope",
        "This token lacks the 'jobs:write' scope this operation needs",
        [{"field": "scope", "message": "jobs:write"}],
    ),
    "404": ("No such id in your organization", "not_found", "Job 'job_0193…' not found", []),
    "422": (
        "The request is not valid; nothing was written",
        "validation_error",
        "The request is not valid",
        [{"field": "title", "message": "String should have at least 1 character"}],
    ),
    "409": (
        "A conflict or an illegal state change; nothing was written",
        "invalid_transition",
        "Job 'job_0193…' cannot move from closed to draft",
        [],
    ),
    "413": ("The request body is too large", "payload_too_large",
            "The request body is larger than 2097152 bytes", []),
    "429": (
        "The organization's API quota for this minute is used up (RateLimit headers); "
        "retry after Retry-After seconds",
        "rate_limited",
        "This organization's API quota of 600 requests per minute is used up; "
        "retry after 42 seconds",
        [],
    ),
    "503": ("The server is at capacity and did nothing; retry after Retry-After seconds",
            "overloaded", "The server is at capacity; nothing was done. Retry after "
            "Retry-After seconds", []),
}
# Which operations each error applies to; the rest apply to every operation.
_WRITES = {"post", "put", "patch", "delete"}
SIGN_IN = "/api/v1/auth/login"


@cache
def recorded_examples() -> dict[str, dict[str, Any]]:
    if not EXAMPLES_FILE.exists():
        return {}
    loaded: dict[str, dict[str, Any]] = json.loads(EXAMPLES_FILE.read_text(encoding="utf-8"))
    return loaded


def _error_response(
    description: str, code: str, message: str, details: list[Any]
) -> dict[str, Any]:
    example = {
        "success": False,
        "error": {
            "code": code,
            "message": message,
            "details": details,
            "requestId": "req_5f2c9e1a7b3d4c6e",
        },
    }
    return {
        "description": description,
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/Error"},
                "example": example,
            }
        },
    }


def _add_examples(operation: dict[str, Any], example: dict[str, Any]) -> None:
    body = operation.get("requestBody", {}).get("content", {})
    for media in body.values():
        if "request" in example:
            media["example"] = example["request"]
    status = str(example["status"])
    response = operation["responses"].setdefault(status, {"description": "Success"})
    if "response" in example:
        media = response.setdefault("content", {}).setdefault("application/json", {})
        media["example"] = example["response"]
    elif "responseText" in example:
        response.setdefault("content", {})[example["contentType"]] = {
            "schema": {"type": "string"},
            "example": example["responseText"],
        }
    if status != "200" and "200" in operation["responses"] and status.startswith("2"):
        # FastAPI documents 200 by default; the recorded status is the real one.
        operation["responses"].pop("200")


def build_document(app: FastAPI) -> dict[str, Any]:
    document = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    examples = recorded_examples()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status, (description, code, message, details) in ERRORS.items():
                needs_auth = status in ("401", "403", "429")
                signs_in = path == SIGN_IN and status in ("401", "429")  # wrong password, throttle
                if (needs_auth and "security" not in operation and not signs_in) or (
                    status == "404" and "{" not in path
                ) or (status == "409" and method not in _WRITES) or (
                    status == "413" and "requestBody" not in operation
                ):
                    continue
                responses[status] = _error_response(description, code, message, details)
            example = examples.get(f"{method.upper()} {path}")
            if example is not None:
                _add_examples(operation, example)
    return document


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
