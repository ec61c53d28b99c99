"""Every error detail names fields as the API does (camelCase), however it was raised."""

from __future__ import annotations

from typing import Annotated

from fastapi import FastAPI, Query
from fastapi.testclient import TestClient

from recruitiq.errors import ValidationFailed, install_error_handlers
from recruitiq.kit.schema import CamelInput
from tests.support import Tenant, assert_error


class Inner(CamelInput):
    salary_min: int


class Body(CamelInput):
    hiring_manager_id: str
    salary_range: Inner


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/service")
    async def service_error() -> None:
        raise ValidationFailed("include_pii cannot be null", field="salary_range.salary_min")

    @app.post("/body")
    async def body(payload: Body) -> None:
        return None

    @app.get("/query")
    async def query(created_after: Annotated[int, Query()]) -> None:
        return None

    return app


def test_fields_are_camel_case_wherever_the_error_comes_from():
    with TestClient(_app()) as client:
        service = assert_error(client.post("/service"), 422)
        assert service["details"][0]["field"] == "salaryRange.salaryMin"
        body = assert_error(client.post("/body", json={"salaryRange": {}, "extra_key": 1}), 422)
        fields = {d["field"] for d in body["details"]}
        # an unknown key is named exactly as it was sent
        assert fields == {"hiringManagerId", "salaryRange.salaryMin", "extra_key"}, fields
        query = assert_error(client.get("/query", params={"created_after": "x"}), 422)
        assert query["details"][0]["field"] == "createdAfter"


def test_an_update_refused_by_a_service_names_the_field_in_camel_case(tenant: Tenant):
    hook = tenant.post("/api/v1/webhooks", {"url": "http://127.0.0.1:9/h", "events": ["*"]})
    hook_id = hook.json()["webhook"]["id"]
    response = tenant.put(f"/api/v1/webhooks/{hook_id}", {"includePii": None})
    assert [d["field"] for d in assert_error(response, 422)["details"]] == ["includePii"]
