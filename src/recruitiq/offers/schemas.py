from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, field_validator

from recruitiq.interviews.schemas import future_moment, optional
from recruitiq.kit.envelopes import envelope, page_envelope
from recruitiq.kit.schema import CamelInput, CamelModel, Patch, Timestamp, UTCTimestamp
from recruitiq.offers.currencies import ISO_4217

OfferStatus = Literal["draft", "sent", "accepted", "declined", "withdrawn", "expired"]
MAX_SALARY = 2**53 - 1  # stays exact in a JavaScript receiver


def iso_currency(value: str) -> str:
    code = value.upper()
    if code not in ISO_4217:
        raise ValueError("must be an ISO 4217 currency code such as 'EUR'")
    return code


class OfferCreate(CamelInput):
    application_id: str = Field(min_length=1, max_length=40)
    salary: int = Field(gt=0, le=MAX_SALARY, description="Yearly amount in whole units",
                        examples=[145000])
    currency: str = Field(min_length=3, max_length=3, examples=["CHF"])
    start_date: date = Field(examples=["2027-01-04"])
    expires_at: Timestamp = Field(
        description="When the offer lapses if not answered; must be in the future",
        examples=["2026-12-15T17:00:00+01:00"],
    )

    _currency = field_validator("currency")(iso_currency)
    _future = field_validator("expires_at")(future_moment)


class OfferUpdate(CamelInput):
    salary: Patch[int] = Field(default=None, gt=0, le=MAX_SALARY)
    currency: Patch[str] = Field(default=None, min_length=3, max_length=3)
    start_date: Patch[date] = None
    expires_at: Patch[Timestamp] = None

    _currency = field_validator("currency")(optional(iso_currency))
    _future = field_validator("expires_at")(optional(future_moment))


class OfferDecline(CamelInput):
    reason: str | None = Field(default=None, max_length=2000)


class OfferOut(CamelModel):
    id: str
    organization_id: str
    application_id: str
    salary: int
    currency: str
    start_date: date
    expires_at: UTCTimestamp
    status: str
    sent_at: UTCTimestamp | None
    responded_at: UTCTimestamp | None
    decline_reason: str | None
    withdrawn_at: UTCTimestamp | None
    expired_at: UTCTimestamp | None
    created_at: UTCTimestamp
    updated_at: UTCTimestamp


OfferEnvelope = envelope("OfferEnvelope", "offer", OfferOut)
OfferPage = page_envelope("OfferPage", "offers", OfferOut)
