"""What a chaos run must show, computed from the database's rows and the receiver's record.

Pure functions of plain data (no database, no HTTP), so tests/test_chaos.py can check that
each kind of failure is caught. Times are seconds since the epoch on one machine's clock:
the receiver notes arrivals with ``time.time()``, the workers start attempts with
``utcnow()``, the driver notes each SIGKILL with ``time.time()``.

At least once, precisely: a request reaches the receiver, the worker that sent it is killed
before the outcome's transaction commits, its lease runs out, and another worker sends the
event again. Every request the database has no attempt row for must have such a kill: of
the process whose connection carried it (the receiver notes each request's source port;
the driver notes every worker's connections to the receiver as it runs, and the killed
one's again just before the signal), after the request arrived and before the delivery's
next recorded attempt. A 2xx among
them is a duplicate the receiver sees (and de-duplicates on ``webhook-id``). Any other
unrecorded request, a second success row, or a success the receiver never saw, is a defect.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

HANG = 0  # the receiver's status for a request it held past the dispatcher's timeout
# A kill noted a moment before the receiver's arrival stamp still explains that request
# (the bytes were on the wire); an attempt row's start precedes its arrival by the connect.
ARRIVAL_SLACK_SECONDS = 1.0


@dataclass(frozen=True)
class Attempt:
    delivery_id: str
    number: int
    started_at: float
    status_code: int | None
    error: str | None

    @property
    def succeeded(self) -> bool:
        return self.error is None and self.status_code is not None and 200 <= self.status_code < 300


@dataclass(frozen=True)
class Delivery:
    id: str
    subscription_id: str
    event_id: str
    status: str
    attempts: int
    last_error: str | None


@dataclass(frozen=True)
class Subscription:
    id: str
    organization_id: str
    total: int
    successful: int
    failed: int
    active: bool
    disabled_reason: str | None


@dataclass(frozen=True)
class Receipt:
    subscription_id: str
    event_id: str
    arrival: float
    status: int  # HANG for a request held past the timeout
    port: int | None = None  # the sender's source port

    @property
    def succeeded(self) -> bool:
        return 200 <= self.status < 300


@dataclass(frozen=True)
class Kill:
    at: float
    # The killed process's connections to the receiver (their local ports), seen while it
    # ran; None where /proc could not tell (then any kill in time explains).
    ports: frozenset[int] | None = None

    def explains(self, receipt: Receipt, until: float) -> bool:
        in_time = receipt.arrival - ARRIVAL_SLACK_SECONDS <= self.at <= until
        if self.ports is None or receipt.port is None:
            return in_time
        return in_time and receipt.port in self.ports


@dataclass
class Report:
    events: int = 0
    deliveries: int = 0
    expected: int = 0
    kills: int = 0
    requests: int = 0
    attempt_rows: int = 0
    fanout_missing: list[tuple[str, str]] = field(default_factory=list)
    fanout_extra: list[str] = field(default_factory=list)
    not_delivered: list[Delivery] = field(default_factory=list)
    lost: list[tuple[str, str]] = field(default_factory=list)  # (subscription, event)
    success_rows_wrong: list[tuple[str, int]] = field(default_factory=list)  # delivery, rows
    unseen_successes: list[str] = field(default_factory=list)  # delivery ids
    duplicates: int = 0
    duplicates_explained: int = 0
    unrecorded: int = 0
    unrecorded_explained: int = 0
    unexplained: list[Receipt] = field(default_factory=list)
    counter_mismatches: list[str] = field(default_factory=list)
    inactive: list[Subscription] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.fanout_missing or self.fanout_extra or self.not_delivered
                    or self.lost or self.success_rows_wrong or self.unseen_successes
                    or self.unexplained or self.counter_mismatches or self.inactive)

    def problems(self) -> list[str]:
        found = []
        if self.fanout_missing:
            found.append(f"{len(self.fanout_missing)} (event, subscription) pairs have no "
                         f"delivery row, e.g. {self.fanout_missing[0]}")
        if self.fanout_extra:
            found.append(f"{len(self.fanout_extra)} delivery rows match no event and "
                         f"subscription, e.g. {self.fanout_extra[0]}")
        if self.not_delivered:
            d = self.not_delivered[0]
            found.append(f"{len(self.not_delivered)} deliveries not delivered, e.g. {d.id} "
                         f"{d.status} after {d.attempts} attempts: {d.last_error}")
        if self.lost:
            found.append(f"LOST: {len(self.lost)} deliveries never answered 2xx by the "
                         f"receiver, e.g. {self.lost[0]}")
        if self.success_rows_wrong:
            found.append(f"{len(self.success_rows_wrong)} deliveries without exactly one "
                         f"successful attempt row, e.g. {self.success_rows_wrong[0]}")
        if self.unseen_successes:
            found.append(f"{len(self.unseen_successes)} successful attempt rows the receiver "
                         f"has no 2xx for, e.g. {self.unseen_successes[0]}")
        if self.unexplained:
            r = self.unexplained[0]
            found.append(f"{len(self.unexplained)} requests the database has no attempt for "
                         f"and no kill explains, e.g. {r}")
        found += self.counter_mismatches
        for sub in self.inactive:
            found.append(f"subscription {sub.id} disabled: {sub.disabled_reason}")
        return found


# Operator events about a subscription's health go to the organization's *other*
# subscriptions; the fan-out decides which, and the checks take its rows as what is owed.
OPERATOR_EVENT_PREFIX = "webhook."


def expected_pairs(events: list[tuple[str, str, str]],
                   subscriptions: list[Subscription]) -> set[tuple[str, str]]:
    """(subscription, event) for each event and each subscription of its organization (the
    run's subscriptions all take ``"*"``); operator events aside."""
    by_org: dict[str, list[str]] = defaultdict(list)
    for sub in subscriptions:
        by_org[sub.organization_id].append(sub.id)
    return {(sub_id, event_id) for event_id, org, event_type in events
            if not event_type.startswith(OPERATOR_EVENT_PREFIX) for sub_id in by_org[org]}


def verify(
    events: list[tuple[str, str, str]],
    subscriptions: list[Subscription],
    deliveries: list[Delivery],
    attempts: list[Attempt],
    receipts: list[Receipt],
    kills: list[Kill],
    timeout_seconds: float,
) -> Report:
    """``events`` are (event id, organization id, type)."""
    report = Report(events=len(events), deliveries=len(deliveries), kills=len(kills),
                    requests=len(receipts), attempt_rows=len(attempts))
    expected = expected_pairs(events, subscriptions)
    report.expected = len(expected)
    by_pair = {(d.subscription_id, d.event_id): d for d in deliveries}
    operator = {event_id for event_id, _, event_type in events
                if event_type.startswith(OPERATOR_EVENT_PREFIX)}
    report.fanout_missing = sorted(expected - by_pair.keys())
    report.fanout_extra = sorted(d.id for pair, d in by_pair.items()
                                 if pair not in expected and d.event_id not in operator)
    owed = expected | {pair for pair in by_pair if pair[1] in operator}
    report.not_delivered = [d for d in deliveries if d.status != "delivered"]
    report.inactive = [s for s in subscriptions if not s.active]

    received: dict[tuple[str, str], list[Receipt]] = defaultdict(list)
    for receipt in receipts:
        received[(receipt.subscription_id, receipt.event_id)].append(receipt)
    rows: dict[str, list[Attempt]] = defaultdict(list)
    for attempt in attempts:
        rows[attempt.delivery_id].append(attempt)

    report.lost = sorted(pair for pair in owed
                         if not any(r.succeeded for r in received.get(pair, [])))
    for pair, delivery in by_pair.items():
        delivery_rows = sorted(rows.get(delivery.id, []), key=lambda a: a.number)
        successes = [a for a in delivery_rows if a.succeeded]
        if delivery.status == "delivered" and len(successes) != 1:
            report.success_rows_wrong.append((delivery.id, len(successes)))
        unmatched, unseen = _match(sorted(received.get(pair, []), key=lambda r: r.arrival),
                                   delivery_rows, timeout_seconds)
        report.unseen_successes += [delivery.id for a in unseen if a.succeeded]
        for receipt in unmatched:
            report.unrecorded += 1
            report.duplicates += receipt.succeeded
            later = [a.started_at for a in delivery_rows if a.started_at > receipt.arrival]
            until = min(later) if later else float("inf")
            if any(kill.explains(receipt, until) for kill in kills):
                report.unrecorded_explained += 1
                report.duplicates_explained += receipt.succeeded
            else:
                report.unexplained.append(receipt)

    report.counter_mismatches = _counters(subscriptions, deliveries, attempts)
    return report


def _match(receipts: list[Receipt], rows: list[Attempt],
           timeout_seconds: float) -> tuple[list[Receipt], list[Attempt]]:
    """Pair each attempt row with the request it made: the first unpaired arrival after the
    attempt started (within its timeout) whose answer is the one recorded. Returns the
    requests no row claims, and the rows that found no request (a refused connection is
    such a row legitimately; a 2xx is not)."""
    free = list(receipts)
    unseen = []
    for row in rows:
        window_end = row.started_at + timeout_seconds + ARRIVAL_SLACK_SECONDS
        match = next((r for r in free
                      if row.started_at - ARRIVAL_SLACK_SECONDS <= r.arrival <= window_end
                      and _same_answer(row, r)), None)
        if match is None:
            unseen.append(row)
        else:
            free.remove(match)
    return free, unseen


def _same_answer(row: Attempt, receipt: Receipt) -> bool:
    if row.status_code is not None:
        return row.status_code == receipt.status
    # Timed out (or the connection failed): the receiver held it, or answered too late.
    return True


def _counters(subscriptions: list[Subscription], deliveries: list[Delivery],
              attempts: list[Attempt]) -> list[str]:
    """Each subscription's counters against its attempt rows."""
    subscription_of = {d.id: d.subscription_id for d in deliveries}
    counted: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for attempt in attempts:
        tally = counted[subscription_of.get(attempt.delivery_id, "?")]
        tally[0] += 1
        tally[1 if attempt.succeeded else 2] += 1
    mismatches = []
    for sub in subscriptions:
        rows = counted.get(sub.id, [0, 0, 0])
        if [sub.total, sub.successful, sub.failed] != rows:
            mismatches.append(
                f"subscription {sub.id}: counters total/successful/failed "
                f"{sub.total}/{sub.successful}/{sub.failed}, attempt rows {rows[0]}/{rows[1]}/"
                f"{rows[2]}")
    return mismatches


def summary_lines(report: Report) -> list[str]:
    return [
        f"events {report.events}, deliveries {report.deliveries} "
        f"(expected {report.expected}: every event for every subscription of its organization)",
        f"requests at the receiver {report.requests}; attempt rows {report.attempt_rows}; "
        f"SIGKILLs {report.kills}",
        f"lost {len(report.lost)}; not delivered {len(report.not_delivered)}",
        f"unrecorded requests {report.unrecorded} (sent, then the sender was killed before "
        f"recording), {report.unrecorded_explained} explained by a kill",
        f"duplicates {report.duplicates} (a 2xx whose success was not recorded before the "
        f"kill, sent again after the lease ran out), {report.duplicates_explained} explained",
        f"subscription counters vs attempt rows: "
        f"{'match' if not report.counter_mismatches else 'MISMATCH'}",
    ]


def receipts_from_records(records: dict[str, list[list[Any]]],
                          subscription_of_path: dict[str, str]) -> list[Receipt]:
    """The receiver's ``GET /records`` as receipts (paths mapped to subscription ids)."""
    return [Receipt(subscription_of_path.get(path, path), event_id, float(arrival), int(status),
                    port)
            for path, entries in records.items() for event_id, arrival, status, port in entries]
