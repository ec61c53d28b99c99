"""`recruitiq orgs list` and `recruitiq orgs set-plan`: the operator's view of plans and usage.

A plan change releases held deliveries at once (as far as the new quota allows) and wakes
the dispatcher after its commit; downgrading never drops anything.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from recruitiq.app import create_app
from recruitiq.cli import app as cli
from recruitiq.db import unit_of_work
from recruitiq.kit.clock import utcnow
from recruitiq.models import Organization, WebhookDelivery, WebhookUsage
from recruitiq.usage import service
from recruitiq.webhooks.quota import period_of
from tests.support import register_tenant
from tests.webhooks.receivers import (
    add_subscription,
    create_job,
    deliveries,
    drain,
    receiver,
    set_plan,
    wait_for,
)


@pytest.fixture
def orgs(app, monkeypatch):
    """Run `recruitiq orgs ...` as an operator does, against the test database."""
    from recruitiq.config import get_settings

    monkeypatch.setenv("RECRUITIQ_DATABASE_URL", app.state.settings.resolved_database_url)
    get_settings.cache_clear()

    def run(*args: str, exit_code: int = 0) -> str:
        result = CliRunner().invoke(cli, ["orgs", *args])
        assert result.exit_code == exit_code, result.output
        return result.output

    yield run
    get_settings.cache_clear()


def _set_usage(app, organization_id: str, count: int) -> None:
    with unit_of_work(app.state.session_factory) as session:
        session.add(WebhookUsage(organization_id=organization_id, period=period_of(utcnow()),
                                 deliveries=count))


def _plan(app, organization_id: str) -> str:
    with app.state.session_factory() as session:
        return session.scalars(select(Organization.plan)
                               .where(Organization.id == organization_id)).one()


def _statuses(app, organization_id: str) -> list[str]:
    return sorted(d.status for d in deliveries(app, organization_id))


def _held_deliveries(app, tenant, receiver_url: str, count: int, used: int = 100) -> None:
    """``count`` deliveries held by the free plan's quota (``used`` of 100 already)."""
    add_subscription(app, tenant.organization_id, receiver_url)
    _set_usage(app, tenant.organization_id, used)
    for i in range(count):
        create_job(tenant, f"Job {i}")
    drain(app)


def test_list_shows_each_organizations_plan_and_usage(client, tenant, other_tenant, app, orgs):
    with receiver() as r:
        _held_deliveries(app, tenant, r.url(), 3, used=99)
    set_plan(app, other_tenant.organization_id, "enterprise")
    lines = orgs("list").splitlines()
    month = period_of(utcnow())
    assert lines[0].split() == ["id", "name", "plan", "subscriptions", "deliveries", month,
                                "held"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[1:]}
    assert rows[tenant.organization_id] == ["Acme", "free", "1/50", "100/100", "2"]
    assert rows[other_tenant.organization_id] == ["Globex", "enterprise", "0/500",
                                                  "0/unlimited", "0"]


def test_set_plan_prints_the_new_limits_and_releases_held_deliveries(client, tenant, app, orgs):
    with receiver() as r:
        _held_deliveries(app, tenant, r.url(), 3)
        assert _statuses(app, tenant.organization_id) == ["held"] * 3
        output = orgs("set-plan", tenant.organization_id, "pro")
        # Released by the plan change itself, not by the worker's minutely job.
        assert _statuses(app, tenant.organization_id) == ["pending"] * 3
        drain(app)
        assert _statuses(app, tenant.organization_id) == ["delivered"] * 3
        assert len(r.requests) == 3
    assert output.splitlines() == [
        f"{tenant.organization_id} (Acme): free -> pro",
        "  subscriptions:                  50",
        "  event types per subscription:   100",
        "  deliveries per month:           10,000",
        "  priority delivery:              no",
        "released 3 held deliveries; 0 still held",
    ]
    assert _plan(app, tenant.organization_id) == "pro"


def test_an_upgrade_releases_only_what_the_new_quota_allows(client, tenant, app):
    with receiver() as r:
        _held_deliveries(app, tenant, r.url(), 3)
        _set_usage_to(app, tenant.organization_id, 9_999)  # one left of pro's 10,000
        with unit_of_work(app.state.session_factory) as session:
            change = service.set_plan(session, tenant.organization_id, "pro")
        assert (change.previous.name, change.plan.name, change.released) == ("free", "pro", 1)
        assert change.usage.held == 2
        assert _statuses(app, tenant.organization_id) == ["held", "held", "pending"]
        with unit_of_work(app.state.session_factory) as session:
            assert service.set_plan(session, tenant.organization_id, "enterprise").released == 2
        drain(app)
        assert _statuses(app, tenant.organization_id) == ["delivered"] * 3


def _set_usage_to(app, organization_id: str, count: int) -> None:
    from sqlalchemy import update

    with unit_of_work(app.state.session_factory) as session:
        session.execute(update(WebhookUsage).where(WebhookUsage.organization_id == organization_id)
                        .values(deliveries=count))


def test_a_downgrade_drops_nothing(client, tenant, app, orgs):
    set_plan(app, tenant.organization_id, "enterprise")
    add_subscription(app, tenant.organization_id, "http://127.0.0.1:9/hook")
    for i in range(3):
        create_job(tenant, f"Job {i}")
    _set_usage(app, tenant.organization_id, 500)  # over free's 100 already
    with app.state.session_factory() as session:
        assert set(session.scalars(select(WebhookDelivery.priority))) == {1}
    output = orgs("set-plan", tenant.organization_id, "free")
    assert "enterprise -> free" in output and "released 0 held deliveries" in output
    # Still waiting, now with the standard priority; the quota holds them, nothing fails.
    with app.state.session_factory() as session:
        rows = session.execute(select(WebhookDelivery.status, WebhookDelivery.priority)).all()
    assert sorted(rows) == [("pending", 0)] * 3
    drain(app)
    assert _statuses(app, tenant.organization_id) == ["held"] * 3


def test_an_upgrade_to_enterprise_gives_waiting_deliveries_priority(client, tenant, app):
    add_subscription(app, tenant.organization_id, "http://127.0.0.1:9/hook")
    create_job(tenant)
    [waiting] = deliveries(app, tenant.organization_id)
    assert waiting.priority == 0
    with unit_of_work(app.state.session_factory) as session:
        service.set_plan(session, tenant.organization_id, "enterprise")
    assert [d.priority for d in deliveries(app, tenant.organization_id)] == [1]


@pytest.mark.parametrize(("args", "message"), [
    (["{org}", "gold"], "Unknown plan 'gold'; plans: free, pro, enterprise"),
    (["org_doesnotexist", "pro"], "Organization 'org_doesnotexist' not found"),
])
def test_an_unknown_plan_or_organization_is_exit_code_2_and_changes_nothing(
    client, tenant, app, orgs, args, message
):
    with receiver() as r:
        _held_deliveries(app, tenant, r.url(), 1)
    output = orgs("set-plan", *(a.format(org=tenant.organization_id) for a in args),
                  exit_code=2)
    assert message in output
    assert _plan(app, tenant.organization_id) == "free"
    assert _statuses(app, tenant.organization_id) == ["held"]


def test_the_plan_change_wakes_the_dispatcher_after_commit(settings, database_url, monkeypatch):
    """The embedded dispatcher polls once an hour and the worker's release job is an hour
    away too: only the plan change's release and after-commit wake-up deliver in time."""
    from recruitiq.webhooks import tasks

    monkeypatch.setattr(tasks, "RELEASE_HELD_EVERY", 3600.0)
    app = create_app(settings.model_copy(update={"webhook_poll_seconds": 3600}),
                     run_worker=True)
    try:
        with TestClient(app) as client, receiver() as r:
            tenant = register_tenant(client, "Waking")
            add_subscription(app, tenant.organization_id, r.url())
            _set_usage(app, tenant.organization_id, 100)
            create_job(tenant)
            wait_for(lambda: _statuses(app, tenant.organization_id) == ["held"],
                     what="the delivery held for quota")
            with unit_of_work(app.state.session_factory) as session:
                assert service.set_plan(session, tenant.organization_id, "pro").released == 1
            wait_for(lambda: r.requests, what="the released delivery's POST")
            wait_for(lambda: _statuses(app, tenant.organization_id) == ["delivered"],
                     what="the recorded outcome")
    finally:
        app.state.engine.dispose()
        from tests.conftest import clear_tables

        clear_tables(database_url)
