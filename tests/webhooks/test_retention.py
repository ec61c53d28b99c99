"""Retention: finished history past the cut-off is purged; anything still owed is kept."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update
from typer.testing import CliRunner

from recruitiq.cli import app as cli
from recruitiq.kit.clock import utcnow
from recruitiq.models import Event, WebhookAttempt, WebhookDelivery
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

    monkeypatch.setenv("RECRUITIQ_DATABASE_URL", app.state.settings.resolved_database_url)
    from recruitiq.config import get_settings

    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["webhooks", "purge"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "purged 1 events, 1 deliveries, 2 attempts" in result.output

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
