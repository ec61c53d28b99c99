"""Edge input is a 4xx in the error shape on every operation, never a 500.

The walk reads the OpenAPI document, so a new route, query parameter or body field is
covered without touching this file. Each request carries one edge value in one place:
- every date-time parameter and body field: moments that overflow when converted to UTC;
- every string parameter, body field and array of strings: a NUL character (PostgreSQL
  refuses it); every path parameter: NUL (404);
- every ``cursor``: forged cursors (wrong shape, nested, wrong types, huge, out of range);
- every body field of an update (PATCH, PUT): ``null``, refused (422) exactly where the
  document says the field is not nullable.
Every 422 must name its fields as the API does (camelCase).
"""

from __future__ import annotations

import base64
import copy
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from recruitiq.apidoc.document import recorded_examples
from tests.support import Tenant, assert_error
from tests.test_tenancy import build_world

OVERFLOWING_MOMENTS = ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"]
WITH_NUL = "a\x00b"
NOT_IDS = {"resource": "jobs"}


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


FORGED_CURSORS = [
    _b64(b"{}"),
    _b64(b"[1, 2]"),
    _b64(b'["x", "y"]'),
    _b64(b'["2026-01-01T00:00:00", "job_1"]'),  # no offset
    _b64(b'["0001-01-01T00:00:00+01:00", "job_1"]'),
    _b64(b'["2026-01-01T00:00:00+00:00", "job_\\u0000"]'),
    _b64(b'["2026-01-01T00:00:00+00:00", "job_1", 3]'),
    _b64(b'["2026-01-01T00:00:00+00:00", ""]'),
    _b64(b"null"),
    _b64(b"[" * 100 + b"]" * 100),
    _b64(b"[" * 20_000 + b"]" * 20_000),
    "x" * 5000,
    "!!!not base64!!!",
    "é",
]


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _options(document: dict[str, Any], schema: dict[str, Any]) -> list[dict[str, Any]]:
    schema = _resolve(document, schema)
    if "anyOf" in schema or "oneOf" in schema:
        return [o for s in schema.get("anyOf", schema.get("oneOf", []))
                for o in _options(document, s)]
    return [schema]


def _nullable(document: dict[str, Any], schema: dict[str, Any]) -> bool:
    return any(o.get("type") == "null" for o in _options(document, schema))


def _is(kind: str, document: dict[str, Any], schema: dict[str, Any]) -> bool:
    options = _options(document, schema)
    if kind == "date-time":
        return any(o.get("format") == "date-time" for o in options)
    if kind == "string":
        return any(o.get("type") == "string" and o.get("format") not in ("date-time", "date",
                                                                           "binary")
                   for o in options)
    if kind == "strings":
        return any(o.get("type") == "array" and _is("string", document, o.get("items", {}))
                   for o in options)
    if kind == "object":
        return any(o.get("type") == "object" and "properties" in o for o in options)
    raise AssertionError(kind)


def _object_schema(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    return next(o for o in _options(document, schema) if o.get("type") == "object")


def _fill(path: str, ids: dict[str, str], blank: str | None = None) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == blank:
            return "%00"
        return NOT_IDS.get(name) or ids[name]

    return re.sub(r"\{([a-z_]+)\}", replace, path)


def _world_body(example: Any, ids: dict[str, str]) -> Any:
    """A recorded request example made valid here: our ids, future moments, real passwords."""
    by_prefix = {value.split("_", 1)[0]: value for value in ids.values()}
    soon = (datetime.now(UTC) + timedelta(days=2)).isoformat()

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, str):
            if re.fullmatch(r"[a-z]+_[0-9a-f]{20,}", value):
                return by_prefix.get(value.split("_", 1)[0], value)
            if re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(\+00:00|Z)", value):
                return soon
            if value == "…":
                return "a long enough password"
        return value

    return walk(example)


def _body_variants(
    document: dict[str, Any], schema: dict[str, Any], base: dict[str, Any], update: bool,
    prefix: tuple[str, ...] = (),
) -> Iterator[tuple[str, tuple[str, ...], Any, int | None]]:
    """(what, path into the body, value, expected status or None for any 4xx/2xx)."""
    schema = _object_schema(document, schema)
    for name, prop in schema.get("properties", {}).items():
        where = (*prefix, name)
        if _is("date-time", document, prop):
            for moment in OVERFLOWING_MOMENTS:
                yield "overflowing moment", where, moment, 422
        if _is("string", document, prop):
            yield "NUL", where, WITH_NUL, 422
        if _is("strings", document, prop):
            yield "NUL in a list", where, [WITH_NUL], 422
        if update and not prefix:
            yield "null", where, None, None if _nullable(document, prop) else 422
        nested = _get(base, where)
        if _is("object", document, prop) and isinstance(nested, dict):
            yield from _body_variants(document, prop, base, update, where)


def _get(body: Any, where: tuple[str, ...]) -> Any:
    for part in where:
        if not isinstance(body, dict):
            return None
        body = body.get(part)
    return body


def _with(body: dict[str, Any], where: tuple[str, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(body)
    target = changed
    for part in where[:-1]:
        target = target[part]
    target[where[-1]] = value
    return changed


def _check(response: Any, expected: int | None, label: str) -> None:
    assert response.status_code < 500, f"{label} → {response.status_code} {response.text[:500]}"
    if expected is not None:
        assert response.status_code == expected, f"{label} → {response.status_code} {response.text[:500]}"
    if response.status_code >= 400:
        error = assert_error(response, response.status_code)
        for detail in error["details"]:
            field = detail.get("field", "")
            assert not re.search(r"[a-z0-9]_[a-z0-9]", field), f"{label}: snake_case {field!r}"


def test_edge_values_are_refused_on_every_operation(client, tenant: Tenant):
    ids = build_world(tenant)
    document = client.app.openapi()
    examples = recorded_examples()
    sent = {"query": 0, "path": 0, "body": 0, "null": 0, "cursor": 0}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            name = f"{method.upper()} {path}"
            url = _fill(path, ids)
            media = operation.get("requestBody", {}).get("content", {}).get("application/json")
            base = _world_body(examples.get(name, {}).get("request"), ids) if media else None

            def send(target: str, label: str, expected: int | None, body: Any = base,
                     **kwargs: Any) -> None:
                response = client.request(method.upper(), target, json=body,
                                          headers=tenant.headers, **kwargs)
                _check(response, expected, f"{name} {label}")

            for param in operation.get("parameters", []):
                if param["in"] == "path":
                    send(_fill(path, ids, blank=param["name"]), f"NUL in {{{param['name']}}}", 404)
                    sent["path"] += 1
                    continue
                if param["in"] != "query":
                    continue
                schema = param.get("schema", {})
                values: list[tuple[str, str]] = []
                if param["name"] == "cursor":
                    values += [("forged cursor", cursor) for cursor in FORGED_CURSORS]
                    sent["cursor"] += len(FORGED_CURSORS)
                if _is("date-time", document, schema):
                    values += [("overflowing moment", m) for m in OVERFLOWING_MOMENTS]
                if _is("string", document, schema) or _is("strings", document, schema):
                    values.append(("NUL", WITH_NUL))
                for what, value in values:
                    send(url, f"{what} in ?{param['name']}={value[:40]!r}", 422,
                         params={param["name"]: value})
                    sent["query"] += 1

            if media is None or not isinstance(base, dict):
                continue
            schema = media["schema"]
            update = method in ("patch", "put")
            for what, where, value, expected in _body_variants(document, schema, base, update):
                label = f"{what} in body {'.'.join(where)}"
                send(url, label, expected, body=_with(base, where, value))
                sent["null" if value is None else "body"] += 1
    # The walk reached every kind of place (a schema change that hid them would show here).
    assert sent["path"] >= 50 and sent["query"] >= 100 and sent["body"] >= 60, sent
    assert sent["null"] >= 25 and sent["cursor"] >= 100, sent


def test_null_keeps_nullable_columns_clearable(tenant: Tenant):
    """Refusing null where a column cannot be empty leaves null working where it can."""
    job = tenant.post("/api/v1/jobs", {"title": "Engineer", "department": "R&D"}).json()["job"]
    response = tenant.patch(f"/api/v1/jobs/{job['id']}", {"department": None})
    assert response.status_code == 200, response.text
    assert response.json()["job"]["department"] is None
    refused = tenant.patch(f"/api/v1/jobs/{job['id']}", {"title": None})
    error = assert_error(refused, 422, "validation_error")
    assert [d["field"] for d in error["details"]] == ["title"]
    assert tenant.get(f"/api/v1/jobs/{job['id']}").json()["job"]["title"] == "Engineer"


def test_moments_are_normalised_to_utc_and_range_checked(tenant: Tenant):
    assert tenant.get("/api/v1/jobs", params={"createdAfter": "0001-01-02T00:00:00Z"}).status_code == 200
    assert tenant.get("/api/v1/jobs", params={"createdAfter": "9999-12-30T00:00:00Z"}).json()["jobs"] == []
    naive = tenant.get("/api/v1/jobs", params={"createdAfter": "2026-01-01T00:00:00"})
    assert assert_error(naive, 422)["details"][0]["field"] == "createdAfter"


def test_a_cursor_we_issued_still_pages(tenant: Tenant):
    for n in range(3):
        assert tenant.post("/api/v1/jobs", {"title": f"Job {n}"}).status_code == 201
    first = tenant.get("/api/v1/jobs", params={"limit": 2}).json()
    second = tenant.get("/api/v1/jobs", params={"limit": 2, "cursor": first["nextCursor"]}).json()
    assert len(first["jobs"]) == 2 and len(second["jobs"]) == 1
    decoded = json.loads(base64.urlsafe_b64decode(first["nextCursor"] + "=="))
    assert decoded[1] == first["jobs"][1]["id"]
