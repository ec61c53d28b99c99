"""The shared count: one row per organization, reserved from by one atomic upsert.

A process never counts single requests here: it reserves a block of them (its grant) and
spends it in memory (ratelimit/limiter.py). The same statement settles what it admitted
without a reservation (its debt, when the row was out of reach), moves the row to a newer
window, and never grants past the limit. On PostgreSQL concurrent reservations for one
organization queue on the row's lock for the length of the statement; on SQLite on the
writer lock. Both databases run the same ``INSERT … ON CONFLICT DO UPDATE … RETURNING``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, case, literal, select
from sqlalchemy.dialects import postgresql, sqlite

from recruitiq.models import ApiRateLimit, Organization


@dataclass(frozen=True)
class Reservation:
    window_start: int  # the row's window, which may be newer than the caller's clock says
    limit: int
    reserved: int  # everyone's reservations in the window, this one included
    granted: int  # requests this process may now admit without asking again


def _insert(connection: Connection) -> Callable[..., Any]:
    return postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert


def reserve(
    connection: Connection,
    organization_id: str,
    window_start: int,
    want: int,
    debt: int,
    limit_of: Callable[[str | None], int],
) -> Reservation:
    """Grant up to ``want`` requests of ``window_start`` (or of the row's newer window),
    counting ``debt`` requests already admitted; 0 when the window's limit is reached."""
    plan = connection.scalar(select(Organization.plan).where(Organization.id == organization_id))
    limit = limit_of(plan)
    table = ApiRateLimit.__table__
    row = table.c
    newer = row.window_start < window_start
    kept = case((newer, 0), else_=row.reserved)
    room = literal(limit) - kept - debt
    grant = case((room <= 0, 0), (room < want, room), else_=want)
    first_grant = max(0, min(want, limit - debt))
    statement = (
        _insert(connection)(table)
        .values(organization_id=organization_id, window_start=window_start,
                reserved=debt + first_grant, granted=first_grant)
        .on_conflict_do_update(
            index_elements=[row.organization_id],
            set_={
                "window_start": case((newer, window_start), else_=row.window_start),
                "reserved": kept + debt + grant,
                "granted": grant,
            },
        )
        .returning(row.window_start, row.reserved, row.granted)
    )
    found = connection.execute(statement).one()
    return Reservation(window_start=int(found.window_start), limit=limit,
                       reserved=int(found.reserved), granted=int(found.granted))
