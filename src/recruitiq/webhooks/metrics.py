"""Prometheus metrics: ``GET /metrics`` in the text exposition format.

Counters and the latency histogram count the attempts made by this process (the embedded
dispatcher of ``recruitiq serve``). Queue depth and the age of the oldest due delivery are
read from the database at scrape time, so they are true for all workers together. Only
aggregates are exposed: no organization, URL or payload appears in a label. Still, volumes
and queue depths are the operator's business: who may read them is ``metrics_token`` and
``metrics_allowlist`` (docs/operations.md).
"""

from __future__ import annotations

import hmac
import ipaddress

from fastapi import Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from recruitiq.config import Settings
from recruitiq.errors import Forbidden, Unauthorized
from recruitiq.kit.clock import utcnow
from recruitiq.kit.routing import api_router
from recruitiq.models import WebhookDelivery
from recruitiq.webhooks.plans import PRIORITY, STANDARD

DELIVERY_OUTCOMES = Counter(
    "recruitiq_webhook_attempts_total",
    "Webhook delivery attempts by outcome (delivered, retry, failed).",
    ["outcome"],
)
ATTEMPT_SECONDS = Histogram(
    "recruitiq_webhook_attempt_duration_seconds",
    "Duration of one webhook HTTP attempt.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
LEASES_HANDED_BACK = Counter(
    "recruitiq_webhook_leases_handed_back_total",
    "Claimed deliveries given back unattempted because their lease could lapse during the "
    "attempt (lease renewals failing: the database unreachable or overloaded).",
)
PACED = Counter(
    "recruitiq_webhook_paced_total",
    "Deliveries a subscription's rate limit held back to a later second (not attempts).",
)
RATE_REBOOKED = Counter(
    "recruitiq_webhook_rate_rebooked_total",
    "Claimed deliveries booked into a new second because the one their subscription's rate "
    "limit booked them into ended before they could start (they waited for a slot).",
)
QUEUE_DEPTH = Gauge(
    "recruitiq_webhook_queue_depth",
    "Deliveries waiting, by status (pending, held; paced: pending and held back by their "
    "subscription's rate limit, a part of pending).",
    ["status"],
)
OLDEST_DUE_AGE = Gauge(
    "recruitiq_webhook_oldest_due_age_seconds",
    "How long the oldest due pending delivery has been waiting (0 when none).",
)

router = api_router(tags=["meta"])


def refresh_queue_gauges(session: Session) -> None:
    rows = session.execute(
        select(WebhookDelivery.status, func.count())
        .where(WebhookDelivery.status.in_(("pending", "held")))
        .group_by(WebhookDelivery.status)
    )
    counts: dict[str, int] = {status: count for status, count in rows}
    for status in ("pending", "held"):
        QUEUE_DEPTH.labels(status).set(counts.get(status, 0))
    now = utcnow()
    paced = session.scalar(
        select(func.count()).select_from(WebhookDelivery).where(
            WebhookDelivery.status == "pending", WebhookDelivery.paced_until > now)
    )
    QUEUE_DEPTH.labels("paced").set(paced or 0)
    # One index probe per priority class: the due index is (status, priority, next_attempt_at).
    firsts = [
        session.scalar(
            select(func.min(WebhookDelivery.next_attempt_at)).where(
                WebhookDelivery.status == "pending", WebhookDelivery.priority == priority,
                WebhookDelivery.next_attempt_at <= now,
            )
        )
        for priority in (STANDARD, PRIORITY)
    ]
    oldest = min((first for first in firsts if first is not None), default=None)
    OLDEST_DUE_AGE.set(0 if oldest is None else max(0.0, (now - oldest).total_seconds()))


def _client_in(host: str | None, networks: list[str], *, loopback: bool) -> bool:
    try:
        address = ipaddress.ip_address(host or "")
    except ValueError:
        return False
    if loopback and address.is_loopback:
        return True
    return any(address in ipaddress.ip_network(net, strict=False) for net in networks)


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def require_scraper(request: Request, settings: Settings) -> None:
    """A configured token is required of everyone outside the allowlist; without a token,
    production mode lets in only loopback and the allowlist (development: anyone)."""
    host = request.client.host if request.client else None
    allowlist = settings.metrics_allowlist_entries
    if settings.metrics_token:
        given = (_bearer(request) or "").encode()
        if hmac.compare_digest(given, settings.metrics_token.encode()):
            return
        if _client_in(host, allowlist, loopback=False):
            return
        raise Unauthorized("GET /metrics needs the metrics token (RECRUITIQ_METRICS_TOKEN)",
                           headers={"WWW-Authenticate": "Bearer"})
    if not settings.is_production or _client_in(host, allowlist, loopback=True):
        return
    raise Forbidden("GET /metrics is open to loopback and RECRUITIQ_METRICS_ALLOWLIST only; "
                    "set RECRUITIQ_METRICS_TOKEN to scrape it from elsewhere")


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    require_scraper(request, request.app.state.settings)
    with request.app.state.session_factory() as session:
        refresh_queue_gauges(session)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
