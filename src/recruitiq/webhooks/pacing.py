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


def reserve(
    session: Session, wanted: Mapping[str, tuple[int, int]], now_second: int
) -> dict[str, Cursor]:
    """Book ``count`` deliveries on each subscription's cursor (``wanted``: subscription →
    (count, limit)) and move it past them; where each one's booking starts."""
    if session.get_bind().dialect.name == "postgresql":
        starts = _reserve_postgres(session, wanted, now_second)
        missing = {sub: want for sub, want in wanted.items() if sub not in starts}
        if missing:
            _create(session, missing)
            starts.update(_reserve_postgres(session, missing, now_second))
        return starts
    cursors = lock_cursors(session, wanted)
    starts = {sub: start_from(cursors.get(sub), now_second) for sub in wanted}
    save_cursors(session, {sub: book(starts[sub], count, limit)[1]
                           for sub, (count, limit) in wanted.items()})
    return starts


# PostgreSQL: lock, read and move every cursor of a claim in one statement (one round trip).
# ``old`` locks the rows in one order and reads their latest versions; the UPDATE moves each
# past its bookings and returns where they started.
_PG_RESERVE = """
WITH req AS (
    SELECT * FROM unnest(%(subs)s::varchar[], %(counts)s::int[], %(limits)s::int[])
        AS r(sub, n, lim)
), old AS (
    SELECT c.subscription_id, c.slot_second, c.slot_used FROM webhook_rate_cursors AS c
    WHERE c.subscription_id = ANY(%(subs)s::varchar[])
    ORDER BY c.subscription_id FOR NO KEY UPDATE
), start AS (
    SELECT r.sub, r.n, r.lim,
           CASE WHEN o.slot_second >= %(now)s THEN o.slot_second ELSE %(now)s END AS s,
           CASE WHEN o.slot_second >= %(now)s THEN o.slot_used ELSE 0 END AS u
    FROM req AS r JOIN old AS o ON o.subscription_id = r.sub
)
UPDATE webhook_rate_cursors AS c
SET slot_second = st.s + (st.u + st.n) / st.lim, slot_used = (st.u + st.n) %% st.lim
FROM start AS st WHERE c.subscription_id = st.sub
RETURNING c.subscription_id, st.s, st.u
"""


def _reserve_postgres(
    session: Session, wanted: Mapping[str, tuple[int, int]], now_second: int
) -> dict[str, Cursor]:
    subs = sorted(wanted)
    rows = session.connection().exec_driver_sql(_PG_RESERVE, {
        "subs": subs, "counts": [wanted[s][0] for s in subs],
        "limits": [wanted[s][1] for s in subs], "now": now_second,
    })
    return {sub: Cursor(second, used) for sub, second, used in rows}


def _create(session: Session, subscription_ids: Iterable[str]) -> None:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(C).values([{"subscription_id": i, "slot_second": 0, "slot_used": 0}
                          for i in sorted(subscription_ids)]).on_conflict_do_nothing()
    )


def lock_cursors(session: Session, subscription_ids: Iterable[str]) -> dict[str, Cursor]:
    """The cursors of these subscriptions, locked until the transaction ends (PostgreSQL;
    SQLite's claim is already the only writer). Missing rows are created first."""
    ids = sorted(set(subscription_ids))
    found = _select_locked(session, ids)
    missing = [i for i in ids if i not in found]
    if missing:
        _create(session, missing)
        found.update(_select_locked(session, missing))
    return found


# Built once (values bound per call), as the store's statements: the claim is the hot path.
_LOCK_CURSORS = (
    select(C.subscription_id, C.slot_second, C.slot_used)
    .where(C.subscription_id.in_(bindparam("ids", expanding=True)))
    .order_by(C.subscription_id)  # one lock order: two claims never deadlock
    .with_for_update(key_share=True)
)


def _select_locked(session: Session, ids: Sequence[str]) -> dict[str, Cursor]:
    rows = session.connection().execute(_LOCK_CURSORS, {"ids": list(ids)})
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
