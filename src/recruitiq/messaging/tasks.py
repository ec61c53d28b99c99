"""The worker's side of candidate e-mail: claim due messages, send, record the outcome.

A claim is a short transaction that leases the rows, so several workers (or a worker
that died mid-send) never send the same message twice within a lease; the send happens
outside any transaction, in a thread; the outcome is a second short transaction.
Delivery is at-least-once: a worker that dies after the server accepted a message but
before recording it sends it again once the lease expires (with the same Message-ID).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from recruitiq.config import Settings
from recruitiq.db import is_sqlite, unit_of_work
from recruitiq.kit.background import PeriodicJob, WorkerContext
from recruitiq.kit.clock import utcnow
from recruitiq.messaging import smtp
from recruitiq.messaging.wakeup import MESSAGES
from recruitiq.models import Message

logger = logging.getLogger("recruitiq.messaging")

# Delay before retry n (after the first attempt fails): 1, 5, then 30 minutes; the
# attempt after the last delay is the final one.
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30))
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
LEASE = timedelta(minutes=10)
# smtplib's timeout bounds each blocking step; a send is a handful of them (connect,
# STARTTLS, AUTH, DATA).
STEPS_PER_SEND = 4
BATCH_SIZE = 20
# Messages queued by this process wake the sender at once; this poll finds the others
# (another API process) and the retries that fall due.
POLL_SECONDS = 5.0


@dataclass(frozen=True)
class SendOutcome:
    message_id: str
    header_message_id: str | None = None
    error: str | None = None


def _claim_due(
    session: Session, now: datetime, lease_ends: datetime, mail_from: str
) -> list[smtp.OutgoingMail]:
    stmt = (
        select(Message)
        .where(
            Message.status == "queued",
            Message.next_attempt_at <= now,
            or_(Message.leased_until.is_(None), Message.leased_until < now),
        )
        .order_by(Message.next_attempt_at, Message.id)
        .limit(BATCH_SIZE)
        .with_for_update(skip_locked=True)
    )
    rows = list(session.scalars(stmt))
    for row in rows:
        row.leased_until = lease_ends
    return [
        smtp.OutgoingMail(
            row.id, mail_from, row.to_address, row.subject, row.text_body, row.html_body
        )
        for row in rows
    ]


def _release(session: Session, message_ids: list[str]) -> None:
    for message in session.scalars(select(Message).where(Message.id.in_(message_ids))):
        message.leased_until = None


def _record(session: Session, outcome: SendOutcome, now: datetime) -> None:
    message = session.get(Message, outcome.message_id, with_for_update=True)
    if message is None or message.status != "queued":
        return  # erased or otherwise settled while the send was in flight
    message.attempts += 1
    message.leased_until = None
    if outcome.error is None:
        message.status = "sent"
        message.sent_at = now
        message.next_attempt_at = None
        message.last_error = None
        message.provider_message_id = outcome.header_message_id
        return
    message.last_error = outcome.error
    if message.attempts >= MAX_ATTEMPTS:
        message.status = "failed"
        message.next_attempt_at = None
    else:
        message.next_attempt_at = now + RETRY_DELAYS[message.attempts - 1]


def _send_one(config: smtp.SmtpConfig, mail: smtp.OutgoingMail) -> SendOutcome:
    try:
        return SendOutcome(mail.message_id, header_message_id=smtp.send(config, mail))
    except smtp.SendFailed as exc:
        return SendOutcome(mail.message_id, error=str(exc))


async def send_due_messages(
    settings: Settings, session_factory: sessionmaker[Session], now: datetime | None = None
) -> int:
    """One pass: send every due message once. Returns how many were claimed."""
    if not settings.smtp_url:
        return 0
    config = smtp.parse_smtp_url(settings.smtp_url)
    now = now or utcnow()
    lease_ends = now + LEASE
    send_budget = timedelta(seconds=config.timeout * STEPS_PER_SEND)
    with unit_of_work(session_factory) as session:
        claimed = _claim_due(session, now, lease_ends, settings.mail_from)
    for index, mail in enumerate(claimed):
        if utcnow() + send_budget > lease_ends:
            # A slow server: stop before the lease could lapse mid-send (another worker
            # would then send the same message) and hand the rest back.
            with unit_of_work(session_factory) as session:
                _release(session, [m.message_id for m in claimed[index:]])
            break
        outcome = await asyncio.to_thread(_send_one, config, mail)
        if outcome.error is not None:
            logger.warning("message %s not sent: %s", mail.message_id, outcome.error)
        with unit_of_work(session_factory) as session:
            _record(session, outcome, now)
    return len(claimed)


async def run_sender(ctx: WorkerContext, poll_seconds: float = POLL_SECONDS) -> None:
    """Send due messages until the worker stops, waking early when one is queued here."""
    wake = asyncio.Event()
    MESSAGES.register(asyncio.get_running_loop(), wake)
    url = ctx.settings.resolved_database_url
    listener = None if is_sqlite(url) else asyncio.create_task(MESSAGES.listen(url, wake))
    reported: str | None = None
    try:
        while not ctx.stopping.is_set():
            wake.clear()
            try:
                while await send_due_messages(ctx.settings, ctx.session_factory) == BATCH_SIZE:
                    pass  # a full batch: there may be more due right now
                reported = None
            except smtp.SmtpConfigError as exc:
                if str(exc) != reported:  # say it once, not every poll
                    logger.error("e-mail is not being sent: %s", exc)
                    reported = str(exc)
            waits = [asyncio.ensure_future(wake.wait()), asyncio.ensure_future(ctx.stopping.wait())]
            _done, pending = await asyncio.wait(
                waits, timeout=poll_seconds, return_when=asyncio.FIRST_COMPLETED
            )
            for waiter in pending:
                waiter.cancel()
    finally:
        MESSAGES.unregister(wake)
        if listener is not None:
            listener.cancel()
            await asyncio.gather(listener, return_exceptions=True)


def periodic_jobs(_settings: Settings) -> list[PeriodicJob]:
    # run_sender only returns when the worker stops; the interval only spaces restarts
    # after an unexpected error.
    return [PeriodicJob("messaging.send", POLL_SECONDS, run_sender)]
