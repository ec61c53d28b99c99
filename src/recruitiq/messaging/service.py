"""Candidate e-mail: the request stores a queued row; the worker (``tasks.py``) sends it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from recruitiq.auth.principal import Principal
from recruitiq.config import Settings
from recruitiq.errors import ValidationFailed
from recruitiq.kit.clock import utcnow
from recruitiq.kit.ids import new_id
from recruitiq.kit.lookup import get_owned, require_reference
from recruitiq.kit.pagination import Page, PageParams, paginate, where_equal
from recruitiq.messaging.schemas import EmailCreate, MessageOut
from recruitiq.messaging.wakeup import MESSAGES
from recruitiq.models import Application, Candidate, Message

SMTP_NOT_CONFIGURED = "smtp not configured"


def message_data(message: Message, settings: Settings) -> dict[str, Any]:
    out = MessageOut.model_validate(message)
    if message.status == "queued" and not settings.smtp_url:
        out.delivery = SMTP_NOT_CONFIGURED
    return out.to_json()


def queue_email(
    session: Session,
    organization_id: str,
    candidate_id: str,
    body: EmailCreate,
    sender: Principal,
) -> Message:
    candidate = get_owned(session, Candidate, organization_id, candidate_id, resource="Candidate")
    if body.application_id is not None:
        application = require_reference(
            session, Application, organization_id, body.application_id, field="applicationId"
        )
        if application.candidate_id != candidate.id:
            raise ValidationFailed(
                "applicationId belongs to another candidate", field="applicationId"
            )
    message = Message(
        id=new_id("msg"),
        organization_id=organization_id,
        candidate_id=candidate.id,
        application_id=body.application_id,
        to_address=candidate.email,
        subject=body.subject,
        text_body=body.text,
        html_body=body.html,
        status="queued",
        attempts=0,
        next_attempt_at=utcnow(),
        sender_type=sender.kind,
        sender_id=sender.actor_id,
    )
    session.add(message)
    session.flush()
    MESSAGES.after_commit(session)
    return message


def get_message(session: Session, organization_id: str, message_id: str) -> Message:
    return get_owned(session, Message, organization_id, message_id, resource="Message")


def list_messages(
    session: Session,
    organization_id: str,
    params: PageParams,
    *,
    candidate_id: str | None = None,
    status: str | None = None,
) -> Page[Message]:
    stmt = select(Message).where(Message.organization_id == organization_id)
    stmt = where_equal(
        stmt,
        (Message.candidate_id, candidate_id),
        (Message.status, status),
    )
    return paginate(session, stmt, Message, params)
