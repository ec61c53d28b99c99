"""Keyset (cursor) pagination over ``(created_at, id)``, newest first."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import Session

from recruitiq.errors import ValidationFailed

T = TypeVar("T")


@dataclass(frozen=True)
class PageParams:
    limit: int
    cursor: str | None
    created_after: datetime | None
    updated_after: datetime | None


async def page_params(
    limit: Annotated[int, Query(ge=1, le=100, description="Page size, 1–100")] = 25,
    cursor: Annotated[str | None, Query(description="nextCursor from the previous page")] = None,
    created_after: Annotated[datetime | None, Query(alias="createdAfter")] = None,
    updated_after: Annotated[datetime | None, Query(alias="updatedAfter")] = None,
) -> PageParams:
    for name, value in (("createdAfter", created_after), ("updatedAfter", updated_after)):
        if value is not None and value.tzinfo is None:
            raise ValidationFailed(f"{name} must include a timezone offset", field=name)
    return PageParams(limit, cursor, created_after, updated_after)


@dataclass
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(created_at: datetime, row_id: str) -> str:
    raw = json.dumps([created_at.isoformat(), row_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created, row_id = json.loads(base64.urlsafe_b64decode(padded))
        return datetime.fromisoformat(created), str(row_id)
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError) as exc:
        raise ValidationFailed("cursor is not valid", field="cursor") from exc


def paginate(session: Session, stmt: Select[Any], model: Any, params: PageParams) -> Page[Any]:
    """Apply the shared filters and keyset to ``stmt`` (already scoped by organization)."""
    if params.created_after is not None:
        stmt = stmt.where(model.created_at > params.created_after)
    if params.updated_after is not None:
        stmt = stmt.where(model.updated_at > params.updated_after)
    if params.cursor:
        created_at, row_id = decode_cursor(params.cursor)
        stmt = stmt.where(
            or_(
                model.created_at < created_at,
                and_(model.created_at == created_at, model.id < row_id),
            )
        )
    stmt = stmt.order_by(model.created_at.desc(), model.id.desc()).limit(params.limit + 1)
    rows = list(session.scalars(stmt))
    next_cursor = None
    if len(rows) > params.limit:
        rows = rows[: params.limit]
        last = rows[-1]
        next_cursor = encode_cursor(last.created_at, last.id)
    return Page(rows, next_cursor)


def list_body(key: str, items: list[dict[str, Any]], next_cursor: str | None) -> dict[str, Any]:
    return {"success": True, key: items, "count": len(items), "nextCursor": next_cursor}


def where_equal(stmt: Select[Any], *conditions: tuple[Any, object | None]) -> Select[Any]:
    """Add ``column == value`` for each ``(column, value)`` whose value was given (not None):
    the optional equality filters of a list endpoint."""
    for column, value in conditions:
        if value is not None:
            stmt = stmt.where(column == value)
    return stmt
