"""One HTTP attempt, and what its outcome means for the delivery.

:func:`attempt` never touches the database and never raises: every outcome (2xx,
non-2xx, redirect, timeout, refused connection) comes back as an :class:`AttemptResult`,
which the dispatcher records as a ``webhook_attempts`` row. :func:`decide` turns a result
into the delivery's next state (delivered, retry at a time, failed) with the contract's
schedule: ``retryDelaySeconds × 3^(n-1)`` plus up to 10 % jitter, ``Retry-After`` honoured
on 429/503 (capped at an hour), ``410 Gone`` final.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from recruitiq.config import Settings
from recruitiq.kit.clock import utcnow
from recruitiq.webhooks.client import ProtocolError, WebhookClient
from recruitiq.webhooks.signing import signed_headers
from recruitiq.webhooks.ssrf import Allowlist, SsrfRefused

logger = logging.getLogger("recruitiq.webhooks.delivery")

RETRY_AFTER_CAP_SECONDS = 3600
RETRY_JITTER = 0.1
RETRY_AFTER_STATUSES = (429, 503)


@dataclass(frozen=True)
class Outgoing:
    """Everything one attempt needs, read from the claimed rows."""

    delivery_id: str
    organization_id: str
    subscription_id: str
    event_id: str
    event_type: str
    url: str
    body: bytes
    secret: str
    previous_secret: str | None
    attempt_number: int
    max_retries: int
    retry_delay_seconds: int
    # The Unix second the subscription's rate limit booked this attempt into (it may start
    # only within it); None when the rate limit does not apply (a test send).
    rate_second: int | None = None
    rate_limit: int = 0


@dataclass(frozen=True)
class AttemptResult:
    delivery_id: str
    attempt_number: int
    started_at: datetime
    duration_ms: int
    status_code: int | None
    response_body: str | None
    error: str | None
    retry_after_seconds: float | None = None

    @property
    def succeeded(self) -> bool:
        return self.error is None and self.status_code is not None and 200 <= self.status_code < 300

    @property
    def ok(self) -> bool:
        """Alias of :attr:`succeeded`, the name the test endpoint reads."""
        return self.succeeded


@dataclass(frozen=True)
class Decision:
    status: str  # "delivered", "pending" (retry at next_attempt_at) or "failed"
    next_attempt_at: datetime | None
    disable_reason: str | None = None


def make_client(settings: Settings) -> WebhookClient:
    """The process's client with this deployment's timeout and SSRF policy."""
    return WebhookClient(
        timeout_seconds=settings.webhook_timeout_seconds,
        guarded=settings.is_production,
        allowlist=Allowlist(settings.webhook_allowlist_entries),
    )


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        seconds = (moment - now).total_seconds()
    return min(max(seconds, 1.0), RETRY_AFTER_CAP_SECONDS)


async def attempt(client: WebhookClient, outgoing: Outgoing) -> AttemptResult:
    started_at = utcnow()
    began = time.perf_counter()

    def result(
        status: int | None, body: str | None, error: str | None, retry_after: float | None = None
    ) -> AttemptResult:
        return AttemptResult(
            delivery_id=outgoing.delivery_id,
            attempt_number=outgoing.attempt_number,
            started_at=started_at,
            duration_ms=int((time.perf_counter() - began) * 1000),
            status_code=status,
            response_body=body,
            error=error,
            retry_after_seconds=retry_after,
        )

    headers = signed_headers(
        outgoing.body,
        event_id=outgoing.event_id,
        event_type=outgoing.event_type,
        secret=outgoing.secret,
        previous_secret=outgoing.previous_secret,
        timestamp=outgoing.rate_second if outgoing.rate_second is not None else int(time.time()),
    )
    try:
        response = await client.post(outgoing.url, outgoing.body, headers)
    except TimeoutError:
        return result(None, None, f"timed out after {client.timeout_seconds:g} s")
    except SsrfRefused as exc:
        return result(None, None, str(exc))
    except (OSError, ProtocolError) as exc:
        return result(None, None, f"{type(exc).__name__}: {exc}"[:500])
    except Exception as exc:
        # A bug here must not strand the delivery under its lease: record it as a failed try.
        logger.exception("webhook attempt %s failed unexpectedly", outgoing.delivery_id)
        return result(None, None, f"internal error ({type(exc).__name__}); retried later")
    status = response.status
    # Databases refuse NUL in text columns; one such byte must not make the outcome unrecordable.
    text = response.body.decode("utf-8", "replace").replace("\x00", "\ufffd") or None
    retry_after = None
    if status in RETRY_AFTER_STATUSES:
        retry_after = parse_retry_after(response.retry_after, utcnow())
    error = None
    if 300 <= status < 400:
        error = f"redirect ({status}) not followed"
    elif not 200 <= status < 300:
        error = f"HTTP {status}"
    return result(status, text, error, retry_after)


def retry_delay_seconds(base_seconds: int, attempts_made: int) -> float:
    """Delay before retry number ``attempts_made`` (1 → base, 2 → 3×base, 3 → 9×base)."""
    nominal = base_seconds * 3 ** (attempts_made - 1)
    return float(nominal * (1 + random.uniform(0, RETRY_JITTER)))  # noqa: S311


def decide(result: AttemptResult, max_retries: int, base_delay_seconds: int) -> Decision:
    if result.succeeded:
        return Decision("delivered", None)
    if result.status_code == 410:
        return Decision("failed", None, "endpoint answered 410 Gone")
    if result.attempt_number > max_retries:
        return Decision("failed", None)
    delay = result.retry_after_seconds or retry_delay_seconds(
        base_delay_seconds, result.attempt_number
    )
    return Decision("pending", utcnow() + timedelta(seconds=delay))
