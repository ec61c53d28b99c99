"""Offers: draft → sent → accepted / declined / expired, or withdrawn while open.

Each state change emits its event here, in the caller's transaction. Offers that change
state are loaded FOR UPDATE, so an answer and the expiry job never both win.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from recruitiq.applications.service import change_stage, mark_hired
from recruitiq.auth.principal import Principal
from recruitiq.errors import Conflict, InvalidTransition
from recruitiq.events.emit import emit
from recruitiq.interviews.context import hiring_context, referenced_application, require_active
from recruitiq.kit.clock import utcnow
from recruitiq.kit.ids import new_id
from recruitiq.kit.lookup import get_owned
from recruitiq.kit.pagination import Page, PageParams, paginate, where_equal
from recruitiq.models import Application, Offer
from recruitiq.models.application import STAGE_POSITION
from recruitiq.models.offer import OPEN_OFFER_STATUSES
from recruitiq.offers.events import (
    OFFER_ACCEPTED,
    OFFER_CREATED,
    OFFER_DECLINED,
    OFFER_EXPIRED,
    OFFER_SENT,
    OFFER_UPDATED,
    OFFER_WITHDRAWN,
    OfferEventData,
    OfferUpdatedData,
)
from recruitiq.offers.schemas import OfferCreate, OfferOut, OfferUpdate

OFFER_STAGE = "offer"
DEFAULT_BATCH_SIZE = 100


def offer_data(offer: Offer) -> dict[str, Any]:
    return OfferOut.model_validate(offer).to_json()


def _application(session: Session, offer: Offer) -> Application:
    application = session.get(Application, offer.application_id)
    assert application is not None  # a foreign key guarantees it
    return application


def _event(session: Session, offer: Offer) -> OfferEventData:
    context = hiring_context(session, _application(session, offer))
    return OfferEventData(
        offer=OfferOut.model_validate(offer), application=context.application, job=context.job
    )


def get_offer(
    session: Session, organization_id: str, offer_id: str, *, for_update: bool = False
) -> Offer:
    return get_owned(
        session, Offer, organization_id, offer_id, resource="Offer", for_update=for_update
    )


def list_offers(
    session: Session,
    organization_id: str,
    params: PageParams,
    *,
    application_id: str | None = None,
    status: str | None = None,
) -> Page[Offer]:
    stmt = select(Offer).where(Offer.organization_id == organization_id)
    stmt = where_equal(
        stmt,
        (Offer.application_id, application_id),
        (Offer.status, status),
    )
    return paginate(session, stmt, Offer, params)


def _open_offer_exists(application_id: str) -> Conflict:
    return Conflict(
        f"Application '{application_id}' already has an open (draft or sent) offer; "
        "withdraw it first",
        code="offer_exists",
    )


def create_offer(session: Session, organization_id: str, body: OfferCreate) -> Offer:
    application = referenced_application(session, organization_id, body.application_id)
    require_active(application, "make an offer")
    open_offer = session.scalar(
        select(Offer.id).where(
            Offer.application_id == application.id, Offer.status.in_(OPEN_OFFER_STATUSES)
        )
    )
    if open_offer is not None:
        raise _open_offer_exists(application.id)
    offer = Offer(
        id=new_id("off"), organization_id=organization_id, status="draft", **body.model_dump()
    )
    try:
        # A savepoint: a concurrent create that wins the unique index becomes a clean 409.
        with session.begin_nested():
            session.add(offer)
    except IntegrityError as exc:
        raise _open_offer_exists(application.id) from exc
    emit(session, organization_id, OFFER_CREATED, _event(session, offer))
    return offer


def _require(offer: Offer, allowed: frozenset[str], action: str) -> None:
    if offer.status not in allowed:
        raise InvalidTransition(f"A {offer.status} offer cannot be {action}")


def update_offer(session: Session, organization_id: str, offer_id: str, body: OfferUpdate) -> Offer:
    fields = body.model_dump(exclude_unset=True)
    offer = get_offer(session, organization_id, offer_id, for_update=True)
    _require(offer, frozenset({"draft"}), "edited (only drafts can)")
    before = offer_data(offer)
    for name, value in fields.items():
        setattr(offer, name, value)
    session.flush()
    after = offer_data(offer)
    changed = {k: before[k] for k in after if k != "updatedAt" and before[k] != after[k]}
    if changed:
        data = OfferUpdatedData(**dict(_event(session, offer)), previous=changed)
        emit(session, organization_id, OFFER_UPDATED, data)
    return offer


def _expired(offer: Offer, hint: str) -> Conflict:
    return Conflict(
        f"Offer '{offer.id}' expired at {offer.expires_at.isoformat()}; {hint}",
        code="offer_expired",
    )


def _require_answerable(offer: Offer, now: datetime, action: str) -> None:
    """Only a sent offer inside its validity can be answered; the expiry job may not have
    marked a lapsed offer yet, so the clock decides, not only the status."""
    if offer.status == "expired" or (offer.status == "sent" and offer.expires_at <= now):
        raise _expired(offer, f"it can no longer be {action}")
    _require(offer, frozenset({"sent"}), action)


def send_offer(
    session: Session, organization_id: str, offer_id: str, actor: Principal | None
) -> Offer:
    """draft → sent. An application earlier in the pipeline moves to the offer stage first,
    so the `offer.sent` data shows the application where it now stands."""
    offer = get_offer(session, organization_id, offer_id, for_update=True)
    _require(offer, frozenset({"draft"}), "sent")
    now = utcnow()
    if offer.expires_at <= now:
        raise _expired(offer, "set a later expiresAt before sending")
    application = _application(session, offer)
    require_active(application, "send an offer")
    offer.status = "sent"
    offer.sent_at = now
    session.flush()
    if STAGE_POSITION[application.stage] < STAGE_POSITION[OFFER_STAGE]:
        change_stage(session, organization_id, application.id, OFFER_STAGE, actor)
    emit(session, organization_id, OFFER_SENT, _event(session, offer))
    return offer


def accept_offer(
    session: Session, organization_id: str, offer_id: str, actor: Principal | None
) -> Offer:
    """sent → accepted, then the application is hired (which emits `hire.completed`)."""
    offer = get_offer(session, organization_id, offer_id, for_update=True)
    now = utcnow()
    _require_answerable(offer, now, "accepted")
    offer.status = "accepted"
    offer.responded_at = now
    session.flush()
    emit(session, organization_id, OFFER_ACCEPTED, _event(session, offer))
    mark_hired(session, organization_id, offer.application_id, actor)
    return offer


def decline_offer(
    session: Session, organization_id: str, offer_id: str, reason: str | None
) -> Offer:
    offer = get_offer(session, organization_id, offer_id, for_update=True)
    now = utcnow()
    _require_answerable(offer, now, "declined")
    offer.status = "declined"
    offer.responded_at = now
    offer.decline_reason = reason
    session.flush()
    emit(session, organization_id, OFFER_DECLINED, _event(session, offer))
    return offer


def withdraw_offer(session: Session, organization_id: str, offer_id: str) -> Offer:
    offer = get_offer(session, organization_id, offer_id, for_update=True)
    _require(offer, frozenset(OPEN_OFFER_STATUSES), "withdrawn")
    offer.status = "withdrawn"
    offer.withdrawn_at = utcnow()
    session.flush()
    emit(session, organization_id, OFFER_WITHDRAWN, _event(session, offer))
    return offer


def expire_due_offers(
    session: Session, now: datetime, *, batch_size: int = DEFAULT_BATCH_SIZE
) -> int:
    """Mark up to ``batch_size`` sent offers whose expiry has passed as expired, across all
    organizations; returns how many. SKIP LOCKED (PostgreSQL) lets several workers share
    the work and passes over an offer a request is answering right now."""
    due = session.scalars(
        select(Offer)
        .where(Offer.status == "sent", Offer.expires_at <= now)
        .order_by(Offer.expires_at, Offer.id)
        .limit(batch_size)
        .with_for_update(skip_locked=True)
    ).all()
    for offer in due:
        offer.status = "expired"
        offer.expired_at = now
        session.flush()
        emit(session, offer.organization_id, OFFER_EXPIRED, _event(session, offer))
    return len(due)
