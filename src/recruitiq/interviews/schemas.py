from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Literal, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from email_validator import EmailNotValidError, validate_email
from pydantic import Field, computed_field, field_validator

from recruitiq.kit.clock import utcnow
from recruitiq.kit.envelopes import envelope, page_envelope
from recruitiq.kit.schema import CamelInput, CamelModel, Patch, Timestamp, UTCTimestamp

InterviewStatus = Literal["scheduled", "completed", "cancelled"]
Recommendation = Literal["strong_yes", "yes", "no", "strong_no"]

MIN_DURATION, MAX_DURATION = 15, 480
MAX_INTERVIEWERS = 20

T = TypeVar("T")


def optional(check: Callable[[T], T]) -> Callable[[T | None], T | None]:
    """The same rule for a PATCH field, where absent (None) means unchanged."""

    def run(value: T | None) -> T | None:
        return None if value is None else check(value)

    return run


def future_moment(value: datetime) -> datetime:
    if value <= utcnow():
        raise ValueError("must be in the future")
    return value


def iana_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError("must be an IANA time zone name such as 'Europe/Zurich'") from exc
    return value


def web_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http or https URL")
    return value


def interviewer_entry(value: str) -> str:
    """A user id stays as given; an e-mail address is normalised (lower-cased)."""
    if "@" not in value:
        return value
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValueError(f"'{value}' is not a valid e-mail address") from exc


def unique_interviewers(values: list[str]) -> list[str]:
    entries = [interviewer_entry(v) for v in values]
    return list(dict.fromkeys(entries))


class InterviewCreate(CamelInput):
    application_id: str = Field(min_length=1, max_length=40)
    scheduled_at: Timestamp = Field(
        description="Start, with a timezone offset; must be in the future",
        examples=["2026-12-03T14:00:00+01:00"],
    )
    duration_minutes: int = Field(default=60, ge=MIN_DURATION, le=MAX_DURATION)
    timezone: str = Field(
        default="UTC", max_length=64, examples=["Europe/Zurich"],
        description="IANA name the interview is shown in to people",
    )
    interviewers: list[str] = Field(
        min_length=1, max_length=MAX_INTERVIEWERS,
        description="User ids of the organization or e-mail addresses",
        examples=[["usr_0193a1b2c3d4e5f6a7b8c9d0", "panel@example.com"]],
    )
    location: str | None = Field(default=None, max_length=300)
    meeting_url: str | None = Field(default=None, max_length=1000)

    _future = field_validator("scheduled_at")(future_moment)
    _tz = field_validator("timezone")(iana_timezone)
    _url = field_validator("meeting_url")(optional(web_url))
    _people = field_validator("interviewers")(unique_interviewers)


class InterviewUpdate(CamelInput):
    scheduled_at: Patch[Timestamp] = None
    duration_minutes: Patch[int] = Field(default=None, ge=MIN_DURATION, le=MAX_DURATION)
    timezone: Patch[str] = Field(default=None, max_length=64)
    interviewers: Patch[list[str]] = Field(default=None, min_length=1, max_length=MAX_INTERVIEWERS)
    location: str | None = Field(default=None, max_length=300)
    meeting_url: str | None = Field(default=None, max_length=1000)

    _future = field_validator("scheduled_at")(optional(future_moment))
    _tz = field_validator("timezone")(optional(iana_timezone))
    _url = field_validator("meeting_url")(optional(web_url))
    _people = field_validator("interviewers")(optional(unique_interviewers))


class InterviewCancel(CamelInput):
    reason: str | None = Field(default=None, max_length=2000)


class FeedbackCreate(CamelInput):
    rating: int = Field(ge=1, le=5, description="1 (poor) to 5 (excellent)")
    recommendation: Recommendation
    notes: str | None = Field(default=None, max_length=20_000)


class InterviewOut(CamelModel):
    id: str
    organization_id: str
    application_id: str
    scheduled_at: UTCTimestamp
    duration_minutes: int
    timezone: str
    interviewers: list[str]
    location: str | None
    meeting_url: str | None
    status: str
    cancellation_reason: str | None
    completed_at: UTCTimestamp | None
    cancelled_at: UTCTimestamp | None
    created_at: UTCTimestamp
    updated_at: UTCTimestamp

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ends_at(self) -> UTCTimestamp:
        return self.scheduled_at + timedelta(minutes=self.duration_minutes)


class PanelMember(CamelModel):
    """An interviewer as a receiver needs it to send an invitation: users resolved to their
    e-mail and name, plain addresses as given."""

    user_id: str | None
    email: str | None
    name: str | None


class FeedbackOut(CamelModel):
    id: str
    organization_id: str
    interview_id: str
    rating: int
    recommendation: str
    notes: str | None
    author_type: str
    author_id: str | None
    created_at: UTCTimestamp


InterviewEnvelope = envelope("InterviewEnvelope", "interview", InterviewOut)
InterviewPage = page_envelope("InterviewPage", "interviews", InterviewOut)
FeedbackEnvelope = envelope("FeedbackEnvelope", "feedback", FeedbackOut)
FeedbackPage = page_envelope("FeedbackPage", "feedback", FeedbackOut)
