"""Per-organization API quotas, decided in memory and shared through one database row.

The quota is a number of requests per fixed minute (``WINDOW_SECONDS``, aligned to the
epoch, the same minute on every host). Each process keeps, per organization, the requests
it has reserved in the shared row (ratelimit/store.py) and spends them without touching the
database; when they run out it reserves about one more second of its recent demand (at
most a tenth of the quota, so that one process cannot hold what another needs). At a
steady pace that is one reservation per second per organization per process, whatever the
request rate.

Admitted requests never exceed the reservations, and the reservations never exceed the
quota: the quota holds across processes exactly, except for requests admitted on credit.
A process admits on credit when the row is out of reach at once: SQLite's writer lock is
taken (a read never waits for a writer), then up to a tenth of the quota before it waits
for the lock; or the database fails, where it admits everything (failing open: the request
will meet the same database) and settles the count once the database answers. So the
overshoot per window is at most a tenth of the quota per process, plus what is admitted
while the database is failing. A block reserved by a process that then gets no
more requests lapses with the window: another process may refuse up to that many early.
"""

from __future__ import annotations

import logging
import math
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from recruitiq import db
from recruitiq.ratelimit import store
from recruitiq.webhooks.plans import PLANS, plan_named

logger = logging.getLogger("recruitiq.ratelimit")

WINDOW_SECONDS = 60
# A reservation covers this much of the process's recent demand, so it reserves about
# once per such interval; a refused organization is re-checked as often (a plan upgrade).
RESERVE_SECONDS = 1.0
MAX_SHARE = 10  # a reservation is at most 1/MAX_SHARE of the quota


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int  # this process's estimate for the organization, at most a second old
    reset_seconds: int  # until the window ends: Retry-After when refused


@dataclass
class _Quota:
    """This process's view of one organization's current window."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    window_start: int = -1
    limit: int = 0
    reserved: int = 0  # everyone's reservations at our last reservation
    tokens: int = 0  # reserved by us, not yet spent
    granted: int = 0  # our last grant
    debt: int = 0  # admitted without a reservation, settled by the next one
    spent: int = 0  # admitted since our last reservation: the demand
    reserved_at: float = -math.inf  # monotonic
    next_try_at: float = 0.0  # monotonic: no reservation before (refused, or failing)
    exhausted: bool = False  # the row had nothing left to grant
    failing: bool = False  # the last reservation met a database error

    def start(self, window_start: int) -> None:
        self.window_start = window_start
        self.reserved = self.tokens = self.debt = 0
        self.exhausted = self.failing = False
        self.next_try_at = 0.0


def plan_limits(overrides: Mapping[str, int]) -> dict[str, int]:
    """Requests per minute by plan: the plans' own, as ``RECRUITIQ_API_RATE_LIMITS`` changes
    them (an unknown plan name there is refused at start-up)."""
    unknown = set(overrides) - set(PLANS)
    if unknown:
        raise ValueError(f"RECRUITIQ_API_RATE_LIMITS names unknown plans: {sorted(unknown)}; "
                         f"plans: {', '.join(PLANS)}")
    return {name: overrides.get(name, plan.api_requests_per_minute)
            for name, plan in PLANS.items()}


class RateLimiter:
    def __init__(
        self,
        engine: Engine,
        limits: Mapping[str, int],
        *,
        wall_clock: Callable[[], float] = time.time,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        self._limits = dict(limits)
        self._wall_clock = wall_clock
        self._clock = clock
        self._quotas: dict[str, _Quota] = {}

    def limit_of(self, plan: str | None) -> int:
        return self._limits[plan_named(plan).name]

    def admit(self, organization_id: str) -> Verdict:
        quota = self._quotas.get(organization_id)
        if quota is None:
            quota = self._quotas.setdefault(organization_id, _Quota())
        with quota.lock:
            wall, now = self._wall_clock(), self._clock()
            window_start = int(wall // WINDOW_SECONDS) * WINDOW_SECONDS
            if window_start > quota.window_start:
                quota.start(window_start)
            if quota.tokens == 0 and now >= quota.next_try_at:
                self._reserve(organization_id, quota, now)
            if quota.tokens > 0:
                quota.tokens -= 1
                quota.spent += 1
                allowed = True
            elif quota.exhausted:
                allowed = False
            else:  # on credit: the row was out of reach (see the module's docstring)
                quota.debt += 1
                quota.spent += 1
                allowed = True
            remaining = quota.limit - quota.reserved - quota.debt + quota.tokens
            reset = quota.window_start + WINDOW_SECONDS - wall
            return Verdict(allowed, quota.limit, max(0, remaining), max(1, math.ceil(reset)))

    def _share(self, quota: _Quota) -> int:
        """The most one reservation grants, and the most admitted on credit."""
        limit = quota.limit or self.limit_of(None)  # before the first reservation
        return max(1, limit // MAX_SHARE)

    def _want(self, quota: _Quota, now: float) -> int:
        elapsed = now - quota.reserved_at
        demand = quota.spent * RESERVE_SECONDS / elapsed if elapsed > 0 else 1
        return max(1, min(self._share(quota), math.ceil(demand)))

    def _reserve(self, organization_id: str, quota: _Quota, now: float) -> None:
        # Waits for SQLite's writer lock only once the credit is spent.
        wait = quota.debt >= self._share(quota)
        try:
            with db.writing(wait=wait), self._engine.begin() as connection:
                reservation = store.reserve(
                    connection, organization_id, quota.window_start, self._want(quota, now),
                    quota.debt, self.limit_of,
                )
        except (SQLAlchemyError, sqlite3.Error) as exc:
            if not wait and "locked" in str(exc):
                return  # the writer lock is taken: credit, and try again on the next request
            if not quota.failing:
                logger.warning("API rate limit of %s not shared (admitting): %s",
                               organization_id, exc)
            quota.failing = True
            quota.next_try_at = now + RESERVE_SECONDS
            return
        if reservation.window_start > quota.window_start:  # another host's clock is ahead
            quota.start(reservation.window_start)
        quota.limit = reservation.limit
        quota.reserved = reservation.reserved
        quota.tokens += reservation.granted
        quota.granted = reservation.granted
        quota.debt = quota.spent = 0
        quota.reserved_at = now
        quota.failing = False
        quota.exhausted = reservation.granted == 0
        quota.next_try_at = now + RESERVE_SECONDS if quota.exhausted else 0.0
