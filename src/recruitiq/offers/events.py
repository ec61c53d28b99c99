from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from recruitiq.applications.events import (
    SAMPLE_APPLICATION,
    SAMPLE_JOB_SUMMARY,
    ApplicationSnapshot,
    JobSummary,
)
from recruitiq.events.spec import EventSpec
from recruitiq.kit.schema import CamelModel
from recruitiq.offers.schemas import OfferOut

SAMPLE_OFFER = {
    "id": "off_0193a1b2c3d4e5f6a7b8c9d0",
    "organizationId": SAMPLE_APPLICATION["organizationId"],
    "applicationId": SAMPLE_APPLICATION["id"],
    "salary": 145000,
    "currency": "CHF",
    "startDate": "2027-01-04",
    "expiresAt": "2026-11-30T17:00:00.000Z",
    "status": "draft",
    "sentAt": None,
    "respondedAt": None,
    "declineReason": None,
    "withdrawnAt": None,
    "expiredAt": None,
    "createdAt": "2026-11-20T09:00:00.000Z",
    "updatedAt": "2026-11-20T09:00:00.000Z",
}
_SENT = {**SAMPLE_OFFER, "status": "sent", "sentAt": "2026-11-20T10:00:00.000Z"}
_AT_OFFER = {**SAMPLE_APPLICATION, "stage": "offer"}


class OfferEventData(CamelModel):
    offer: OfferOut
    application: ApplicationSnapshot
    job: JobSummary


class OfferUpdatedData(OfferEventData):
    previous: dict[str, object]


def _sample(
    offer: Mapping[str, object], application: Mapping[str, object] = _AT_OFFER
) -> dict[str, object]:
    return {"offer": offer, "application": application, "job": SAMPLE_JOB_SUMMARY}


OFFER_CREATED = EventSpec(
    "offer.created",
    "An offer was drafted for an application.",
    OfferEventData,
    _sample(SAMPLE_OFFER, {**SAMPLE_APPLICATION, "stage": "reference_check"}),
)
OFFER_UPDATED = EventSpec(
    "offer.updated",
    "A draft offer's terms changed; `previous` holds the old values.",
    OfferUpdatedData,
    {**_sample({**SAMPLE_OFFER, "salary": 150000},
               {**SAMPLE_APPLICATION, "stage": "reference_check"}),
     "previous": {"salary": 145000}},
)
OFFER_SENT = EventSpec(
    "offer.sent",
    "An offer was sent to the candidate; the application is at the offer stage.",
    OfferEventData,
    _sample(_SENT),
)
OFFER_ACCEPTED = EventSpec(
    "offer.accepted",
    "The candidate accepted the offer; `hire.completed` follows.",
    OfferEventData,
    _sample({**_SENT, "status": "accepted", "respondedAt": "2026-11-22T15:30:00.000Z"}),
)
OFFER_DECLINED = EventSpec(
    "offer.declined",
    "The candidate declined the offer.",
    OfferEventData,
    _sample({**_SENT, "status": "declined", "respondedAt": "2026-11-22T15:30:00.000Z",
             "declineReason": "Accepted another offer"}),
)
OFFER_WITHDRAWN = EventSpec(
    "offer.withdrawn",
    "The organization withdrew the offer.",
    OfferEventData,
    _sample({**_SENT, "status": "withdrawn",
             "withdrawnAt": "2026-11-21T11:00:00.000Z"}),
)
OFFER_EXPIRED = EventSpec(
    "offer.expired",
    "A sent offer passed its expiry without an answer.",
    OfferEventData,
    _sample({**_SENT, "status": "expired", "expiredAt": "2026-11-30T17:00:12.000Z"}),
)

SPECS: list[EventSpec[Any]] = [
    OFFER_CREATED,
    OFFER_UPDATED,
    OFFER_SENT,
    OFFER_ACCEPTED,
    OFFER_DECLINED,
    OFFER_WITHDRAWN,
    OFFER_EXPIRED,
]
