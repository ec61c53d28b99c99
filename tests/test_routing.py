"""kit/routing.py: every JSON operation answers its body directly, as FastAPI would have."""

from __future__ import annotations

import inspect
import json
from datetime import UTC, datetime
from decimal import Decimal

from fastapi.dependencies.utils import get_typed_return_annotation
from fastapi.encoders import jsonable_encoder
from fastapi.routing import APIRoute
from pydantic import BaseModel

from recruitiq.app import create_app
from recruitiq.config import Settings
from recruitiq.kit.routing import ApiRoute, JsonBody


def _routes():
    app = create_app(Settings(database_url="sqlite://"), run_worker=False)
    stack = list(app.router.routes)
    while stack:
        route = stack.pop()
        inner = getattr(route, "original_router", None)
        if inner is not None:
            stack.extend(inner.routes)
        elif isinstance(route, APIRoute):
            yield route


def test_every_operation_uses_the_api_route_and_json_ones_answer_directly():
    routes = [r for r in _routes() if r.path.startswith("/api/")]
    assert routes
    assert all(isinstance(r, ApiRoute) for r in routes), [r.path for r in routes
                                                         if not isinstance(r, ApiRoute)]
    # Async endpoints run on the loop already: FastAPI's own path costs them no thread hop.
    json_routes = [r for r in routes if _returns_a_dict(r)
                   and not inspect.iscoroutinefunction(r.endpoint)]
    assert json_routes
    assert all(getattr(r.endpoint, "recruitiq_answers_directly", False) for r in json_routes)
    # Their declared response models document them; they never validate them again.
    assert any(isinstance(r.response_model, type) and issubclass(r.response_model, BaseModel)
               for r in json_routes)


def _returns_a_dict(route: APIRoute) -> bool:
    endpoint = getattr(route.endpoint, "__wrapped__", route.endpoint)
    returns = get_typed_return_annotation(endpoint)
    return getattr(returns, "__origin__", returns) is dict


class Inner(BaseModel):
    at: datetime
    amount: Decimal


def test_the_body_is_what_jsonable_encoder_gives():
    body = {"success": True, "name": "Zoë 🦊", "at": datetime(2026, 12, 1, 10, tzinfo=UTC),
            "nested": [{"n": 1, "f": 1.5, "none": None}], "model": Inner(
                at=datetime(2026, 1, 2, tzinfo=UTC), amount=Decimal("12.50")), 3: "int key"}
    rendered = JsonBody(body).body
    assert json.loads(rendered) == json.loads(json.dumps(jsonable_encoder(body)))
    assert "Zoë 🦊".encode() in rendered  # UTF-8, not escaped


def test_the_declared_status_and_response_schema_stay(client, tenant):
    created = tenant.post("/api/v1/jobs", json={"title": "Status"})
    assert created.status_code == 201 and created.headers["content-type"] == "application/json"
    document = client.get("/openapi.json").json()
    operation = document["paths"]["/api/v1/jobs"]["post"]
    assert "201" in operation["responses"]
