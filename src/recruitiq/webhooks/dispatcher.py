"""The webhook dispatcher: claim due deliveries, attempt them, record the outcomes.

Public interface (other modules rely on these names; committed deliveries wake it through
:data:`recruitiq.webhooks.wakeup.DELIVERIES`):

``async deliver_now(ctx, delivery_id: str) -> AttemptResult``
    Attempt one pending delivery immediately, ignoring its schedule and the quota (the
    "send test event" button). ``ctx`` is anything with ``.settings`` and
    ``.session_factory``: a :class:`~recruitiq.kit.background.WorkerContext` or ``app.state``.
    Call it only after the delivery row is committed (it uses its own transactions). If
    another dispatcher has already leased the delivery, it waits for that attempt's row
    and returns it instead, so the test never delivers twice.
    ``AttemptResult`` (webhooks/delivery.py): ``status_code``, ``duration_ms``,
    ``response_body``, ``error``, ``succeeded`` (alias ``ok``).

How it runs: one asyncio loop per process. Claims and result writes run on two dedicated
threads (the database driver blocks) while HTTP runs on the loop over one pool of keep-alive
connections (:mod:`recruitiq.webhooks.client`). A claim leases a batch; each delivery then
waits for its organization's slot (at most ``webhook_max_concurrency_per_org`` in flight per
organization and process, and a bounded number claimed), so one tenant's backlog never
starves another. Results are written in batches as they accumulate. A lease ends when its
outcome is recorded. While the process lives it renews the leases of everything it holds
every quarter lease, so a queue that takes longer than one lease (slow receivers) stays its
own, and it starts an attempt only if the lease outlasts the attempt's timeout: if renewals
fail, the delivery is handed back rather than sent while another worker may take it. A
process that dies leaves its leases to expire, and another worker attempts those deliveries
again (at-least-once; receivers de-duplicate on ``webhook-id``).
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import os
import socket
import time
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from recruitiq.config import Settings
from recruitiq.db import is_sqlite
from recruitiq.models import WebhookAttempt, WebhookDelivery
from recruitiq.webhooks import metrics
from recruitiq.webhooks.client import WebhookClient
from recruitiq.webhooks.delivery import AttemptResult, Outgoing, attempt, make_client
from recruitiq.webhooks.store import DeliveryStore, Recorded
from recruitiq.webhooks.wakeup import DELIVERIES

__all__ = ["Dispatcher", "deliver_now"]

logger = logging.getLogger("recruitiq.webhooks.dispatcher")

CLAIM_BATCH = 256
RECORD_BATCH = 128
RECORD_LINGER_SECONDS = 0.01
RECORD_RETRY_PAUSES = (0.05, 0.5, 2.0)
MAX_IN_FLIGHT = 2048
# Claimed-but-unfinished (attempting, waiting or being recorded) per organization, as a
# multiple of its concurrency: up to 50x when few organizations have a backlog, so a lone
# tenant's pipeline does not run dry while outcomes are written; shared out (at least 5x)
# when many do, so none waits behind another's queue. Renewed leases cover the wait.
CLAIMED_PER_ORG_MAX_FACTOR = 50
CLAIMED_PER_ORG_MIN_FACTOR = 5
LEASE_RENEWALS_PER_LEASE = 4
REBOOK_RETRY_PAUSE_SECONDS = 0.5
# An attempt starts only if its lease outlasts the timeout by this much (or a tenth of the
# lease, if less): time to record the outcome before another worker may claim it.
RECORD_MARGIN_SECONDS = 5.0


class HasDatabase(Protocol):
    settings: Settings
    session_factory: sessionmaker[Session]


def worker_identity() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def observe(recorded: list[Recorded]) -> None:
    outcomes = Counter(rec.decision.status for rec in recorded)
    for status, count in outcomes.items():
        metrics.DELIVERY_OUTCOMES.labels("retry" if status == "pending" else status).inc(count)
    for rec in recorded:
        metrics.ATTEMPT_SECONDS.observe(rec.result.duration_ms / 1000)


class Dispatcher:
    def __init__(
        self,
        settings: Settings,
        session_factory: sessionmaker[Session],
        stopping: asyncio.Event,
        *,
        claim_batch: int = CLAIM_BATCH,
        max_in_flight: int = MAX_IN_FLIGHT,
        stop_when_idle: bool = False,
    ) -> None:
        self.settings = settings
        self.stopping = stopping
        self.store = DeliveryStore(
            session_factory, worker_identity(), settings.webhook_lease_seconds,
            keep_connections=True,
            default_rate_limit=settings.webhook_default_rate_limit_per_second,
            warn_after_failures=settings.webhook_warn_after_failures,
            disable_after_failures=settings.webhook_disable_after_failures,
        )
        # Seconds this process booked paced deliveries into (a heap): it claims again as
        # each one starts, so a paced delivery is sent in its second, not a poll later.
        self.booked: list[int] = []
        self.claim_batch = claim_batch
        self.max_in_flight = max_in_flight
        # Tests, the CLI and the bench drain the queue and stop: nothing due, nothing in flight.
        self.stop_when_idle = stop_when_idle
        self.per_org = settings.webhook_max_concurrency_per_org
        self.wake = asyncio.Event()
        self.slot_freed = asyncio.Event()
        self.results_ready = asyncio.Event()
        self.org_slots: dict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(self.per_org)
        )
        self.claimed_by_org: dict[str, int] = defaultdict(int)
        # Loop time at which the lease of each delivery claimed and not yet finished ends.
        self.lease_ends: dict[str, float] = {}
        lease = settings.webhook_lease_seconds
        self.attempt_needs = settings.webhook_timeout_seconds + min(RECORD_MARGIN_SECONDS,
                                                                    lease / 10)
        self.room_cap = self.per_org * CLAIMED_PER_ORG_MIN_FACTOR
        self.in_flight = 0
        self.results: list[tuple[Outgoing, AttemptResult]] = []
        self.unattempted: list[Outgoing] = []
        # Rate-limited deliveries claimed and not yet started: the second each is booked
        # into, and what a rebooking needs; ``paced_away`` (by object id) those a rebooking
        # gave back to a later second, whose tasks only leave.
        self.rate_seconds: dict[str, int] = {}
        self.rate_waiting: dict[str, Outgoing] = {}
        self.paced_away: set[int] = set()
        # Set by a delivery whose second is over: everything waiting is booked again at
        # once, in one transaction, and ``rebooked`` is resolved.
        self.rebook_now = asyncio.Event()
        self.rebooked: asyncio.Future[None] | None = None
        self.tasks: set[asyncio.Task[None]] = set()
        self.claim_thread = ThreadPoolExecutor(1, thread_name_prefix="webhook-claim")
        self.record_thread = ThreadPoolExecutor(1, thread_name_prefix="webhook-record")

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        DELIVERIES.register(loop, self.wake)
        url = self.settings.resolved_database_url
        listener = (
            None if is_sqlite(url) else asyncio.create_task(DELIVERIES.listen(url, self.wake))
        )
        client = make_client(self.settings)
        recorder = asyncio.create_task(self._record_loop())
        keeper = asyncio.create_task(self._keep_leases())
        rebooker = asyncio.create_task(self._rebook_loop())
        try:
            await self._claim_loop(client)
        finally:
            # Graceful stop: attempts already on the wire finish and are recorded; claimed
            # deliveries not yet started give their lease back for another worker.
            if self.tasks:
                await asyncio.gather(*self.tasks, return_exceptions=True)
            self.results_ready.set()
            await recorder
            await keeper
            await rebooker
            DELIVERIES.unregister(self.wake)
            if listener is not None:
                listener.cancel()
                await asyncio.gather(listener, return_exceptions=True)
            await client.close()
            self.claim_thread.shutdown()
            self.record_thread.shutdown()
            self.store.close()

    async def _claim_loop(self, client: WebhookClient) -> None:
        loop = asyncio.get_running_loop()
        while not self.stopping.is_set():
            capacity = self.max_in_flight - self.in_flight
            if capacity <= 0:
                self.slot_freed.clear()
                await self._wait_for(self.slot_freed, None)
                continue
            self.wake.clear()
            room_cap = self.room_cap = self._room_per_org()
            rooms = {org: room_cap - n for org, n in self.claimed_by_org.items() if n}
            lease_ends = loop.time() + self.settings.webhook_lease_seconds
            try:
                batch = await loop.run_in_executor(
                    self.claim_thread, self.store.claim, min(capacity, self.claim_batch),
                    rooms, room_cap,
                )
            except Exception:
                logger.exception("claiming deliveries failed; retrying after the poll interval")
                batch = []
            paced = self._note_booked()
            for outgoing in batch:
                # Already held (its lease ran out while it waited, and this claim took it
                # again): the claim renewed it; it is started once.
                held = outgoing.delivery_id in self.lease_ends
                self.lease_ends[outgoing.delivery_id] = lease_ends
                if not held:
                    self._start(client, outgoing)
            if paced:
                # The rows paced were due: whatever is due behind them (other
                # subscriptions' deliveries) is claimed at once, not after a poll.
                continue
            if not batch and self.stop_when_idle and self.in_flight == 0 and not self.booked:
                self.stopping.set()
                return
            if len(batch) < min(capacity, self.claim_batch) and not (
                batch and self.store.scan_exhausted
            ):
                # A scan taken whole (several organizations' rows) is claimed past at once;
                # otherwise wait for a wake-up, a freed organization slot, the next booked
                # second or the poll.
                await self._wait_for(self.wake, self._until_next_claim())

    def _note_booked(self) -> int:
        paced, self.store.paced_last = self.store.paced_last, 0
        if paced:
            metrics.PACED.inc(paced)
        booked, self.store.booked_seconds = self.store.booked_seconds, set()
        for second in booked.difference(self.booked):
            heapq.heappush(self.booked, second)
        return paced

    def _until_next_claim(self) -> float:
        poll = self.settings.webhook_poll_seconds
        now = time.time()
        while self.booked and self.booked[0] <= now - 1:
            heapq.heappop(self.booked)  # that second is over; its claim has been made
        if not self.booked:
            return poll
        wait = self.booked[0] - now
        if wait <= 0:
            # The second has begun: this wait's claim is its claim.
            heapq.heappop(self.booked)
            return 0.0
        return min(poll, wait)

    def _room_per_org(self) -> int:
        shared = self.max_in_flight // max(1, self.store.orgs_seen)
        return max(self.per_org * CLAIMED_PER_ORG_MIN_FACTOR,
                   min(self.per_org * CLAIMED_PER_ORG_MAX_FACTOR, shared))

    async def _wait_for(self, event: asyncio.Event, timeout: float | None) -> None:
        stop = asyncio.ensure_future(self.stopping.wait())
        signal = asyncio.ensure_future(event.wait())
        await asyncio.wait({stop, signal}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        for waiter in (stop, signal):
            waiter.cancel()

    def _start(self, client: WebhookClient, outgoing: Outgoing) -> None:
        self.in_flight += 1
        self.claimed_by_org[outgoing.organization_id] += 1
        if outgoing.rate_second is not None:
            self.rate_seconds[outgoing.delivery_id] = outgoing.rate_second
            self.rate_waiting[outgoing.delivery_id] = outgoing
        task = asyncio.create_task(self._attempt(client, outgoing))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _attempt(self, client: WebhookClient, outgoing: Outgoing) -> None:
        async with self.org_slots[outgoing.organization_id]:
            if id(outgoing) in self.paced_away:
                self.paced_away.discard(id(outgoing))
                return  # given back to a later second while it waited (already finished)
            if self.stopping.is_set():
                self._forget_rate(outgoing)
                self._hand_back(outgoing)
                return
            lease_left = self.lease_ends[outgoing.delivery_id] - asyncio.get_running_loop().time()
            if lease_left < self.attempt_needs:
                # Renewals failed: sent now, it could still be on the wire when another
                # worker claims it. Handed back, it is sent once, by whoever claims it next.
                metrics.LEASES_HANDED_BACK.inc()
                self._forget_rate(outgoing)
                self._hand_back(outgoing)
                return
            in_its_second = await self._in_its_second(outgoing)
            if in_its_second is None:
                return
            result = await attempt(client, in_its_second)
        self.results.append((outgoing, result))
        self.results_ready.set()

    def _hand_back(self, outgoing: Outgoing) -> None:
        """Not attempted: the record loop releases its lease for the next claim."""
        self.unattempted.append(outgoing)
        self._finished([outgoing])
        self.results_ready.set()

    def _forget_rate(self, outgoing: Outgoing) -> None:
        self.rate_seconds.pop(outgoing.delivery_id, None)
        self.rate_waiting.pop(outgoing.delivery_id, None)

    async def _in_its_second(self, outgoing: Outgoing) -> Outgoing | None:
        """The delivery to send now, stamped with its second; None if the rate limit gave it
        back to a later second. An attempt starts only within the second it was booked
        into, so no second sees more than the limit start, whoever claimed them."""
        if outgoing.rate_second is None:
            return outgoing
        while True:
            if id(outgoing) in self.paced_away:
                self.paced_away.discard(id(outgoing))
                return None
            second = self.rate_seconds[outgoing.delivery_id]
            if second == int(time.time()):
                self._forget_rate(outgoing)
                # Stamped with its second: a new one only when it was booked again.
                return outgoing if second == outgoing.rate_second else replace(
                    outgoing, rate_second=second)
            if self.stopping.is_set():
                self._forget_rate(outgoing)
                self._hand_back(outgoing)
                return None
            # Its second is over (it waited for the organization's slot): book it again,
            # with everything else that waits.
            if self.rebooked is None:
                self.rebooked = asyncio.get_running_loop().create_future()
            self.rebook_now.set()
            await asyncio.shield(self.rebooked)

    async def _rebook_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while not self.stopping.is_set() or self.rebooked is not None:
            if self.rebooked is None:
                await self._wait_for(self.rebook_now, None)
            self.rebook_now.clear()
            done, self.rebooked = self.rebooked, None
            now_second = int(time.time())
            late = [self.rate_waiting[i] for i, second in self.rate_seconds.items()
                    if second < now_second]
            try:
                granted, later = (
                    await loop.run_in_executor(self.claim_thread, self.store.rebook, late,
                                               now_second)
                    if late and not self.stopping.is_set() else (set(), {})
                )
            except Exception:
                logger.warning("booking %d rate-limited deliveries again failed", len(late),
                               exc_info=True)
                await asyncio.sleep(REBOOK_RETRY_PAUSE_SECONDS)
                granted, later = set(), {}
            metrics.RATE_REBOOKED.inc(len(late))
            given_back = {i for ids in later.values() for i in ids}
            paced_away = [o for o in late if o.delivery_id in given_back]
            for outgoing in late:
                if outgoing.delivery_id in granted:
                    self.rate_seconds[outgoing.delivery_id] = now_second
            for outgoing in paced_away:
                # Given back in the rebooking's transaction: finished here, its task (waiting
                # for the organization's slot) only leaves.
                self._forget_rate(outgoing)
                self.paced_away.add(id(outgoing))
            if paced_away:
                metrics.PACED.inc(len(paced_away))
                self._finished(paced_away)
                for second in set(later).difference(self.booked):
                    heapq.heappush(self.booked, second)
            if done is not None and not done.done():
                done.set_result(None)

    def _finished(self, outgoing: list[Outgoing]) -> None:
        low_water = self.room_cap // 2
        room_opened = False
        for item in outgoing:
            self.in_flight -= 1
            del self.lease_ends[item.delivery_id]
            self.claimed_by_org[item.organization_id] -= 1
            left = self.claimed_by_org[item.organization_id]
            # Claim again once half an organization's room is free, not after every result:
            # fewer, larger claim transactions.
            room_opened = room_opened or left <= low_water
            if not left:
                del self.claimed_by_org[item.organization_id]
        self.slot_freed.set()
        if self.stop_when_idle or (self.store.more_due and room_opened):
            self.wake.set()

    async def _record_loop(self) -> None:
        while True:
            await self.results_ready.wait()
            if len(self.results) < RECORD_BATCH and not self.stopping.is_set():
                # Let a few more outcomes arrive: one transaction per batch, not per result.
                await asyncio.sleep(RECORD_LINGER_SECONDS)
            self.results_ready.clear()
            batch, self.results = self.results, []
            if batch:
                recorded = await self._record(batch)
                if recorded is not None:
                    observe(recorded)
                self._finished([o for o, _ in batch])
            handed_back, self.unattempted = self.unattempted, []
            if handed_back:
                await self._release(handed_back)
            if (self.stopping.is_set() and not self.tasks and not self.results
                    and not self.unattempted):
                return

    async def _release(self, handed_back: list[Outgoing]) -> None:
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self.record_thread, self.store.release, handed_back)
        except Exception:
            # The leases then run out by themselves; the deliveries are claimed after that.
            logger.warning("giving back %d leases failed", len(handed_back), exc_info=True)

    async def _keep_leases(self) -> None:
        """Renew the leases of every delivery this process holds, a quarter-lease apart."""
        loop = asyncio.get_running_loop()
        lease = self.settings.webhook_lease_seconds
        while not self.stopping.is_set():
            await self._wait_for(self.stopping, lease / LEASE_RENEWALS_PER_LEASE)
            held = list(self.lease_ends)
            if not held or self.stopping.is_set():
                continue
            renewed_at = loop.time()
            try:
                renewed = await loop.run_in_executor(self.claim_thread, self.store.renew, held)
            except Exception:
                logger.warning("renewing %d leases failed; attempts they no longer cover are "
                               "handed back", len(held), exc_info=True)
                continue
            for delivery_id in renewed.intersection(self.lease_ends):
                self.lease_ends[delivery_id] = renewed_at + lease

    async def _record(
        self, batch: list[tuple[Outgoing, AttemptResult]]
    ) -> list[Recorded] | None:
        """Write a batch of outcomes, retrying a failed write (a deadlock between workers
        updating the same subscriptions' counters, a dropped connection) before giving up."""
        loop = asyncio.get_running_loop()
        for pause in (*RECORD_RETRY_PAUSES, None):
            try:
                return await loop.run_in_executor(self.record_thread, self.store.record, batch)
            except Exception:
                if pause is None:
                    # Unrecorded outcomes keep their lease until it expires; the delivery is
                    # then attempted again (at-least-once), never lost.
                    logger.exception("recording %d delivery outcomes failed", len(batch))
                    return None
                logger.warning("recording %d delivery outcomes failed; retrying in %ss",
                               len(batch), pause, exc_info=True)
                await asyncio.sleep(pause)
        return None


async def run_dispatcher(ctx: Any) -> None:
    """The worker job: runs until ``ctx.stopping`` is set."""
    await Dispatcher(ctx.settings, ctx.session_factory, ctx.stopping).run()


async def deliver_now(ctx: HasDatabase, delivery_id: str) -> AttemptResult:
    lease = ctx.settings.webhook_lease_seconds
    store = DeliveryStore(ctx.session_factory, worker_identity(), lease,
                          warn_after_failures=ctx.settings.webhook_warn_after_failures,
                          disable_after_failures=ctx.settings.webhook_disable_after_failures)
    outgoing = await asyncio.to_thread(store.claim_one, delivery_id)
    if outgoing is None:
        return await _await_other_attempt(ctx, delivery_id)
    client = make_client(ctx.settings)
    try:
        result = await attempt(client, outgoing)
    finally:
        await client.close()
    observe(await asyncio.to_thread(store.record, [(outgoing, result)]))
    return result


async def _await_other_attempt(ctx: HasDatabase, delivery_id: str) -> AttemptResult:
    """The delivery is leased elsewhere (or already final): report that attempt instead."""
    known = await asyncio.to_thread(_delivery_state, ctx.session_factory, delivery_id)
    if known is None:
        raise LookupError(f"delivery {delivery_id} does not exist")
    attempts_before, in_progress = known
    wanted = attempts_before + 1 if in_progress else attempts_before
    deadline = asyncio.get_running_loop().time() + ctx.settings.webhook_lease_seconds
    while True:
        row = await asyncio.to_thread(_latest_attempt, ctx.session_factory, delivery_id)
        if row is not None and row.attempt_number >= wanted:
            return AttemptResult(
                delivery_id=delivery_id, attempt_number=row.attempt_number,
                started_at=row.started_at, duration_ms=row.duration_ms or 0,
                status_code=row.status_code, response_body=row.response_body, error=row.error,
            )
        if not in_progress or asyncio.get_running_loop().time() > deadline:
            raise LookupError(f"delivery {delivery_id} is not pending and has no attempt")
        await asyncio.sleep(0.05)


def _delivery_state(factory: sessionmaker[Session], delivery_id: str) -> tuple[int, bool] | None:
    with factory() as session:
        row = session.execute(
            select(WebhookDelivery.attempts, WebhookDelivery.status, WebhookDelivery.leased_by)
            .where(WebhookDelivery.id == delivery_id)
        ).first()
    if row is None:
        return None
    return row.attempts, row.status == "pending" and row.leased_by is not None


def _latest_attempt(factory: sessionmaker[Session], delivery_id: str) -> WebhookAttempt | None:
    with factory() as session:
        return session.scalar(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id == delivery_id)
            .order_by(WebhookAttempt.attempt_number.desc())
            .limit(1)
        )
