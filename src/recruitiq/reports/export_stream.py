"""Read an export in keyset batches, each in its own short session.

The request's session closes when the endpoint returns, before the body streams, so the
generator opens its own. Each batch is a fresh session and transaction: memory holds one
batch, no transaction stays open for the whole download (on SQLite every transaction
takes the write lock, see db.py), and no server-side cursor outlives a slow client. Rows
are ordered by (created_at, id), so a row is never emitted twice; rows created while the
export runs may or may not be included. See models/keyset_indexes.py for the index.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import tuple_
from sqlalchemy.orm import Session, sessionmaker

from recruitiq.reports.export_specs import ExportFilters, ExportSpec

BATCH_SIZE = 1000


def export_batches(
    factory: sessionmaker[Session],
    spec: ExportSpec,
    organization_id: str,
    filters: ExportFilters,
    batch_size: int = BATCH_SIZE,
) -> Iterator[list[dict[str, Any]]]:
    model = spec.model
    after: tuple[datetime, str] | None = None
    while True:
        stmt = spec.base_query(organization_id, filters)
        if filters.created_after is not None:
            stmt = stmt.where(model.created_at > filters.created_after)
        if filters.updated_after is not None:
            stmt = stmt.where(model.updated_at > filters.updated_after)
        if after is not None:
            # A row-value comparison, not an OR of two conditions: both databases turn it
            # into one range scan of the (organization_id, created_at, id) index.
            stmt = stmt.where(tuple_(model.created_at, model.id) > after)
        stmt = stmt.order_by(model.created_at, model.id).limit(batch_size)
        with factory() as session:
            rows = session.execute(stmt).all()
            batch = [spec.render(row).model_dump(mode="json", by_alias=True) for row in rows]
        if batch:
            yield batch
        if len(rows) < batch_size:
            return
        last = rows[-1][0]
        after = (last.created_at, last.id)
