"""Organization-scoped row lookups: another organization's id is simply not found."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from recruitiq.errors import NotFound, ValidationFailed

M = TypeVar("M")


def get_owned(
    session: Session,
    model: type[M],
    organization_id: str,
    row_id: str,
    *,
    resource: str,
    live_only: bool = True,
    for_update: bool = False,
) -> M:
    cls: Any = model
    stmt = select(cls).where(cls.organization_id == organization_id, cls.id == row_id)
    if live_only and hasattr(cls, "deleted_at"):
        stmt = stmt.where(cls.deleted_at.is_(None))
    if for_update:
        stmt = stmt.with_for_update()
    row = session.scalar(stmt)
    if row is None:
        raise NotFound(resource, row_id)
    return row  # type: ignore[no-any-return]


def require_reference(
    session: Session, model: type[M], organization_id: str, row_id: str, *, field: str
) -> M:
    """A referenced id in a request body: missing or foreign is a 422 on that field."""
    try:
        return get_owned(session, model, organization_id, row_id, resource=field)
    except NotFound as exc:
        raise ValidationFailed(f"{field} '{row_id}' does not exist", field=field) from exc
