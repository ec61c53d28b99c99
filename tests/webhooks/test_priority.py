"""Priority delivery (the enterprise plan): when more is due than a claim takes, enterprise
deliveries are claimed first, and standard (free, pro) ones still get a share of every claim.

The claims here are the dispatcher's (``DeliveryStore.claim``: one statement on PostgreSQL,
portable SQL on SQLite), with rooms wide enough that only priority decides what is taken.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

from sqlalchemy import insert, select

from recruitiq.kit.clock import utcnow
from recruitiq.kit.ids import new_id
from recruitiq.models import Event, Organization, WebhookDelivery, WebhookSubscription
from recruitiq.webhooks.dispatcher import Dispatcher
from recruitiq.webhooks.plans import plan_named
from recruitiq.webhooks.store import DeliveryStore
from tests.webhooks.receivers import receiver

ROOM = 1000  # no organization is held back by its concurrency room in these claims


def _org_with_backlog(app, plan: str, count: int, oldest_due_seconds_ago: float,
                      url: str = "http://127.0.0.1:9/hook") -> str:
    """An organization on ``plan`` with ``count`` due deliveries, the first due
    ``oldest_due_seconds_ago``, then one millisecond apart, with the priority the fan-out
    gives its plan."""
    org_id, sub_id = new_id("org"), new_id("wh")
    first_due = utcnow() - timedelta(seconds=oldest_due_seconds_ago)
    priority = plan_named(plan).delivery_priority
    with app.state.session_factory() as session:
        session.add(Organization(id=org_id, name=f"{plan} org", plan=plan))
        session.flush()
        # A rate limit that never binds: these tests are about the claim's order.
        session.add(WebhookSubscription(id=sub_id, organization_id=org_id, url=url, events=["*"],
                                        secret="whsec_" + "A" * 32,
                                        rate_limit_per_second=10_000))
        session.flush()
        for n in range(count):
            due = first_due + timedelta(milliseconds=n)
            event_id = new_id("evt")
            session.execute(insert(Event).values(
                id=event_id, organization_id=org_id, type="job.created", payload="{}",
                created_at=due))
            session.execute(insert(WebhookDelivery).values(
                id=new_id("dlv"), organization_id=org_id, subscription_id=sub_id,
                event_id=event_id, event_type="job.created", status="pending", attempts=0,
                priority=priority, next_attempt_at=due, created_at=due, updated_at=due))
        session.commit()
    return org_id


def _rounds(app, limit: int, rounds: int) -> list[Counter[str]]:
    """Claim ``rounds`` times (``limit`` each, leases kept): deliveries taken per org."""
    store = DeliveryStore(app.state.session_factory, "w1", 600)
    store.orgs_seen = 2
    taken = []
    for _ in range(rounds):
        taken.append(Counter(o.organization_id for o in store.claim(limit, {}, ROOM)))
    return taken


def test_enterprise_deliveries_are_claimed_first(client, app):
    """The free organization's 60 deliveries are due first; the enterprise organization's 40
    came later. In due order (no priority) the first three claims of 20 take only free
    deliveries; with priority, enterprise takes 15 of every 20 slots until its backlog is
    gone (three claims), and then free takes every slot."""
    free = _org_with_backlog(app, "free", 60, oldest_due_seconds_ago=60)
    enterprise = _org_with_backlog(app, "enterprise", 40, oldest_due_seconds_ago=30)
    taken = _rounds(app, limit=20, rounds=5)
    assert [t[enterprise] for t in taken] == [15, 15, 10, 0, 0]
    assert [t[free] for t in taken] == [5, 5, 10, 20, 20]


def test_a_claim_of_one_takes_an_enterprise_delivery_first(client, app):
    free = _org_with_backlog(app, "pro", 5, oldest_due_seconds_ago=60)
    enterprise = _org_with_backlog(app, "enterprise", 5, oldest_due_seconds_ago=1)
    [first] = _rounds(app, limit=1, rounds=1)
    assert first == {enterprise: 1} and free not in first


def test_standard_deliveries_are_never_starved_by_an_enterprise_backlog(client, app):
    """An enterprise backlog of ten claims' worth: the free organization still gets a quarter
    of every claim while it lasts (a strict priority order would give it nothing)."""
    enterprise = _org_with_backlog(app, "enterprise", 200, oldest_due_seconds_ago=60)
    free = _org_with_backlog(app, "free", 30, oldest_due_seconds_ago=30)
    taken = _rounds(app, limit=20, rounds=6)
    assert [t[free] for t in taken] == [5, 5, 5, 5, 5, 5]
    assert [t[enterprise] for t in taken] == [15] * 6


def test_claims_of_one_slot_alternate_while_both_classes_wait(client, app):
    """A dispatcher nearly at its in-flight limit claims one slot at a time. The first goes
    to enterprise; a claim that found standard deliveries and took none owes the next slot
    to them: standard work is taken at least every second claim."""
    enterprise = _org_with_backlog(app, "enterprise", 20, oldest_due_seconds_ago=60)
    free = _org_with_backlog(app, "free", 20, oldest_due_seconds_ago=30)
    taken = _rounds(app, limit=1, rounds=8)
    assert [next(iter(t)) for t in taken] == [enterprise, free] * 4


def test_a_small_claim_still_has_a_standard_slot(client, app):
    enterprise = _org_with_backlog(app, "enterprise", 20, oldest_due_seconds_ago=60)
    free = _org_with_backlog(app, "free", 20, oldest_due_seconds_ago=30)
    taken = _rounds(app, limit=2, rounds=4)
    assert taken == [Counter({enterprise: 1, free: 1})] * 4


def test_fan_out_gives_the_plans_priority_and_retries_keep_it(client, tenant, other_tenant, app):
    from tests.webhooks.receivers import add_subscription, create_job, deliveries, set_plan

    set_plan(app, tenant.organization_id, "enterprise")
    for org in (tenant, other_tenant):
        add_subscription(app, org.organization_id, "http://127.0.0.1:9/hook")
        create_job(org)
    [ent] = deliveries(app, tenant.organization_id)
    [std] = deliveries(app, other_tenant.organization_id)
    assert (ent.priority, std.priority) == (1, 0)
    redelivered = tenant.post(f"/api/v1/webhooks/{ent.subscription_id}/events/{ent.id}/redeliver")
    assert redelivered.status_code == 202, redelivered.text
    with app.state.session_factory() as session:
        priorities = session.scalars(select(WebhookDelivery.priority).where(
            WebhookDelivery.organization_id == tenant.organization_id)).all()
    assert priorities == [1, 1]


def test_a_dispatcher_with_more_due_than_it_can_hold_sends_enterprise_first(client, app):
    """Through the real dispatcher (20 in flight at most): the enterprise backlog, due after
    the free one, is all sent while most of the free one still waits, and free deliveries
    are sent from the start. In due order enterprise would be sent last."""
    with receiver() as r:
        _org_with_backlog(app, "free", 60, oldest_due_seconds_ago=60, url=r.url("/free"))
        _org_with_backlog(app, "enterprise", 40, oldest_due_seconds_ago=30,
                          url=r.url("/enterprise"))

        async def run() -> None:
            await Dispatcher(app.state.settings, app.state.session_factory,
                             asyncio.Event(), claim_batch=20, max_in_flight=20,
                             stop_when_idle=True).run()

        asyncio.run(run())
        order = [req.path for req in r.requests]
    assert Counter(order) == {"/free": 60, "/enterprise": 40}
    last_enterprise = max(i for i, path in enumerate(order) if path == "/enterprise")
    assert last_enterprise < 70, order  # due order: 99
    assert "/free" in order[:20], order  # strict priority: none before the 40th
