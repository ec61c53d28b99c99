"""Per-subscription rate limits: at most R attempts to a subscription start in any second.

Each subscription has a booking cursor (``webhook_rate_cursors``): the Unix second its next
delivery may be sent in and how many that second already has. A claim books the
deliveries it took, in due order, into the cursor's seconds, R to a second: those booked
into the current second are sent now; the others are held back (*paced*): given back with
``next_attempt_at = paced_until =`` the start of their second, never dropped and never
counted as an attempt. When that second comes, they are claimed again and sent without
booking again; a paced delivery claimed after its second (its worker was busy or gone)
books anew. The dispatcher starts an attempt only within the second it was booked into
(otherwise it hands it back), so a second never sees more than R attempts start, whichever
workers claimed them. The cursor rows are locked (PostgreSQL) or written under SQLite's one
writer, so two workers never book the same slot.

Seconds are the workers' wall clocks (keep them in sync with NTP); an attempt's
``webhook-timestamp`` is the second it was booked into.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from recruitiq.models import WebhookRateCursor

C = WebhookRateCursor
CURSORS = cast(Table, C.__table__)


@dataclass(frozen=True)
class Cursor:
    second: int
    used: int


def start_from(cursor: Cursor | None, now_second: int) -> Cursor:
    """Where booking starts: the cursor, or the current second if the cursor is behind."""
    if cursor is None or cursor.second < now_second:
        return Cursor(now_second, 0)
    return cursor


def book(start: Cursor, count: int, limit: int) -> tuple[list[int], Cursor]:
    """The second each of ``count`` deliveries is booked into, and the cursor after them."""
    seconds = [start.second + (start.used + i) // limit for i in range(count)]
    total = start.used + count
    return seconds, Cursor(start.second + total // limit, total % limit)


def lock_cursors(session: Session, subscription_ids: Iterable[str]) -> dict[str, Cursor]:
    """The cursors of these subscriptions, locked until the transaction ends (PostgreSQL;
    SQLite's claim is already the only writer). Missing rows are created first."""
    ids = sorted(set(subscription_ids))
    found = _select_locked(session, ids)
    missing = [i for i in ids if i not in found]
    if missing:
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(
            insert(C).values([{"subscription_id": i, "slot_second": 0, "slot_used": 0}
                              for i in missing]).on_conflict_do_nothing()
        )
        found.update(_select_locked(session, missing))
    return found


def _select_locked(session: Session, ids: Sequence[str]) -> dict[str, Cursor]:
    rows = session.execute(
        select(C.subscription_id, C.slot_second, C.slot_used)
        .where(C.subscription_id.in_(ids))
        .order_by(C.subscription_id)  # one lock order: two claims never deadlock
        .with_for_update(key_share=True)
    )
    return {sub: Cursor(second, used) for sub, second, used in rows}


_MOVE_CURSOR = (
    CURSORS.update()
    .where(CURSORS.c.subscription_id == bindparam("b_id"))
    .values(slot_second=bindparam("b_second"), slot_used=bindparam("b_used"))
)


def save_cursors(session: Session, cursors: Mapping[str, Cursor]) -> None:
    if cursors:
        session.connection().execute(_MOVE_CURSOR, [
            {"b_id": sub, "b_second": cursor.second, "b_used": cursor.used}
            for sub, cursor in cursors.items()
        ])
