"""Leases outlive a worker's queue: what a worker holds stays its own until attempted, and an
attempt never starts on a lease that could lapse while it is on the wire."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import select, update

from recruitiq.config import Settings
from recruitiq.kit.clock import utcnow
from recruitiq.models import WebhookDelivery
from recruitiq.webhooks import metrics
from recruitiq.webhooks.dispatcher import Dispatcher
from recruitiq.webhooks.store import DeliveryStore
from tests.webhooks.receivers import (
    Reply,
    add_subscription,
    create_job,
    deliveries,
    receiver,
    set_plan,
)


def _slow_backlog(app, tenant, r, jobs: int) -> None:
    set_plan(app, tenant.organization_id, "enterprise")  # beyond the free plan's 100 a month
    add_subscription(app, tenant.organization_id, r.url())
    for i in range(jobs):
        create_job(tenant, f"Job {i}")


def _two_dispatchers(app, settings, *, renewals_fail: bool) -> None:
    """The first claims the whole backlog; the second starts once it has, and runs until the
    first has drained it. Both in one loop, each with its own worker identity."""
    factory = app.state.session_factory

    async def run() -> None:
        first = Dispatcher(settings, factory, asyncio.Event(), stop_when_idle=True)
        if renewals_fail:
            def refuse(ids):
                raise ConnectionError("database unreachable")
            first.store.renew = refuse  # type: ignore[method-assign]
        second_stopping = asyncio.Event()
        second = Dispatcher(settings, factory, second_stopping)
        first_run = asyncio.create_task(first.run())
        while not first.in_flight:
            await asyncio.sleep(0.01)
        second_run = asyncio.create_task(second.run())
        await first_run
        while any(d.status == "pending" for d in _all(factory)):
            await asyncio.sleep(0.05)
        second_stopping.set()
        await second_run

    asyncio.run(run())


def _all(factory) -> list[WebhookDelivery]:
    with factory() as session:
        return list(session.scalars(select(WebhookDelivery)))


@pytest.mark.parametrize("renewals_fail", [False, True], ids=["renewed", "renewals-fail"])
def test_a_queue_longer_than_its_lease_is_never_sent_twice_at_once(
    client, tenant, app, renewals_fail
):
    """One organization's attempts run one at a time and each takes 0.25 s, so the last of
    twelve starts ~2.75 s after the claim, past the 2 s lease. Renewed (every 0.5 s), the
    first worker keeps every lease and sends all twelve. With renewals failing, it starts only what its lease
    covers and gives the rest back for the next claim. Either way every
    delivery reaches the receiver exactly once."""
    settings = app.state.settings.model_copy(update={
        "webhook_lease_seconds": 2.0, "webhook_timeout_seconds": 0.5,
        "webhook_max_concurrency_per_org": 1, "webhook_poll_seconds": 0.05,
    })
    with receiver() as r:
        r.default = Reply(200, delay=0.25)
        _slow_backlog(app, tenant, r, 12)
        handed_back_before = _handed_back()
        _two_dispatchers(app, settings, renewals_fail=renewals_fail)

    rows = deliveries(app, tenant.organization_id)
    assert len(rows) == 12 and {d.status for d in rows} == {"delivered"}
    assert {d.attempts for d in rows} == {1}
    sent = Counter(req.headers["webhook-id"] for req in r.requests)
    assert sorted(sent.values()) == [1] * 12
    handed_back = _handed_back() - handed_back_before
    if renewals_fail:
        # Not everything fit in one lease: the rest was handed back (and claimed again, by
        # either worker), never sent while another could take it.
        assert handed_back > 0
    else:
        assert handed_back == 0


def _handed_back() -> float:
    return metrics.LEASES_HANDED_BACK._value.get()


def test_renewal_extends_only_this_workers_pending_leases(client, tenant, app):
    with receiver() as r:
        _slow_backlog(app, tenant, r, 3)
    mine = DeliveryStore(app.state.session_factory, "worker-a", 60)
    theirs = DeliveryStore(app.state.session_factory, "worker-b", 60)
    [kept, recorded] = mine.claim(2, {}, 10)
    [other] = theirs.claim(1, {}, 10)
    with app.state.session_factory() as session:
        session.execute(update(WebhookDelivery).where(WebhookDelivery.id == recorded.delivery_id)
                        .values(status="delivered", leased_by=None, leased_until=None))
        session.commit()
    before = {d.id: d.leased_until for d in deliveries(app, tenant.organization_id)}

    renewed = mine.renew([kept.delivery_id, recorded.delivery_id, other.delivery_id])

    assert renewed == {kept.delivery_id}
    after = {d.id: d.leased_until for d in deliveries(app, tenant.organization_id)}
    assert after[kept.delivery_id] > before[kept.delivery_id]
    assert after[kept.delivery_id] > utcnow() + timedelta(seconds=50)
    assert after[other.delivery_id] == before[other.delivery_id]
    assert after[recorded.delivery_id] is None


def test_a_lease_must_cover_two_attempt_timeouts():
    with pytest.raises(ValidationError, match="webhook_lease_seconds must be at least twice"):
        Settings(webhook_lease_seconds=15, webhook_timeout_seconds=10)
    assert Settings(webhook_lease_seconds=20, webhook_timeout_seconds=10).webhook_lease_seconds == 20


def test_a_graceful_stop_gives_back_what_it_had_not_started(client, tenant, app):
    """The attempt on the wire finishes and is recorded; the deliveries still waiting for
    their organization's slot are released at once, not left to wait out their lease."""
    settings = app.state.settings.model_copy(update={"webhook_max_concurrency_per_org": 1})
    with receiver() as r:
        r.default = Reply(200, delay=0.5)
        _slow_backlog(app, tenant, r, 5)

        async def run() -> None:
            stopping = asyncio.Event()
            dispatcher = Dispatcher(settings, app.state.session_factory,
                                    stopping)
            running = asyncio.create_task(dispatcher.run())
            while not r.requests:
                await asyncio.sleep(0.01)
            stopping.set()
            await running

        asyncio.run(run())
        assert len(r.requests) == 1
    rows = deliveries(app, tenant.organization_id)
    assert sorted(d.status for d in rows) == ["delivered"] + ["pending"] * 4
    assert all(d.leased_by is None and d.leased_until is None for d in rows)
