"""Unknown query parameters are a 422 naming them, on every operation; declared ones are
accepted. Walks the OpenAPI document, so a new route or parameter is covered by itself."""

from __future__ import annotations

import re
from typing import Any

from tests.support import Tenant, assert_error
from tests.test_tenancy import build_world

NOT_IDS = {"resource": "jobs"}


def _fill(path: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{([a-z_]+)\}", lambda m: NOT_IDS.get(m.group(1)) or ids[m.group(1)], path)


def _plausible(schema: dict[str, Any]) -> str:
    options = schema.get("anyOf", [schema])
    for option in options:
        if "enum" in option:
            return str(option["enum"][0])
        if option.get("format") == "date-time":
            return "2020-01-01T00:00:00Z"
        if option.get("type") == "integer":
            return str(option.get("minimum", 1))
        if option.get("type") == "boolean":
            return "false"
    return "x"


def _unknown_named(response: Any) -> list[str]:
    if response.status_code != 422:
        return []
    return [d["field"] for d in response.json()["error"]["details"]
            if d["message"] == "unknown query parameter"]


def test_every_operation_refuses_unknown_and_accepts_declared_parameters(client, tenant: Tenant):
    ids = build_world(tenant)
    document = client.app.openapi()
    walked = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            name = f"{method.upper()} {path}"
            url = _fill(path, ids)
            response = client.request(method.upper(), url, params={"notAParameter": "1"},
                                      headers=tenant.headers)
            error = assert_error(response, 422, "validation_error")
            assert error["details"] == [
                {"field": "notAParameter", "message": "unknown query parameter"}
            ], name
            assert "'notAParameter'" in error["message"], name
            declared = [p for p in operation.get("parameters", []) if p["in"] == "query"]
            for param in declared:
                assert param["name"] in error["message"], (name, "accepted list", param["name"])
            # Each declared parameter passes the check (its value may still be refused).
            for param in declared:
                if method != "get":
                    continue  # a write would act; GETs prove the derived list matches
                value = _plausible(param.get("schema", {}))
                response = client.get(url, params={param["name"]: value}, headers=tenant.headers)
                assert _unknown_named(response) == [], (name, param["name"], response.text)
            walked += 1
    assert walked >= 60


def test_mistyped_filters_no_longer_return_everything(tenant: Tenant):
    build_world(tenant)
    for params in ({"referralCode": "FRIEND"}, {"assignedTo": "usr_x"}, {"jobid": "job_x"}):
        response = tenant.get("/api/v1/applications", params=params)
        assert _unknown_named(response) == list(params), response.text
    # Repeated declared parameters and several unknown ones at once.
    ok = tenant.get("/api/v1/events", params=[("type", "job.created"), ("type", "job.updated")])
    assert ok.status_code == 200, ok.text
    both = tenant.get("/api/v1/jobs", params={"a": "1", "b": "2", "limit": "1"})
    assert _unknown_named(both) == ["a", "b"]


def test_nul_in_a_query_value_is_named(tenant: Tenant):
    response = tenant.get("/api/v1/candidates", params={"q": "an\x00a"})
    error = assert_error(response, 422, "validation_error")
    assert [d["field"] for d in error["details"]] == ["q"]


def test_pages_outside_the_document_are_exempt(client):
    assert client.get("/docs", params={"v": "1"}).status_code == 200
    assert client.get("/portal", params={"v": "1"}).status_code == 200
    assert client.get("/openapi.json", params={"v": "1"}).status_code == 200
