"""Domain errors carry their HTTP status; one set of handlers formats every error."""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from recruitiq.kit.request_id import new_request_id

logger = logging.getLogger("recruitiq.errors")


class DomainError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details or []
        self.headers = headers or {}


class ValidationFailed(DomainError):
    status_code = 422
    code = "validation_error"

    def __init__(self, message: str, *, field: str | None = None, **kwargs: Any) -> None:
        details = kwargs.pop("details", None)
        if details is None and field is not None:
            details = [{"field": field, "message": message}]
        super().__init__(message, details=details, **kwargs)


class Unauthorized(DomainError):
    status_code = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


class MissingScope(Forbidden):
    code = "missing_scope"

    def __init__(self, scope: str) -> None:
        super().__init__(
            f"This token lacks the '{scope}' scope this operation needs",
            details=[{"field": "scope", "message": scope}],
        )
        self.scope = scope


class NotFound(DomainError):
    status_code = 404
    code = "not_found"

    def __init__(self, resource: str, resource_id: str | None = None) -> None:
        message = f"{resource} not found" if resource_id is None else (
            f"{resource} '{resource_id}' not found"
        )
        super().__init__(message)


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class PayloadTooLarge(DomainError):
    status_code = 413
    code = "payload_too_large"


class UnsupportedMediaType(DomainError):
    status_code = 415
    code = "unsupported_media_type"


class RateLimited(DomainError):
    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after_seconds: int) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after_seconds)})


OVERLOADED_RETRY_AFTER_SECONDS = 1
OVERLOADED_MESSAGE = "The server is at capacity; nothing was done. Retry after Retry-After seconds"


STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    503: "overloaded",
}


def request_id(request: Request) -> str:
    rid = getattr(request.state, "request_id", None)
    if rid is None:  # outside RequestIdMiddleware: an app built without it, in a test
        rid = request.state.request_id = new_request_id()
    return str(rid)


def error_body(
    request: Request, code: str, message: str, details: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "success": False,
        "error": {
            "code": code,
            "message": message,
            "details": details or [],
            "requestId": request_id(request),
        },
    }


def overloaded_response(scope: Scope) -> JSONResponse:
    body = error_body(Request(scope), "overloaded", OVERLOADED_MESSAGE)
    return JSONResponse(body, status_code=503,
                        headers={"Retry-After": str(OVERLOADED_RETRY_AFTER_SECONDS)})


def _is_busy(exc: OperationalError) -> bool:
    # SQLite's writer lock held by another process past the busy timeout.
    return "database is locked" in str(exc.orig)


# A client sending 900,000 bad fields gets the first of them, not a 56 MB answer.
MAX_DETAILS = 20
_SNAKE = re.compile(r"(?<=[a-z0-9])_([a-z0-9])")


def camel_field(field: str) -> str:
    """A field path as the API spells it: ``salary_range.min`` -> ``salaryRange.min``."""
    return _SNAKE.sub(lambda match: match.group(1).upper(), field)


def _field_path(loc: tuple[Any, ...] | list[Any], *, as_sent: bool = False) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    if not as_sent:  # an unknown key is named as the client spelled it
        parts = [camel_field(part) for part in parts]
    return ".".join(parts) or "body"


def _capped(message: str, total: int) -> str:
    if total <= MAX_DETAILS:
        return message
    return f"{message} ({total} problems; the first {MAX_DETAILS} are listed)"


def _api_details(details: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {**detail, "field": camel_field(detail["field"])}
        if isinstance(detail.get("field"), str) else detail
        for detail in details
    ]


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        message = _capped(exc.message, len(exc.details))
        return JSONResponse(
            error_body(request, exc.code, message, _api_details(exc.details[:MAX_DETAILS])),
            status_code=exc.status_code,
            headers=exc.headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        details = [
            {"field": _field_path(err.get("loc", ()), as_sent=err.get("type") == "extra_forbidden"),
             "message": err.get("msg", "invalid")}
            for err in errors[:MAX_DETAILS]
        ]
        message = _capped("The request is not valid", len(errors))
        return JSONResponse(
            error_body(request, "validation_error", message, details), status_code=422
        )

    @app.exception_handler(DataError)
    async def _data_refused(request: Request, exc: DataError) -> JSONResponse:
        # The database refused a value the schemas let through (a NUL character, a number
        # out of its range): the client's input, so a 422, never a 500. Logged, as a schema
        # should have caught it.
        logger.warning("the database refused a value on %s %s: %s",
                       request.method, request.url.path, type(exc.orig).__name__)
        return JSONResponse(
            error_body(request, "validation_error", "A value in the request cannot be stored"),
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = STATUS_CODES.get(exc.status_code, "error")
        return JSONResponse(
            error_body(request, code, str(exc.detail)),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(PoolTimeout)
    async def _pool_exhausted(request: Request, exc: PoolTimeout) -> JSONResponse:
        logger.warning("no database connection free in time for %s %s",
                       request.method, request.url.path)
        return overloaded_response(request.scope)

    @app.exception_handler(OperationalError)
    async def _database_busy(request: Request, exc: OperationalError) -> JSONResponse:
        if not _is_busy(exc):
            return await _unexpected(request, exc)
        logger.warning("database busy for %s %s", request.method, request.url.path)
        return overloaded_response(request.scope)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(
            error_body(request, "internal_error", "An unexpected error occurred"),
            status_code=500,
        )
