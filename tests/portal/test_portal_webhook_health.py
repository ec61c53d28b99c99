"""The webhook view shows a failing endpoint, a subscription's rate limit and paced
deliveries, and re-enabling a disabled subscription offers to recover what failed."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from playwright.sync_api import expect
from sqlalchemy import update

from recruitiq.kit.clock import utcnow
from recruitiq.models import WebhookDelivery, WebhookSubscription
from tests.portal.conftest import Operator
from tests.portal.helpers import open_section, sign_in

URL = "https://hooks.example.com/crm"


def _set(app: FastAPI, model: Any, row_id: str, **values: Any) -> None:
    with app.state.session_factory() as session:
        session.execute(update(model).where(model.id == row_id).values(**values))
        session.commit()


def _webhook(operator: Operator, **fields: Any) -> dict[str, Any]:
    created = operator.api.post("/api/v1/webhooks", json={"url": URL, "events": ["*"], **fields})
    assert created.status_code == 201, created.text
    return created.json()["webhook"]  # type: ignore[no-any-return]


def test_a_failing_endpoint_and_its_rate_limit_are_shown(
    page: Any, operator: Operator, app: FastAPI
) -> None:
    webhook = _webhook(operator, rateLimitPerSecond=20)
    _set(app, WebhookSubscription, webhook["id"], consecutive_failures=6,
         failing_notified_at=utcnow())
    sign_in(page, operator)
    open_section(page, "Webhooks")
    row = page.get_by_role("row").filter(has_text=URL)
    expect(row.locator(".badge-failing")).to_have_text("failing")
    expect(row).to_contain_text("it is disabled if it keeps failing")
    expect(row).to_contain_text("at most 20/s")
    expect(row).to_contain_text("6 consecutive failures")


def test_enabling_again_offers_to_recover_and_paced_deliveries_say_so(
    page: Any, operator: Operator, app: FastAPI
) -> None:
    webhook = _webhook(operator)
    job = operator.api.post("/api/v1/jobs", json={"title": "SRE", "department": "Ops",
                                                  "location": "Remote"})
    assert job.status_code == 201, job.text
    (delivery,) = operator.api.get(f"/api/v1/webhooks/{webhook['id']}/events").json()["events"]
    _set(app, WebhookDelivery, delivery["id"], status="failed", last_error="HTTP 500",
         paced_until=utcnow())
    _set(app, WebhookSubscription, webhook["id"], is_active=False, disabled_at=utcnow(),
         disabled_reason="10 consecutive failed attempts", consecutive_failures=10)

    sign_in(page, operator)
    open_section(page, "Webhooks")
    row = page.get_by_role("row").filter(has_text=URL)
    expect(row).to_contain_text("10 consecutive failed attempts")
    row.get_by_role("button", name=f"Deliveries of {URL}").click()
    log = page.get_by_role("region", name=f"Deliveries to {URL}")
    expect(log.locator(".badge-paced")).to_have_text("paced")
    expect(log).to_contain_text("Held by the rate limit until")

    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name=f"Enable {URL}").click()
    expect(page.get_by_role("status")).to_contain_text("Enabled; 1 failed deliveries queued again")
    stored = operator.api.get(f"/api/v1/webhooks/{webhook['id']}").json()["webhook"]
    assert stored["isActive"] and stored["disabledReason"] is None
    (requeued,) = operator.api.get(f"/api/v1/webhooks/{webhook['id']}/events").json()["events"]
    assert requeued["status"] == "pending"
    expect(row.locator(".badge-active")).to_be_visible()
