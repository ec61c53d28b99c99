from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from recruitiq.kit.envelopes import envelope, page_envelope
from recruitiq.kit.schema import CamelInput, CamelModel, UTCTimestamp

MessageStatus = Literal["queued", "sent", "failed"]


class EmailCreate(CamelInput):
    subject: str = Field(min_length=1, max_length=998, examples=["Your interview on Tuesday"])
    text: str = Field(min_length=1, max_length=200_000, description="Plain-text body")
    html: str | None = Field(
        default=None, max_length=500_000, description="Optional HTML alternative"
    )
    application_id: str | None = Field(
        default=None, description="The application this message is about (same candidate)"
    )

    @field_validator("subject")
    @classmethod
    def _single_line(cls, value: str) -> str:
        # A line break in a header would let the caller inject headers (Bcc: …).
        if any(ch in value for ch in "\r\n\0"):
            raise ValueError("subject must be a single line")
        return value


class MessageOut(CamelModel):
    id: str
    organization_id: str
    candidate_id: str
    application_id: str | None
    to_address: str = Field(serialization_alias="to")
    subject: str
    text_body: str = Field(serialization_alias="text")
    html_body: str | None = Field(serialization_alias="html")
    status: str
    attempts: int
    next_attempt_at: UTCTimestamp | None
    last_error: str | None
    sent_at: UTCTimestamp | None
    provider_message_id: str | None
    sender_type: str
    sender_id: str | None
    created_at: UTCTimestamp
    updated_at: UTCTimestamp
    delivery: str | None = Field(
        default=None,
        description="Why a queued message is not moving, e.g. 'smtp not configured'",
    )


MessageEnvelope = envelope("MessageEnvelope", "message", MessageOut)
MessagePage = page_envelope("MessagePage", "messages", MessageOut)
