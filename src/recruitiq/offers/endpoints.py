from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Depends, Query, status

from recruitiq.auth.dependencies import require_scope
from recruitiq.auth.principal import Principal
from recruitiq.deps import DbSession
from recruitiq.kit.pagination import PageParams, list_body, page_params
from recruitiq.kit.routing import api_router
from recruitiq.models import Offer
from recruitiq.offers import service
from recruitiq.offers.schemas import (
    OfferCreate,
    OfferDecline,
    OfferEnvelope,
    OfferPage,
    OfferStatus,
    OfferUpdate,
)

router = api_router(prefix="/api/v1/offers", tags=["offers"])

Reader = Annotated[Principal, Depends(require_scope("offers:read"))]
Writer = Annotated[Principal, Depends(require_scope("offers:write"))]


def _one(offer: Offer) -> dict[str, Any]:
    return {"success": True, "offer": service.offer_data(offer)}


@router.post("", status_code=status.HTTP_201_CREATED, response_model=OfferEnvelope)
def create_offer(body: OfferCreate, principal: Writer, session: DbSession) -> dict[str, Any]:
    """Draft an offer for an active application (one open offer each). Emits `offer.created`."""
    return _one(service.create_offer(session, principal.organization_id, body))


@router.get("", response_model=OfferPage)
def list_offers(
    principal: Reader,
    session: DbSession,
    params: Annotated[PageParams, Depends(page_params)],
    application_id: Annotated[str | None, Query(alias="applicationId")] = None,
    status: Annotated[OfferStatus | None, Query()] = None,
) -> dict[str, Any]:
    page = service.list_offers(
        session, principal.organization_id, params, application_id=application_id, status=status
    )
    return list_body("offers", [service.offer_data(o) for o in page.items], page.next_cursor)


@router.get("/{offer_id}", response_model=OfferEnvelope)
def get_offer(offer_id: str, principal: Reader, session: DbSession) -> dict[str, Any]:
    return _one(service.get_offer(session, principal.organization_id, offer_id))


@router.patch("/{offer_id}", response_model=OfferEnvelope)
def update_offer(
    offer_id: str, body: OfferUpdate, principal: Writer, session: DbSession
) -> dict[str, Any]:
    """Change a draft's terms. Emits `offer.updated` with the previous values."""
    return _one(service.update_offer(session, principal.organization_id, offer_id, body))


@router.post("/{offer_id}/send", response_model=OfferEnvelope)
def send_offer(offer_id: str, principal: Writer, session: DbSession) -> dict[str, Any]:
    """draft → sent; moves the application to the `offer` stage if it is earlier.
    Emits `offer.sent` (after `application.stage_changed` when the stage moves)."""
    return _one(service.send_offer(session, principal.organization_id, offer_id, principal))


@router.post("/{offer_id}/accept", response_model=OfferEnvelope)
def accept_offer(offer_id: str, principal: Writer, session: DbSession) -> dict[str, Any]:
    """sent → accepted, and the application is hired. Emits `offer.accepted`, then
    `application.stage_changed` and `hire.completed`. An expired offer is a 409 `offer_expired`."""
    return _one(service.accept_offer(session, principal.organization_id, offer_id, principal))


@router.post("/{offer_id}/decline", response_model=OfferEnvelope)
def decline_offer(
    offer_id: str,
    principal: Writer,
    session: DbSession,
    body: Annotated[OfferDecline | None, Body()] = None,
) -> dict[str, Any]:
    """sent → declined, with an optional reason. Emits `offer.declined`."""
    reason = body.reason if body is not None else None
    return _one(service.decline_offer(session, principal.organization_id, offer_id, reason))


@router.post("/{offer_id}/withdraw", response_model=OfferEnvelope)
def withdraw_offer(offer_id: str, principal: Writer, session: DbSession) -> dict[str, Any]:
    """draft or sent → withdrawn. Emits `offer.withdrawn`."""
    return _one(service.withdraw_offer(session, principal.organization_id, offer_id))
