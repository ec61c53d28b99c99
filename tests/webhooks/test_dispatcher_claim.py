"""The claim (one statement on PostgreSQL, portable SQL on SQLite): per-organization room,
leases that exclude a second claimer, scans taken whole, kept connections that recover."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.orm import sessionmaker

from recruitiq.kit.clock import utcnow
from recruitiq.kit.ids import new_id
from recruitiq.models import Event, Organization, WebhookDelivery, WebhookSubscription
from recruitiq.webhooks.delivery import AttemptResult
from recruitiq.webhooks.dispatcher import Dispatcher
from recruitiq.webhooks.store import DeliveryStore
from tests.webhooks.receivers import drain, receiver, wait_for


def _backlog(app, per_org: dict[str, int], url: str = "http://127.0.0.1:9/hook") -> list[str]:
    """Organizations (enterprise plan) with ``n`` pending deliveries each, due one
    millisecond apart in round-robin order over the organizations; their ids."""
    now = utcnow() - timedelta(seconds=5)
    orgs = [new_id("org") for _ in per_org]
    subs = {org_id: new_id("wh") for org_id in orgs}
    with app.state.session_factory() as session:
        for org_id in orgs:
            session.add(Organization(id=org_id, name=org_id, plan="enterprise"))
        session.flush()
        for org_id, sub_id in subs.items():
            # A rate limit that never binds: these tests are about the claim itself.
            session.add(WebhookSubscription(id=sub_id, organization_id=org_id, url=url,
                                            events=["*"], secret="whsec_" + "A" * 32,
                                            rate_limit_per_second=10_000))
        session.flush()
        seq = 0
        for i in range(max(per_org.values())):
            for org_id, count in zip(orgs, per_org.values(), strict=True):
                if i >= count:
                    continue
                seq += 1
                due = now + timedelta(milliseconds=seq)
                event_id = new_id("evt")
                session.execute(insert(Event).values(
                    id=event_id, organization_id=org_id, type="job.created", payload="{}",
                    created_at=due))
                session.execute(insert(WebhookDelivery).values(
                    id=new_id("dlv"), organization_id=org_id, subscription_id=subs[org_id],
                    event_id=event_id, event_type="job.created", status="pending", attempts=0,
                    next_attempt_at=due, created_at=due, updated_at=due))
        session.commit()
    return orgs


def _store(app, name: str, **kwargs) -> DeliveryStore:
    return DeliveryStore(app.state.session_factory, name, 60, **kwargs)


def test_claim_respects_each_organizations_room_and_leases_once(client, app):
    a, b, c = _backlog(app, {"a": 6, "b": 6, "c": 6})
    store = _store(app, "w1")
    store.orgs_seen = 3
    claimed = store.claim(100, {a: 2, b: 0}, 4)
    by_org = {org: sum(o.organization_id == org for o in claimed) for org in (a, b, c)}
    assert by_org == {a: 2, b: 0, c: 4}
    assert store.more_due  # b was full and a had more: claim again when room opens
    assert all(o.attempt_number == 1 and o.body == b"{}" for o in claimed)
    # A second worker never gets a leased row.
    other = _store(app, "w2")
    other.orgs_seen = 3
    again = other.claim(100, {}, 10)
    assert not {o.delivery_id for o in again} & {o.delivery_id for o in claimed}
    assert len(again) == 18 - len(claimed)
    with app.state.session_factory() as session:
        leases = dict(session.execute(select(WebhookDelivery.id, WebhookDelivery.leased_by)).all())
    assert {leases[o.delivery_id] for o in claimed} == {"w1"}
    assert {leases[o.delivery_id] for o in again} == {"w2"}


def test_a_scan_taken_whole_is_flagged_and_the_next_scan_covers_every_organization(client, app):
    orgs = _backlog(app, dict.fromkeys("abcd", 5))
    store = _store(app, "w1")
    first = store.claim(100, {}, 1)  # scans 2 rows (one org's room, twice), takes both
    assert len(first) == 2 and store.scan_exhausted and not store.more_due
    assert store.orgs_seen == 2  # the next scan covers two organizations' rooms
    assert len(store.claim(100, {o.organization_id: 0 for o in first}, 1)) == 2
    store.orgs_seen = len(orgs)
    second = store.claim(100, {o.organization_id: 0 for o in first}, 3)
    assert len(second) > 0
    assert not {o.organization_id for o in second} & {o.organization_id for o in first}
    assert max(sum(o.organization_id == org for o in second) for org in orgs) <= 3


def test_kept_connections_are_replaced_after_a_failure_and_closed(client, app):
    _backlog(app, {"a": 3})
    store = _store(app, "w1", keep_connections=True)
    assert len(store.claim(1, {}, 10)) == 1
    kept = list(store._kept)
    try:
        with store._transaction() as session:
            session.execute(select(WebhookDelivery.id))
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert all(connection.closed for connection in kept)
    assert len(store.claim(10, {}, 10)) == 2
    store.close()
    assert store._kept == []


def test_several_organizations_backlogs_drain_in_one_run(client, app):
    with receiver() as r:
        orgs = _backlog(app, dict.fromkeys("abcdef", 30), r.url())
        drain(app)
        assert len(r.requests) == 180
        assert len({req.headers["webhook-id"] for req in r.requests}) == 180
        with app.state.session_factory() as session:
            statuses = session.scalars(select(WebhookDelivery.status).where(
                WebhookDelivery.organization_id.in_(orgs))).all()
        assert set(statuses) == {"delivered"}


def test_room_per_organization_is_deep_for_few_backlogs_and_shared_among_many(app):
    """One tenant's pipeline must not run dry while outcomes are written (up to 50x its
    concurrency claimed), yet with many backlogs no tenant waits behind another's queue."""
    dispatcher = Dispatcher(app.state.settings, app.state.session_factory,
                            asyncio.Event())
    rooms = {}
    for organizations in (1, 8, 100):
        dispatcher.store.orgs_seen = organizations
        rooms[organizations] = dispatcher._room_per_org()
    dispatcher.claim_thread.shutdown()
    dispatcher.record_thread.shutdown()
    assert rooms == {1: 10 * 50, 8: 2048 // 8, 100: 10 * 5}


def test_outcomes_lock_subscriptions_in_id_order_so_two_workers_never_deadlock(
    client, app, database_url
):
    """Each batch of outcomes updates its subscriptions' health counters. Taken in whatever
    order a batch had, two workers' row locks crossed and PostgreSQL killed one batch as a
    deadlock (its deliveries then waited out their leases). Locks go in id order now: with
    the higher-id subscription held elsewhere, a batch listing it first has already locked
    the lower one while it waits."""
    if not database_url.startswith("postgresql"):
        pytest.skip("row locks are PostgreSQL's; SQLite has a single writer")
    _backlog(app, {"a": 1, "b": 1})
    store = _store(app, "worker-a")
    outcomes = [(o, AttemptResult(o.delivery_id, 1, utcnow(), 1, 200, "ok", None))
                for o in store.claim(10, {}, 500)]
    outcomes.sort(key=lambda pair: pair[0].subscription_id, reverse=True)
    low, high = sorted(o.subscription_id for o, _ in outcomes)
    engine = app.state.engine
    with engine.begin() as conn:
        # The lower id's row is rewritten, so a scan of the table now meets it last: only an
        # explicit id order can lock it first.
        conn.execute(text("UPDATE webhook_subscriptions SET description = 'moved' WHERE id = :id"),
                     {"id": low})
    lock = text("SELECT id FROM webhook_subscriptions WHERE id = :id FOR UPDATE SKIP LOCKED")
    with engine.connect() as holder:
        assert holder.execute(lock, {"id": high}).first() is not None
        recording = threading.Thread(target=store.record, args=(outcomes,))
        recording.start()
        wait_for(lambda: _waiting_on_a_lock(engine), what="the batch to wait for the held row")
        with engine.connect() as probe:
            low_taken_by_batch = probe.execute(lock, {"id": low}).first() is None
            probe.rollback()
        holder.rollback()
    recording.join(timeout=30)
    assert low_taken_by_batch
    with app.state.session_factory() as session:
        assert set(session.scalars(select(WebhookDelivery.status))) == {"delivered"}


def _waiting_on_a_lock(engine) -> bool:
    with engine.connect() as conn:
        return bool(conn.scalar(text(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )))


def test_a_claim_updates_the_rows_in_place_on_postgresql(client, app, database_url):
    """A lease changes no indexed column; with the table's pages half free PostgreSQL writes
    it as a heap-only tuple (HOT) update, adding no entry to any index. With full pages
    (the default fillfactor) none of these 60 was."""
    if not database_url.startswith("postgresql"):
        pytest.skip("heap-only tuple updates are PostgreSQL's")
    _backlog(app, {"a": 60})
    with app.state.engine.connect() as conn, conn.begin():
        # The claim's commit becomes a savepoint: this transaction's counters see it.
        factory = sessionmaker(bind=conn, join_transaction_mode="create_savepoint")
        claimed = DeliveryStore(factory, "w1", 60).claim(100, {}, 100)
        updated, hot = conn.execute(text(
            "SELECT pg_stat_get_xact_tuples_updated(c.oid), "
            "pg_stat_get_xact_tuples_hot_updated(c.oid) "
            "FROM pg_class AS c WHERE c.relname = 'webhook_deliveries'"
        )).one()
    assert len(claimed) == 60
    assert (updated, hot) == (60, 60)
