"""Retention: finished history past the cut-off is purged; anything still owed is kept."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select, update
from typer.testing import CliRunner

from recruitiq.cli import app as cli
from recruitiq.kit.background import WorkerContext
from recruitiq.kit.clock import utcnow
from recruitiq.models import Event, WebhookAttempt, WebhookDelivery
from recruitiq.worker import all_jobs
from tests.webhooks.receivers import (
    Reply,
    add_subscription,
    create_job,
    deliveries,
    drain,
    receiver,
)


def _age(app, days):
    """Make every event, delivery and attempt so far ``days`` old."""
    past = utcnow() - timedelta(days=days)
    with app.state.session_factory() as session:
        session.execute(update(Event).values(created_at=past))
        session.execute(update(WebhookDelivery).values(created_at=past))
        session.execute(update(WebhookAttempt).values(started_at=past))
        session.commit()


def _count(app, model, organization_id):
    with app.state.session_factory() as session:
        return session.scalar(select(func.count()).select_from(model)
                              .where(model.organization_id == organization_id))


def test_purge_command_removes_old_history_but_keeps_what_is_owed(client, tenant, app, monkeypatch):
    with receiver() as r:
        add_subscription(app, tenant.organization_id, r.url())
        create_job(tenant, "Delivered long ago")
        drain(app)
        r.replies = [Reply(500)]
        create_job(tenant, "Still retrying")
        drain(app)
        _age(app, 100)
        create_job(tenant, "Recent")
        drain(app)
    assert _count(app, Event, tenant.organization_id) == 3

    assert "purged 1 events, 1 deliveries, 2 attempts" in _purge_command(app, monkeypatch)

    remaining = deliveries(app, tenant.organization_id)
    assert sorted(d.status for d in remaining) == ["delivered", "pending"]
    assert _count(app, Event, tenant.organization_id) == 2
    assert _count(app, WebhookAttempt, tenant.organization_id) == 1  # the recent one


def test_retention_days_setting_is_respected(client, tenant, app):
    from recruitiq.webhooks.retention import purge

    with receiver() as r:
        add_subscription(app, tenant.organization_id, r.url())
        create_job(tenant)
        drain(app)
    _age(app, 10)
    assert purge(app.state.session_factory, 90).events == 0
    report = purge(app.state.session_factory, 7)
    assert (report.events, report.deliveries, report.attempts) == (1, 1, 1)


def _eight_days_and_fresh_history(app, tenant):
    with receiver() as r:
        add_subscription(app, tenant.organization_id, r.url())
        create_job(tenant, "Eight days old")
        drain(app)
        _age(app, 8)
        create_job(tenant, "Fresh")
        drain(app)


def test_worker_retention_job_reads_retention_days(client, tenant, app):
    _eight_days_and_fresh_history(app, tenant)
    [job] = [j for j in all_jobs(app.state.settings) if j.name == "webhook-retention"]

    def run_job(retention_days):
        settings = app.state.settings.model_copy(update={"retention_days": retention_days})
        asyncio.run(job.run(WorkerContext(settings, app.state.engine, app.state.session_factory)))

    run_job(9)
    assert _count(app, Event, tenant.organization_id) == 2
    run_job(7)
    assert _count(app, Event, tenant.organization_id) == 1
    assert _count(app, WebhookDelivery, tenant.organization_id) == 1
    assert _count(app, WebhookAttempt, tenant.organization_id) == 1
    with app.state.session_factory() as session:
        kept = session.scalars(select(Event.payload)
                               .where(Event.organization_id == tenant.organization_id)).one()
    assert "Fresh" in kept


def test_purge_command_reads_recruitiq_retention_days(client, tenant, app, monkeypatch):
    _eight_days_and_fresh_history(app, tenant)
    output = _purge_command(app, monkeypatch, RECRUITIQ_RETENTION_DAYS="7")
    assert "purged 1 events, 1 deliveries, 1 attempts" in output
    assert len(deliveries(app, tenant.organization_id)) == 1


def _purge_command(app, monkeypatch, **env: str) -> str:
    """`recruitiq webhooks purge`, configured by its environment as an operator runs it."""
    from recruitiq.config import get_settings

    monkeypatch.setenv("RECRUITIQ_DATABASE_URL", app.state.settings.resolved_database_url)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["webhooks", "purge"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    return result.output
