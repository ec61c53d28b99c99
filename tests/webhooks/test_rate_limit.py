"""Per-subscription rate limits (webhooks/pacing.py): a burst to a subscription limited to R/s
reaches a real receiver at most R a second, every delivery arrives, none counts as a failed
attempt, and another subscription is not slowed; across two dispatchers too."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from sqlalchemy import select

from recruitiq.kit.clock import utcnow
from recruitiq.models import WebhookUsage
from recruitiq.webhooks import metrics
from recruitiq.webhooks.dispatcher import Dispatcher
from recruitiq.webhooks.pacing import Cursor, book, start_from
from recruitiq.webhooks.quota import period_of
from recruitiq.webhooks.store import DeliveryStore
from tests.support import assert_error, field_errors
from tests.webhooks.receivers import (
    add_subscription,
    create_job,
    deliveries,
    drain,
    receiver,
    set_plan,
    subscription,
)

HOOK = {"url": "https://hooks.example.com/a", "events": ["job.created"]}


def test_booking_fills_each_second_up_to_the_limit():
    seconds, after = book(Cursor(100, 0), 7, 3)
    assert seconds == [100, 100, 100, 101, 101, 101, 102] and after == Cursor(102, 1)
    seconds, after = book(after, 2, 3)
    assert seconds == [102, 102] and after == Cursor(103, 0)
    assert start_from(Cursor(90, 2), 100) == Cursor(100, 0)  # a cursor behind starts now
    assert start_from(Cursor(105, 2), 100) == Cursor(105, 2)  # ahead: after what is booked
    assert start_from(None, 100) == Cursor(100, 0)


def test_rate_limit_is_created_read_updated_and_reset(client, tenant):
    created = tenant.post("/api/v1/webhooks", {**HOOK, "rateLimitPerSecond": 20})
    assert created.status_code == 201, created.text
    hook = created.json()["webhook"]
    assert hook["rateLimitPerSecond"] == 20
    assert tenant.get(f"/api/v1/webhooks/{hook['id']}").json()["webhook"]["rateLimitPerSecond"] == 20
    default = tenant.post("/api/v1/webhooks", HOOK).json()["webhook"]
    assert default["rateLimitPerSecond"] is None
    path = f"/api/v1/webhooks/{hook['id']}"
    assert tenant.put(path, {"rateLimitPerSecond": 5}).json()["webhook"]["rateLimitPerSecond"] == 5
    assert tenant.put(path, {"rateLimitPerSecond": 0}).json()["webhook"]["rateLimitPerSecond"] is None
    tenant.put(path, {"rateLimitPerSecond": 7})
    assert tenant.put(path, {"rateLimitPerSecond": None}).json()["webhook"]["rateLimitPerSecond"] is None
    assert tenant.put(path, {"description": "x"}).json()["webhook"]["rateLimitPerSecond"] is None


@pytest.mark.parametrize("value", [-1, 10_001, "fast", 2.5, True])
def test_a_bad_rate_limit_is_a_422_and_changes_nothing(client, tenant, value):
    hook = tenant.post("/api/v1/webhooks", {**HOOK, "rateLimitPerSecond": 9}).json()["webhook"]
    refused = tenant.post("/api/v1/webhooks", {**HOOK, "rateLimitPerSecond": value})
    assert_error(refused, 422, "validation_error")
    assert "rateLimitPerSecond" in field_errors(refused)
    updated = tenant.put(f"/api/v1/webhooks/{hook['id']}", {"rateLimitPerSecond": value})
    assert_error(updated, 422, "validation_error")
    assert tenant.get(f"/api/v1/webhooks/{hook['id']}").json()["webhook"]["rateLimitPerSecond"] == 9
    assert tenant.get("/api/v1/webhooks").json()["count"] == 1


def _stamped_seconds(requests) -> Counter[int]:
    """Attempts per second as the dispatcher stamped them (``webhook-timestamp``: the second
    the attempt was booked into and started in)."""
    return Counter(int(r.headers["webhook-timestamp"]) for r in requests)


def _assert_at_most_per_second(requests, limit):
    stamped = _stamped_seconds(requests)
    assert max(stamped.values()) <= limit, sorted(stamped.items())
    # The stamps are true: nothing reached the receiver before the second it was stamped
    # with. How late an attempt arrives is the machine's business, never asserted: on a
    # loaded host a request sent at the end of its second can arrive seconds later.
    early = [(r.arrived, r.headers["webhook-timestamp"]) for r in requests
             if int(r.arrived) < int(r.headers["webhook-timestamp"])]
    assert not early, early


def test_a_burst_arrives_at_the_limit_all_of_it_and_another_subscription_is_not_slowed(
    client, tenant, app
):
    limit, burst = 5, 30
    set_plan(app, tenant.organization_id, "pro")  # a quota, so charging is checked
    paced_before = metrics.PACED._value.get()
    with receiver() as slow_r, receiver() as other_r:
        slow = add_subscription(app, tenant.organization_id, slow_r.url(),
                                rate_limit_per_second=limit)
        other = add_subscription(app, tenant.organization_id, other_r.url())
        for i in range(burst):
            create_job(tenant, f"Job {i}")
        drain(app)

    # Every delivery arrived, once each.
    assert len(slow_r.requests) == burst and len(other_r.requests) == burst
    assert len({r.headers["webhook-id"] for r in slow_r.requests}) == burst
    _assert_at_most_per_second(slow_r.requests, limit)
    slow_seconds = _stamped_seconds(slow_r.requests)
    assert len(slow_seconds) >= burst // limit  # six seconds' worth, not one
    # The other subscription (the default limit, 50/s) is not held behind the limited
    # one: none of its deliveries was paced (below), and all were sent before the limited
    # one's last second, which a burst of 30 at 5/s puts five seconds after its first.
    other_seconds = _stamped_seconds(other_r.requests)
    assert max(other_seconds) < max(slow_seconds), (other_seconds, slow_seconds)

    # The log: delivered, one attempt each, the paced ones say so; nothing failed.
    rows = [d for d in deliveries(app, tenant.organization_id) if d.subscription_id == slow]
    assert {d.status for d in rows} == {"delivered"} and {d.attempts for d in rows} == {1}
    assert sum(d.paced_until is not None for d in rows) >= burst - limit
    health = subscription(app, slow)
    assert (health.total_deliveries, health.failed_deliveries, health.consecutive_failures) == (
        burst, 0, 0)
    listed = tenant.get(f"/api/v1/webhooks/{slow}/events", params={"limit": 100}).json()
    assert sum(e["pacedUntil"] is not None for e in listed["events"]) >= burst - limit
    assert all(e["pacedUntil"] is None
               for e in tenant.get(f"/api/v1/webhooks/{other}/events",
                                   params={"limit": 100}).json()["events"])
    # Charged once each, when sent: not again for every second a delivery was held back.
    with app.state.session_factory() as session:
        used = session.scalar(select(WebhookUsage.deliveries).where(
            WebhookUsage.organization_id == tenant.organization_id,
            WebhookUsage.period == period_of(rows[0].created_at)))
    assert used == 2 * burst
    assert metrics.PACED._value.get() - paced_before >= burst - limit


def test_two_dispatchers_share_one_limit(client, tenant, app):
    """Two dispatchers, each with its own connections and worker identity (as two worker
    processes): the booking is the database's, so together they keep the limit."""
    limit, burst = 4, 24
    set_plan(app, tenant.organization_id, "enterprise")
    with receiver() as r:
        add_subscription(app, tenant.organization_id, r.url(), rate_limit_per_second=limit)
        for i in range(burst):
            create_job(tenant, f"Job {i}")
        settings = app.state.settings.model_copy(update={"webhook_poll_seconds": 0.05})

        async def run() -> None:
            pair = [Dispatcher(settings, app.state.session_factory,
                               asyncio.Event(), claim_batch=3, stop_when_idle=True)
                    for _ in range(2)]
            await asyncio.gather(*(d.run() for d in pair))

        asyncio.run(run())
        while len(r.requests) < burst:  # a dispatcher stops when it sees nothing to do
            drain(app, settings)

    assert len(r.requests) == burst
    assert len({req.headers["webhook-id"] for req in r.requests}) == burst
    _assert_at_most_per_second(r.requests, limit)
    assert len(_stamped_seconds(r.requests)) >= burst // limit


def test_a_booking_waits_for_another_and_starts_after_it(client, tenant, app, database_url):
    """Two claims booking on one subscription at once (PostgreSQL row locks): the second
    waits for the first's transaction and books after what it booked, never the same slots."""
    import threading

    from recruitiq.kit.clock import utcnow
    from recruitiq.webhooks.pacing import reserve

    if not database_url.startswith("postgresql"):
        pytest.skip("row locks are PostgreSQL's; SQLite has a single writer")
    sub_id = add_subscription(app, tenant.organization_id, "http://127.0.0.1:9/hook")
    now = int(utcnow().timestamp()) + 100  # a second of the test's own, far from now
    factory = app.state.session_factory
    with factory() as session:  # the cursor row exists (an earlier claim made it)
        reserve(session, {sub_id: (1, 5)}, now - 1000)
        session.commit()
    first = factory()
    assert reserve(first, {sub_id: (3, 5)}, now) == {sub_id: Cursor(now, 0)}
    second_start: list[Cursor] = []

    def book_second() -> None:
        with factory() as session:
            second_start.append(reserve(session, {sub_id: (4, 5)}, now)[sub_id])
            session.commit()

    other = threading.Thread(target=book_second)
    other.start()
    other.join(0.5)
    assert other.is_alive()  # waiting for the first booking's lock, not booking beside it
    first.commit()
    first.close()
    other.join(10)
    assert second_start == [Cursor(now, 3)]
    seconds, after = book(second_start[0], 4, 5)
    assert seconds == [now, now, now + 1, now + 1] and after == Cursor(now + 1, 2)


def _used(app, organization_id) -> int:
    with app.state.session_factory() as session:
        return int(session.scalar(select(WebhookUsage.deliveries).where(
            WebhookUsage.organization_id == organization_id,
            WebhookUsage.period == period_of(utcnow()))) or 0)


def test_a_delivery_given_back_unsent_is_charged_once_when_it_is_sent(client, tenant, app):
    """A claim charges what it keeps to send. What it then gives back unsent (rebooked to a
    later second after waiting past its own, or not attempted at all) is charged again by
    the claim that sends it, so giving it back takes its charge back."""
    set_plan(app, tenant.organization_id, "pro")  # a quota: deliveries are charged
    add_subscription(app, tenant.organization_id, "http://127.0.0.1:9/h", rate_limit_per_second=3)
    for i in range(6):
        create_job(tenant, f"Job {i}")
    store = DeliveryStore(app.state.session_factory, "w1", 60)
    claimed = store.claim(100, {}, 100)
    # Three booked into this second and charged; three paced into the next, not charged.
    assert len(claimed) == 3 and _used(app, tenant.organization_id) == 3
    second = claimed[0].rate_second
    assert second is not None
    # Two waited past their second: the next one is full, so they go to the one after.
    kept, later = store.rebook(claimed[:2], second + 1)
    assert kept == set() and later == {second + 2: [o.delivery_id for o in claimed[:2]]}
    assert _used(app, tenant.organization_id) == 1
    # The third is not attempted at all (the worker stops): its charge goes back too.
    store.release([claimed[2]])
    assert _used(app, tenant.organization_id) == 0
    # Releasing it again (its lease is gone) takes nothing more back.
    store.release([claimed[2]])
    assert _used(app, tenant.organization_id) == 0
