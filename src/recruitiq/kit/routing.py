"""The API's routes: an endpoint that returns a JSON body answers it directly.

An endpoint declared ``-> dict[str, Any]`` builds its body from the output schemas, already
JSON-ready. FastAPI would still validate it against ``dict[str, Any]`` on a second thread
hop and walk it with ``jsonable_encoder``, which cost about as much as the request's own
work (1 ms for a page of 25 jobs). Here the endpoint's own thread commits the request's
transaction (no third hop, and SQLite's writer lock is held for the work alone) and encodes
the body with orjson, producing the same bytes. The operation's response model is
for the OpenAPI document only: the ``response_model=`` the route declares (the feature's
output envelope, which every JSON operation declares: ``tests/test_openapi.py``), else the
declared return type. Every router is made with :func:`api_router`;
``tests/test_routing.py`` holds every route to it.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import orjson
from fastapi import APIRouter
from fastapi.datastructures import DefaultPlaceholder
from fastapi.dependencies.utils import get_typed_return_annotation, get_typed_signature
from fastapi.encoders import jsonable_encoder
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.responses import JSONResponse, Response

_ANSWERS_DIRECTLY = "recruitiq_answers_directly"
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS


class JsonBody(JSONResponse):
    """The body as ``jsonable_encoder`` would give it (datetimes included), via orjson."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, default=jsonable_encoder, option=_OPTIONS)


def _answering_directly(endpoint: Callable[..., Any], status_code: int) -> Callable[..., Any]:
    @functools.wraps(endpoint)
    def answer(*args: Any, **kwargs: Any) -> Response:
        body = endpoint(*args, **kwargs)
        for value in kwargs.values():
            if isinstance(value, Session) and value.in_transaction():
                value.commit()  # the request's transaction (deps.DbSession), before answering
        return JsonBody(body, status_code=status_code)

    # Annotations already resolved: FastAPI would look string ones up in this module.
    answer.__signature__ = get_typed_signature(endpoint).replace(  # type: ignore[attr-defined]
        return_annotation=Response
    )
    setattr(answer, _ANSWERS_DIRECTLY, True)
    return answer


class ApiRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        returns = get_typed_return_annotation(endpoint)
        direct = (
            getattr(returns, "__origin__", returns) is dict
            and not getattr(endpoint, _ANSWERS_DIRECTLY, False)
            and not inspect.iscoroutinefunction(endpoint)
        )
        if direct:
            if isinstance(kwargs.get("response_model", DefaultPlaceholder(None)),
                          DefaultPlaceholder):
                kwargs["response_model"] = returns
            endpoint = _answering_directly(endpoint, kwargs.get("status_code") or 200)
        super().__init__(path, endpoint, **kwargs)


def api_router(**kwargs: Any) -> APIRouter:
    return APIRouter(route_class=ApiRoute, **kwargs)
