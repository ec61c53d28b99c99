"""The dispatcher's database side: claim due deliveries under a lease, record outcomes.

PostgreSQL is round-trip bound, so each claim is one statement (``_PG_CLAIM``): candidates
in index order locked with ``FOR UPDATE SKIP LOCKED`` (two workers never even look at the
same row), numbered per organization to respect each one's room, leased by an ``UPDATE``
that re-checks "pending and lease free", returning everything the attempts need. Each batch
of outcomes is one statement too (``_PG_RECORD``: deliveries, attempt rows and health
counters from JSON row sets). SQLite runs the same logic as portable SQL (a SELECT per
priority class, an ``UPDATE ... RETURNING``, a joined SELECT; one INSERT and executemany
UPDATEs per batch): ``BEGIN IMMEDIATE`` already makes the claim transaction the only writer,
and there are no round trips to save. Either way a row is leased by exactly one worker,
outcomes are guarded by ``leased_by`` (a worker that lost its lease cannot overwrite a newer
state) and health counters are atomic increments (``x = x + n``), never read-modify-write.

Priority delivery (ADR 0006): candidates are read per class, priority deliveries (an
enterprise plan's, ``priority = 1``) and standard ones, each with one range scan of the due
index. While both classes have due work, a claim takes ``PRIORITY_WEIGHT`` priority
deliveries for every ``STANDARD_WEIGHT`` standard one (3 of every 4 slots, the first slot
priority): priority work goes first, standard work still gets a share of every claim of two
or more (a claim of one alternates), and either class takes the slots the other leaves.

Health counters count attempts: ``totalDeliveries`` is attempts made, ``consecutiveFailures``
failed attempts since the last success; five in a row warn (``webhook.endpoint_failing``),
ten disable the subscription (``webhook.endpoint_disabled``; both configurable,
webhooks/health.py). Paced deliveries (webhooks/pacing.py) are not attempts.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import orjson
from sqlalchemy import (
    Connection,
    Integer,
    Table,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session, sessionmaker

from recruitiq.db import unit_of_work
from recruitiq.kit.clock import utcnow
from recruitiq.kit.ids import new_id
from recruitiq.models import (
    Event,
    Organization,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from recruitiq.webhooks import pacing, quota
from recruitiq.webhooks.delivery import AttemptResult, Decision, Outgoing, decide
from recruitiq.webhooks.plans import PRIORITY, STANDARD, plan_named

AUTO_DISABLE_AFTER = 10
WARN_AFTER = 5
# The test ping and the operator notices about failing endpoints are the platform's own.
UNCHARGED_EVENT_TYPES = frozenset({
    "webhook.test", "webhook.endpoint_failing", "webhook.endpoint_disabled",
})
# While both classes wait, a claim's slots go PRIORITY_WEIGHT : STANDARD_WEIGHT to them.
PRIORITY_WEIGHT = 3
STANDARD_WEIGHT = 1

D = WebhookDelivery
S = WebhookSubscription
DELIVERIES = cast(Table, D.__table__)
SUBSCRIPTIONS = cast(Table, S.__table__)
ATTEMPTS = cast(Table, WebhookAttempt.__table__)
DT = DELIVERIES.c
ST = SUBSCRIPTIONS.c


@dataclass(frozen=True)
class Recorded:
    outgoing: Outgoing
    result: AttemptResult
    decision: Decision


# Statements built once (binding values per call): building and cache-keying them anew was
# a fifth of the claim's cost. ``now``, ``until``, ``by``, ``ids`` and ``full`` are bound.
_NOW = bindparam("now", type_=DT.next_attempt_at.type)
_PENDING_LEASE_FREE = (
    DT.status == "pending", or_(DT.leased_until.is_(None), DT.leased_until < _NOW)
)
_CANDIDATES = (
    select(DT.id, DT.organization_id, DT.priority)
    .where(*_PENDING_LEASE_FREE, DT.priority == bindparam("priority", type_=Integer),
           DT.next_attempt_at <= _NOW,
           DT.organization_id.not_in(bindparam("full", expanding=True)))
    # Index order only (status, priority, next_attempt_at): the scan stops at the limit
    # instead of sorting the whole backlog.
    .order_by(DT.next_attempt_at)
    .limit(bindparam("scan", type_=Integer))
)
_LEASE_ANY = (
    DELIVERIES.update()
    # The same re-check as _PENDING_LEASE_FREE, but with ``status || ''``: given an indexable
    # ``status = 'pending'``, SQLite's planner walked the due index (every pending row)
    # instead of looking the ids up by primary key.
    .where(DT.id.in_(bindparam("ids", expanding=True)),
           (DT.status + literal("")) == "pending", *_PENDING_LEASE_FREE[1:])
    .values(leased_until=bindparam("until", type_=DT.leased_until.type),
            leased_by=bindparam("by"))
    .returning(DT.id)
)
_LEASE_DUE = _LEASE_ANY.where(DT.next_attempt_at <= _NOW)
# Held back by the rate limit: due at the start of the second it was booked into.
_PACE = (
    DELIVERIES.update()
    .where(DT.id.in_(bindparam("ids", expanding=True)), DT.leased_by == bindparam("by"))
    .values(next_attempt_at=bindparam("at", type_=DT.next_attempt_at.type),
            paced_until=bindparam("at", type_=DT.next_attempt_at.type),
            leased_until=None, leased_by=None)
)
_CLAIMED = (
    select(
        D.id, D.organization_id, D.subscription_id, D.event_id, D.event_type,
        func.coalesce(D.payload, Event.payload).label("body"), D.attempts,
        S.url, S.secret, S.previous_secret, S.previous_secret_expires_at,
        S.is_active, S.deleted_at, S.disabled_reason, S.max_retries,
        S.retry_delay_seconds, Organization.plan, S.rate_limit_per_second, D.paced_until,
    )
    .join(S, S.id == D.subscription_id)
    .join(Event, Event.id == D.event_id)
    .join(Organization, Organization.id == D.organization_id)
    .where(D.id.in_(bindparam("ids", expanding=True)))
    .order_by(D.next_attempt_at, D.id)
)


def priority_scan(scan: int) -> int:
    """How many priority candidates a claim reads at most: the scan but the standard class's
    share of it, which the standard class always gets. It reads the rest of the scan, so a
    claim never reads or locks more rows than one scan, whatever waits."""
    return scan - -(-scan * STANDARD_WEIGHT // (PRIORITY_WEIGHT + STANDARD_WEIGHT))


def pick(
    candidates: Sequence[Any], room_by_org: Mapping[str, int], default_room: int, limit: int,
    tie_first: int = PRIORITY,
) -> list[tuple[str, int]]:
    """What a claim takes from ``(id, organization_id, priority)`` candidates (the priority
    class first, each class in due order), as ``(id, priority)``: at most each
    organization's room, then the two classes interleaved by weight. The k-th eligible
    delivery of a class (from 0) stands at ``k / weight`` (scaled to integers), class
    ``tie_first`` first on a tie. ``_PG_CLAIM`` computes the same in SQL."""
    taken: dict[str, int] = defaultdict(int)
    eligible: dict[int, list[str]] = {PRIORITY: [], STANDARD: []}
    for delivery_id, org_id, priority in candidates:
        if taken[org_id] < room_by_org.get(org_id, default_room):
            taken[org_id] += 1
            eligible[priority].append(delivery_id)
    first, rest = eligible[PRIORITY], eligible[STANDARD]
    picked: list[tuple[str, int]] = []
    i = j = 0
    while len(picked) < limit and (i < len(first) or j < len(rest)):
        here, there = i * STANDARD_WEIGHT, j * PRIORITY_WEIGHT
        if j == len(rest) or (i < len(first) and (
                here < there or (here == there and tie_first == PRIORITY))):
            picked.append((first[i], PRIORITY))
            i += 1
        else:
            picked.append((rest[j], STANDARD))
            j += 1
    return picked


class DeliveryStore:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        worker_id: str,
        lease_seconds: float,
        *,
        keep_connections: bool = False,
        default_rate_limit: int = 50,
        warn_after_failures: int = WARN_AFTER,
        disable_after_failures: int = AUTO_DISABLE_AFTER,
    ) -> None:
        self.session_factory = session_factory
        # The dispatcher's claim and record threads each keep one PostgreSQL connection:
        # checking one out of the pool costs a pre-ping round trip per transaction.
        self.keep_connections = keep_connections
        self._local = threading.local()
        self._kept: list[Connection] = []
        self._kept_lock = threading.Lock()
        self.worker_id = worker_id
        self.lease = timedelta(seconds=lease_seconds)
        # Set by a claim that left due deliveries behind because their organization had
        # no room: the dispatcher claims again as soon as a slot frees up.
        self.more_due = False
        # Set by a claim that took every candidate of a full scan: more may be due right
        # behind them, so the dispatcher claims again at once (capacity permitting).
        self.scan_exhausted = False
        # Organizations seen in the last claim's scan: the next scan covers each one's room.
        self.orgs_seen = 1
        # Set by a claim that found standard deliveries but took none (a claim of one slot
        # gives it to a priority delivery): the next claim's first slot is standard's.
        self.standard_owed = False
        # Rate limits (webhooks/pacing.py): the limit of a subscription that sets none; how
        # many deliveries the last claim held back, and the seconds it booked them into.
        self.default_rate_limit = default_rate_limit
        self.warn_after = warn_after_failures
        self.disable_after = disable_after_failures
        self.paced_last = 0
        self.booked_seconds: set[int] = set()
        self._dialect: str | None = None

    # -- claiming ---------------------------------------------------------------------

    def claim(
        self, limit: int, room_by_org: Mapping[str, int], default_room: int
    ) -> list[Outgoing]:
        """Lease up to ``limit`` due deliveries, at most ``room`` per organization."""
        now = utcnow()
        self.paced_last = 0
        full = [org for org, room in room_by_org.items() if room <= 0]
        largest_room = max(default_room, *room_by_org.values(), 0)
        scan = 2 * min(limit, largest_room * self.orgs_seen)
        if self._postgres():
            return self._claim_postgres(limit, room_by_org, default_room, full, scan, now)
        with self._transaction() as session:
            # Core rows: the ORM's per-row loading was the claim's largest cost. SQLite has
            # no row locks: BEGIN IMMEDIATE makes this transaction the only writer.
            connection = session.connection()
            params = {"now": now, "full": full}
            first_scan = priority_scan(scan)
            first = connection.execute(
                _CANDIDATES, {**params, "priority": PRIORITY, "scan": first_scan}).all()
            rest_scan = scan - len(first)
            rest = connection.execute(
                _CANDIDATES, {**params, "priority": STANDARD, "scan": rest_scan}).all()
            candidates = [*first, *rest]
            picked = pick(candidates, room_by_org, default_room, limit, self._tie_first())
            self._note_scan(len(candidates), len(picked), len({c[1] for c in candidates}),
                            limit=limit, full=full,
                            full_scan=len(first) == first_scan or len(rest) == rest_scan)
            self._note_classes(bool(rest), [priority for _, priority in picked])
            if not picked:
                return []
            leased = self._lease(session, [i for i, _ in picked], now, check_due=True)
            return self._prepare(session, leased, now, charge_quota=True)

    def _note_scan(
        self, scanned: int, taken: int, orgs: int, *, limit: int, full: list[str],
        full_scan: bool,
    ) -> None:
        """What the dispatcher and the next claim learn from this claim's scan
        (``full_scan``: a class's scan stopped at its limit, so more may be due)."""
        self.more_due = bool(full) or (taken < limit and scanned > taken)
        self.scan_exhausted = full_scan and taken == scanned
        self.orgs_seen = max(1, orgs)

    def _tie_first(self) -> int:
        return STANDARD if self.standard_owed else PRIORITY

    def _note_classes(self, standard_found: bool, taken: Sequence[int]) -> None:
        self.standard_owed = standard_found and STANDARD not in taken

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        """One transaction, committed on success; on this thread's kept connection if any."""
        if not (self.keep_connections and self._postgres()):
            with unit_of_work(self.session_factory) as session:
                yield session
            return
        connection: Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = self.session_factory.kw["bind"].connect()
            self._local.connection = connection
            with self._kept_lock:
                self._kept.append(connection)
        session = self.session_factory(bind=connection)
        try:
            yield session
            session.commit()
        except BaseException:
            # A failed transaction may mean a broken connection: drop it, take a fresh
            # (pre-pinged) one next time.
            self._local.connection = None
            try:
                session.rollback()
            finally:
                session.close()
                self._discard(connection)
            raise
        session.close()

    def _discard(self, connection: Connection) -> None:
        with self._kept_lock:
            if connection in self._kept:
                self._kept.remove(connection)
        connection.close()

    def close(self) -> None:
        """Return kept connections to the pool (the dispatcher's threads have stopped)."""
        with self._kept_lock:
            kept, self._kept = self._kept, []
        for connection in kept:
            connection.close()

    def _postgres(self) -> bool:
        if self._dialect is None:
            with self.session_factory() as session:
                self._dialect = session.get_bind().dialect.name
        return self._dialect == "postgresql"

    def _claim_postgres(
        self, limit: int, room_by_org: Mapping[str, int], default_room: int, full: list[str],
        scan: int, now: datetime,
    ) -> list[Outgoing]:
        """The whole claim as one statement: pick (SKIP LOCKED), cap per organization, lease,
        and return what the attempts need. PostgreSQL is round-trip bound, so this replaced
        a SELECT, an UPDATE and a joined SELECT (docs/performance.md)."""
        rooms = {org: room for org, room in room_by_org.items() if room > 0}
        params = {
            "now": now, "until": now + self.lease, "by": self.worker_id, "full": full,
            "scan": scan, "priority_scan": priority_scan(scan), "limit": limit,
            "default_room": default_room, "room_orgs": list(rooms), "rooms": list(rooms.values()),
            "priority_weight": PRIORITY_WEIGHT, "standard_weight": STANDARD_WEIGHT,
            "tie_first": self._tie_first(),
        }
        with self._transaction() as session:
            rows = list(session.connection().exec_driver_sql(_PG_CLAIM, params).all())
            if not rows:
                self._note_scan(0, 0, 1, limit=limit, full=full, full_scan=False)
                self._note_classes(False, [])
                return []
            first, rest = rows[0].scanned_first, rows[0].scanned_rest
            self._note_scan(first + rest, len(rows), rows[0].orgs, limit=limit, full=full,
                            full_scan=first == priority_scan(scan) or rest == scan - first)
            self._note_classes(rest > 0, [row.priority for row in rows])
            rows.sort(key=lambda row: (row.next_attempt_at, row.id))
            return self._ready(session, rows, now, charge_quota=True)

    def claim_one(self, delivery_id: str) -> Outgoing | None:
        """Lease one delivery now, due or not (the "send test" button); None if taken."""
        now = utcnow()
        with unit_of_work(self.session_factory) as session:
            leased = self._lease(session, [delivery_id], now, check_due=False)
            prepared = self._prepare(session, leased, now, charge_quota=False)
        return prepared[0] if prepared else None

    def _lease(
        self, session: Session, ids: Sequence[str], now: datetime, *, check_due: bool
    ) -> list[str]:
        # Core statements (not ORM-enabled): the ORM's per-row handling was most of their cost.
        return list(
            session.connection().scalars(
                _LEASE_DUE if check_due else _LEASE_ANY,
                {"ids": list(ids), "now": now, "until": now + self.lease, "by": self.worker_id},
            )
        )

    def _prepare(
        self, session: Session, ids: Sequence[str], now: datetime, *, charge_quota: bool
    ) -> list[Outgoing]:
        if not ids:
            return []
        rows = session.connection().execute(_CLAIMED, {"ids": list(ids)}).all()
        return self._ready(session, rows, now, charge_quota=charge_quota)

    def _ready(
        self, session: Session, rows: Sequence[Any], now: datetime, *, charge_quota: bool
    ) -> list[Outgoing]:
        """Set aside deliveries of stopped subscriptions, hold back what the subscriptions'
        rate limits leave for later seconds, charge the quota, build Outgoing. A claim for
        the dispatcher does all four (``charge_quota``); a test send only the first."""
        stopped: dict[str, list[str]] = defaultdict(list)
        live = []
        for row in rows:
            if row.deleted_at is not None:
                stopped["subscription deleted"].append(row.id)
            elif not row.is_active:
                reason = row.disabled_reason or "deactivated"
                stopped[f"subscription disabled: {reason}"].append(row.id)
            else:
                live.append(row)
        for reason, delivery_ids in stopped.items():
            self._set_aside(session, delivery_ids, "failed", reason, now)
        rate_second: int | None = None
        self.paced_last = 0
        if charge_quota:
            rate_second = int(now.timestamp())
            live = self._pace(session, live, rate_second)
            live = self._charge(session, live, now)
        return [
            Outgoing(
                delivery_id=row.id,
                organization_id=row.organization_id,
                subscription_id=row.subscription_id,
                event_id=row.event_id,
                event_type=row.event_type,
                url=row.url,
                body=row.body.encode(),
                secret=row.secret,
                previous_secret=row.previous_secret
                if row.previous_secret_expires_at is not None
                and row.previous_secret_expires_at > now
                else None,
                attempt_number=row.attempts + 1,
                max_retries=row.max_retries,
                retry_delay_seconds=row.retry_delay_seconds,
                rate_second=rate_second,
                rate_limit=row.rate_limit_per_second or self.default_rate_limit,
            )
            for row in live
        ]

    def _pace(self, session: Session, rows: list[Any], now_second: int) -> list[Any]:
        """Book each subscription's claimed deliveries into its rate limit's seconds; keep
        those booked into this second (or booked into it by an earlier claim), give the
        others back, due at the start of their second. Before the quota: a delivery is
        charged when it is sent, not when it is paced."""
        send: list[Any] = []
        wanted: dict[str, list[Any]] = defaultdict(list)
        for row in rows:
            if row.paced_until is not None and int(row.paced_until.timestamp()) == now_second:
                send.append(row)
            else:
                wanted[row.subscription_id].append(row)
        if not wanted:
            return rows
        limits = {sub: sub_rows[0].rate_limit_per_second or self.default_rate_limit
                  for sub, sub_rows in wanted.items()}
        now_ids, later = self._book(
            session, {sub: [row.id for row in sub_rows] for sub, sub_rows in wanted.items()},
            limits, now_second,
        )
        self.paced_last += sum(len(ids) for ids in later.values())
        self.booked_seconds.update(later)
        if not later:
            return rows
        kept = {row.id for row in send}.union(now_ids)
        return [row for row in rows if row.id in kept]

    def _book(
        self, session: Session, wanted: Mapping[str, list[str]], limits: Mapping[str, int],
        now_second: int,
    ) -> tuple[list[str], dict[int, list[str]]]:
        """Book each subscription's deliveries (ids, in due order) into its seconds: the ids
        booked into this second, and the others by second, given back due at its start."""
        starts = pacing.reserve(
            session, {sub: (len(ids), limits[sub]) for sub, ids in wanted.items()}, now_second)
        now_ids: list[str] = []
        later: dict[int, list[str]] = defaultdict(list)
        for subscription_id, ids in wanted.items():
            seconds, _ = pacing.book(starts[subscription_id], len(ids), limits[subscription_id])
            for delivery_id, second in zip(ids, seconds, strict=True):
                (now_ids if second == now_second else later[second]).append(delivery_id)
        connection = session.connection()
        for second, ids in later.items():
            connection.execute(_PACE, {"ids": ids, "by": self.worker_id,
                                       "at": datetime.fromtimestamp(second, UTC)})
        return now_ids, later

    def rebook(
        self, waiting: Sequence[Outgoing], now_second: int
    ) -> tuple[set[str], dict[int, list[str]]]:
        """Book claimed deliveries whose second ended before they could start (they waited
        for their organization's slot) into this second, in one transaction; the ids that
        got it, and the others by the later second they were given back paced to."""
        wanted: dict[str, list[str]] = defaultdict(list)
        limits: dict[str, int] = {}
        for outgoing in waiting:
            wanted[outgoing.subscription_id].append(outgoing.delivery_id)
            limits[outgoing.subscription_id] = outgoing.rate_limit
        with self._transaction() as session:
            now_ids, later = self._book(session, wanted, limits, now_second)
            given_back = {delivery_id for ids in later.values() for delivery_id in ids}
            self._refund(session, [o for o in waiting if o.delivery_id in given_back])
        return set(now_ids), later

    def _refund(self, session: Session, given_back: Sequence[Outgoing]) -> None:
        """Deliveries this worker's claim charged and gives back unsent (rebooked to a later
        second, or not attempted) are charged again by the claim that sends them: take this
        claim's charge back, so each is charged once."""
        charged: dict[str, int] = defaultdict(int)
        for outgoing in given_back:
            if outgoing.attempt_number == 1 and outgoing.event_type not in UNCHARGED_EVENT_TYPES:
                charged[outgoing.organization_id] += 1
        if not charged:
            return
        limited = quota.quotas_for(session, charged)
        period = quota.period_of(utcnow())
        for organization_id, count in charged.items():
            if limited.get(organization_id) is not None:  # unlimited plans are not charged
                quota.refund(session, organization_id, count, period)

    def _charge(self, session: Session, rows: list[Any], now: datetime) -> list[Any]:
        """Charge first attempts to the monthly quota; hold what does not fit."""
        first: dict[str, list[Any]] = defaultdict(list)
        for row in rows:
            if row.attempts == 0 and row.event_type not in UNCHARGED_EVENT_TYPES:
                first[row.organization_id].append(row)
        if not first:
            return rows
        quotas = {row.organization_id: plan_named(row.plan).monthly_delivery_quota
                  for org_rows in first.values() for row in org_rows}
        held: set[str] = set()
        period = quota.period_of(now)
        for org_id, org_rows in first.items():
            limit = quotas.get(org_id)
            if limit is None:
                continue
            granted = quota.reserve(session, org_id, limit, len(org_rows), period)
            over = [row.id for row in org_rows[granted:]]
            if over:
                held.update(over)
                message = f"held: monthly delivery quota of {limit} reached"
                self._set_aside(session, over, "held", message, now)
        return [row for row in rows if row.id not in held]

    def _set_aside(
        self, session: Session, ids: Sequence[str], status: str, reason: str, now: datetime
    ) -> None:
        session.execute(
            update(D)
            .where(D.id.in_(ids), D.leased_by == self.worker_id)
            .values(status=status, last_error=reason, leased_until=None, leased_by=None,
                    updated_at=now)
            .execution_options(synchronize_session=False)
        )

    def renew(self, ids: Sequence[str]) -> set[str]:
        """Extend this worker's leases on the given deliveries; the ids it still holds.

        Rows being written right now (an outcome on the record thread) are skipped, not
        waited for: their lease is about to end anyway, and two transactions of one worker
        locking the same rows in different orders could deadlock."""
        if not ids:
            return set()
        now = utcnow()
        held = (
            select(D.id)
            .where(D.id.in_(ids), D.leased_by == self.worker_id, D.status == "pending")
            .order_by(D.id)
            .with_for_update(skip_locked=True, key_share=True)
        )
        with self._transaction() as session:
            return set(session.connection().scalars(
                update(D).where(D.id.in_(held.scalar_subquery()))
                .values(leased_until=now + self.lease).returning(D.id)
            ))

    def release(self, handed_back: Sequence[Outgoing]) -> None:
        """Give back leases of deliveries this worker will not attempt, and their charge."""
        if not handed_back:
            return
        with unit_of_work(self.session_factory) as session:
            released = set(session.connection().scalars(
                update(D)
                .where(D.id.in_([o.delivery_id for o in handed_back]),
                       D.leased_by == self.worker_id)
                .values(leased_until=None, leased_by=None)
                .returning(D.id)
            ))
            self._refund(session, [o for o in handed_back if o.delivery_id in released])

    # -- recording --------------------------------------------------------------------

    def record(self, outcomes: Sequence[tuple[Outgoing, AttemptResult]]) -> list[Recorded]:
        if not outcomes:
            return []
        now = utcnow()
        recorded = [
            Recorded(o, r, decide(r, o.max_retries, o.retry_delay_seconds)) for o, r in outcomes
        ]
        postgres = self._postgres()
        with self._transaction() as session:
            if postgres:
                # One round trip: deliveries, attempt rows and health counters together.
                session.connection().exec_driver_sql(
                    _PG_RECORD, self._record_json(recorded, now)
                )
            else:
                connection = session.connection()
                connection.execute(ATTEMPTS.insert(), [_attempt_row(r) for r in recorded])
                connection.execute(
                    _DELIVERY_UPDATE, [self._delivery_params(r, now) for r in recorded]
                )
                connection.execute(_HEALTH_UPDATE, _health_params(recorded))
            self._after_outcomes(session, recorded, now)
        return recorded

    def _record_json(self, recorded: Sequence[Recorded], now: datetime) -> dict[str, Any]:
        """``_PG_RECORD``'s three row sets as JSON documents: serialized in C and parsed by
        PostgreSQL, where psycopg's array adaptation cost Python work per element."""
        return {
            "by": self.worker_id, "now": now,
            "deliveries": _json([self._delivery_params(r, now) for r in recorded]),
            "attempts": _json([_attempt_row(r) for r in recorded]),
            "health": _json(_health_params(recorded)),
        }

    def _delivery_params(self, rec: Recorded, now: datetime) -> dict[str, Any]:
        result = rec.result
        return {
            "b_id": result.delivery_id,
            "b_by": self.worker_id,
            "b_status": rec.decision.status,
            "b_attempts": result.attempt_number,
            "b_next": rec.decision.next_attempt_at,
            "b_last_at": result.started_at,
            "b_code": result.status_code,
            "b_error": result.error,
            "b_delivered": result.started_at if rec.decision.status == "delivered" else None,
            "b_now": now,
        }

    def _after_outcomes(
        self, session: Session, recorded: Sequence[Recorded], now: datetime
    ) -> None:
        """Warn about and disable failing subscriptions (webhooks/health.py)."""
        gone = {r.outgoing.subscription_id: r.decision.disable_reason for r in recorded
                if r.decision.disable_reason}
        failing = {r.outgoing.subscription_id for r in recorded if not r.result.succeeded}
        if not failing:
            return
        # Imported here: health emits events, and emitting imports the fan-out, which the
        # delivery stack must not need at import time.
        from recruitiq.webhooks import health

        health.after_outcomes(session, failing, gone, now, warn_after=self.warn_after,
                              disable_after=self.disable_after)


def _attempt_row(rec: Recorded) -> dict[str, Any]:
    result = rec.result
    return {
        "id": new_id("att"),
        "organization_id": rec.outgoing.organization_id,
        "delivery_id": result.delivery_id,
        "attempt_number": result.attempt_number,
        "started_at": result.started_at,
        "duration_ms": result.duration_ms,
        "status_code": result.status_code,
        "response_body": result.response_body,
        "error": result.error,
    }


def _health_params(recorded: Sequence[Recorded]) -> list[dict[str, Any]]:
    """Per subscription: counts to add, and the failures since its last success."""
    by_subscription: dict[str, list[AttemptResult]] = defaultdict(list)
    for rec in recorded:
        by_subscription[rec.outgoing.subscription_id].append(rec.result)
    params = []
    for subscription_id, results in by_subscription.items():
        results.sort(key=lambda r: r.started_at)
        successes = [r for r in results if r.succeeded]
        failures = [r for r in results if not r.succeeded]
        trailing = 0
        for result in reversed(results):
            if result.succeeded:
                break
            trailing += 1
        params.append({
            "b_id": subscription_id,
            "b_total": len(results),
            "b_ok": len(successes),
            "b_failed": len(failures),
            "b_reset": 1 if successes else 0,
            "b_trailing": trailing,
            "b_last": results[-1].started_at,
            "b_last_ok": successes[-1].started_at if successes else None,
            "b_last_failed": failures[-1].started_at if failures else None,
        })
    return params


def _dt(name: str) -> Any:
    return bindparam(name, type_=DT.last_attempt_at.type)


_DELIVERY_UPDATE = (
    DELIVERIES.update()
    .where(DT.id == bindparam("b_id"), DT.leased_by == bindparam("b_by"))
    .values(
        status=bindparam("b_status"),
        attempts=bindparam("b_attempts"),
        next_attempt_at=_dt("b_next"),
        last_attempt_at=_dt("b_last_at"),
        last_status_code=bindparam("b_code", type_=Integer),
        last_error=bindparam("b_error"),
        delivered_at=_dt("b_delivered"),
        leased_until=None,
        leased_by=None,
        updated_at=_dt("b_now"),
    )
)

_HEALTH_UPDATE = (
    SUBSCRIPTIONS.update()
    .where(ST.id == bindparam("b_id"))
    .values(
        total_deliveries=ST.total_deliveries + bindparam("b_total", type_=Integer),
        successful_deliveries=ST.successful_deliveries + bindparam("b_ok", type_=Integer),
        failed_deliveries=ST.failed_deliveries + bindparam("b_failed", type_=Integer),
        consecutive_failures=case(
            (bindparam("b_reset", type_=Integer) == 1, bindparam("b_trailing", type_=Integer)),
            else_=ST.consecutive_failures + bindparam("b_trailing", type_=Integer),
        ),
        last_delivery_at=_dt("b_last"),
        last_success_at=func.coalesce(_dt("b_last_ok"), ST.last_success_at),
        last_failure_at=func.coalesce(_dt("b_last_failed"), ST.last_failure_at),
        # A success ends the run of failures: the next run warns again.
        failing_notified_at=case(
            (bindparam("b_reset", type_=Integer) == 1, None), else_=ST.failing_notified_at
        ),
    )
)


# PostgreSQL: one statement per claim. Candidates of each priority class in index order,
# locked with SKIP LOCKED (two workers never look at the same row), numbered per organization
# to respect each one's room, interleaved by class weight (see ``pick``), then leased; the
# lease re-checks "pending and lease free" on the locked row.
_PG_CLAIM = """
WITH prio AS (
    SELECT id, organization_id, next_attempt_at, priority FROM webhook_deliveries
    WHERE status = 'pending' AND priority = 1 AND next_attempt_at <= %(now)s
      AND (leased_until IS NULL OR leased_until < %(now)s)
      AND organization_id <> ALL(%(full)s::varchar[])
    ORDER BY next_attempt_at
    LIMIT %(priority_scan)s
    FOR UPDATE SKIP LOCKED
), std AS (
    SELECT id, organization_id, next_attempt_at, priority FROM webhook_deliveries
    WHERE status = 'pending' AND priority = 0 AND next_attempt_at <= %(now)s
      AND (leased_until IS NULL OR leased_until < %(now)s)
      AND organization_id <> ALL(%(full)s::varchar[])
    ORDER BY next_attempt_at
    LIMIT %(scan)s - (SELECT count(*) FROM prio)
    FOR UPDATE SKIP LOCKED
), cand AS (
    SELECT * FROM prio UNION ALL SELECT * FROM std
), ranked AS (
    -- An organization's room goes to its priority deliveries first, then the oldest. Ties
    -- in due time (one event's deliveries share it) stay unordered: an id tie-break only
    -- adds text comparisons.
    SELECT c.id, c.next_attempt_at, c.priority,
           row_number() OVER (PARTITION BY c.organization_id
                              ORDER BY c.priority DESC, c.next_attempt_at) AS n,
           coalesce(r.room, %(default_room)s) AS room
    FROM cand AS c
    LEFT JOIN unnest(%(room_orgs)s::varchar[], %(rooms)s::int[]) AS r(org, room)
           ON r.org = c.organization_id
), eligible AS (
    SELECT id, priority,
           row_number() OVER (PARTITION BY priority ORDER BY next_attempt_at) - 1 AS k
    FROM ranked WHERE n <= room
), picked AS (
    -- Positions are unique within a class; a tie across the classes goes to tie_first.
    SELECT id FROM eligible
    ORDER BY k * CASE WHEN priority = 1 THEN %(standard_weight)s
                      ELSE %(priority_weight)s END,
             priority <> %(tie_first)s
    LIMIT %(limit)s
)
UPDATE webhook_deliveries AS d
SET leased_until = %(until)s, leased_by = %(by)s
FROM picked AS p, webhook_subscriptions AS s, events AS e, organizations AS o
WHERE d.id = p.id AND s.id = d.subscription_id AND e.id = d.event_id
  AND o.id = d.organization_id
  AND d.status = 'pending' AND (d.leased_until IS NULL OR d.leased_until < %(now)s)
RETURNING d.id, d.organization_id, d.subscription_id, d.event_id, d.event_type,
    coalesce(d.payload, e.payload) AS body, d.attempts, d.next_attempt_at, d.priority,
    s.url, s.secret, s.previous_secret, s.previous_secret_expires_at, s.is_active,
    s.deleted_at, s.disabled_reason, s.max_retries, s.retry_delay_seconds, o.plan,
    s.rate_limit_per_second, d.paced_until,
    (SELECT count(*) FROM prio) AS scanned_first, (SELECT count(*) FROM std) AS scanned_rest,
    (SELECT count(DISTINCT organization_id) FROM cand) AS orgs
"""

# PostgreSQL: one statement per batch of outcomes. Data-modifying CTEs always run to
# completion. Deliveries are guarded by leased_by (a worker that lost its lease cannot
# overwrite a newer state); health counters are atomic increments (x = x + n).
_PG_RECORD = """
WITH outcome AS (
    UPDATE webhook_deliveries AS d
    SET status = v.b_status, attempts = v.b_attempts, next_attempt_at = v.b_next,
        last_attempt_at = v.b_last_at, last_status_code = v.b_code, last_error = v.b_error,
        delivered_at = v.b_delivered, leased_until = NULL, leased_by = NULL,
        updated_at = %(now)s
    FROM json_to_recordset(%(deliveries)s::json) AS v(
        b_id varchar, b_status varchar, b_attempts int, b_next timestamptz,
        b_last_at timestamptz, b_code int, b_error text, b_delivered timestamptz)
    WHERE d.id = v.b_id AND d.leased_by = %(by)s
    RETURNING d.id
), attempt AS (
    INSERT INTO webhook_attempts (id, organization_id, delivery_id, attempt_number,
                                  started_at, duration_ms, status_code, response_body, error)
    SELECT * FROM json_to_recordset(%(attempts)s::json) AS a(
        id varchar, organization_id varchar, delivery_id varchar, attempt_number int,
        started_at timestamptz, duration_ms int, status_code int, response_body text,
        error text)
    RETURNING id
), health AS (
    SELECT * FROM json_to_recordset(%(health)s::json) AS v(
        b_id varchar, b_total int, b_ok int, b_failed int, b_reset int, b_trailing int,
        b_last timestamptz, b_last_ok timestamptz, b_last_failed timestamptz)
), locked AS (
    -- In id order: two workers counting on the same subscriptions never deadlock.
    SELECT s.id FROM webhook_subscriptions AS s
    WHERE s.id IN (SELECT b_id FROM health) ORDER BY s.id FOR NO KEY UPDATE
)
UPDATE webhook_subscriptions AS s
SET total_deliveries = s.total_deliveries + v.b_total,
    successful_deliveries = s.successful_deliveries + v.b_ok,
    failed_deliveries = s.failed_deliveries + v.b_failed,
    consecutive_failures = CASE WHEN v.b_reset = 1 THEN v.b_trailing
                                ELSE s.consecutive_failures + v.b_trailing END,
    last_delivery_at = v.b_last,
    last_success_at = coalesce(v.b_last_ok, s.last_success_at),
    last_failure_at = coalesce(v.b_last_failed, s.last_failure_at),
    failing_notified_at = CASE WHEN v.b_reset = 1 THEN NULL ELSE s.failing_notified_at END
FROM health AS v, locked AS l
WHERE s.id = v.b_id AND l.id = s.id
"""


def _json(rows: list[dict[str, Any]]) -> str:
    # orjson writes aware datetimes as ISO 8601 with their offset, which PostgreSQL reads.
    return orjson.dumps(rows).decode()
