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
from recruitiq.kit.schema import Timestamp, in_utc, refuse_nul

T = TypeVar("T")

# A cursor we issue is ~90 characters: base64 of [createdAt, id].
MAX_CURSOR_LENGTH = 200
MAX_ID_LENGTH = 40


@dataclass(frozen=True)
class PageParams:
    limit: int
    cursor: str | None
    created_after: datetime | None
    updated_after: datetime | None


async def page_params(
    limit: Annotated[int, Query(ge=1, le=100, description="Page size, 1–100")] = 25,
    cursor: Annotated[
        str | None,
        Query(max_length=MAX_CURSOR_LENGTH, description="nextCursor from the previous page"),
    ] = None,
    created_after: Annotated[Timestamp | None, Query(alias="createdAfter")] = None,
    updated_after: Annotated[Timestamp | None, Query(alias="updatedAfter")] = None,
) -> PageParams:
    return PageParams(limit, cursor, created_after, updated_after)


@dataclass
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(created_at: datetime, row_id: str) -> str:
    raw = json.dumps([created_at.isoformat(), row_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The position a cursor we issued names; anything else (forged, truncated, another
    shape, out of range) is a 422 on ``cursor``, never an error further down."""
    try:
        if len(cursor) > MAX_CURSOR_LENGTH:
            raise ValueError("too long")
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        if not (isinstance(decoded, list) and len(decoded) == 2
                and all(isinstance(part, str) for part in decoded)):
            raise ValueError("not a [createdAt, id] pair")
        created, row_id = decoded
        if not 0 < len(row_id) <= MAX_ID_LENGTH:
            raise ValueError("not an id")
        moment = datetime.fromisoformat(created)
        if moment.tzinfo is None:
            raise ValueError("no offset")
        return in_utc(moment), str(refuse_nul(row_id))
    except (ValueError, TypeError, binascii.Error, RecursionError) as exc:
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
