from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, status

from recruitiq.auth.dependencies import require_scope
from recruitiq.auth.principal import Principal
from recruitiq.deps import DbSession, SettingsDep
from recruitiq.kit.pagination import PageParams, list_body, page_params
from recruitiq.kit.routing import api_router
from recruitiq.messaging import service
from recruitiq.messaging.schemas import EmailCreate, MessageEnvelope, MessagePage, MessageStatus

# Two areas share this router: sending hangs off the candidate, reading lives at /messages.
router = api_router(tags=["messaging"])

Reader = Annotated[Principal, Depends(require_scope("messages:read"))]
Writer = Annotated[Principal, Depends(require_scope("messages:write"))]


@router.post("/api/v1/candidates/{candidate_id}/emails", status_code=status.HTTP_202_ACCEPTED,
             response_model=MessageEnvelope)
def send_email(
    candidate_id: str,
    body: EmailCreate,
    principal: Writer,
    session: DbSession,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Queue an e-mail to the candidate's current address; the worker sends it over SMTP.

    202: accepted, not yet sent. Follow `GET /api/v1/messages/{id}` for `status`
    (queued → sent, or failed after retries at 1, 5 and 30 minutes) and `lastError`.
    Without `RECRUITIQ_SMTP_URL` messages stay queued and `delivery` says so.
    """
    message = service.queue_email(session, principal.organization_id, candidate_id, body,
                                  principal)
    return {"success": True, "message": service.message_data(message, settings)}


@router.get("/api/v1/messages", response_model=MessagePage)
def list_messages(
    principal: Reader,
    session: DbSession,
    settings: SettingsDep,
    params: Annotated[PageParams, Depends(page_params)],
    candidate_id: Annotated[str | None, Query(alias="candidateId")] = None,
    status: Annotated[MessageStatus | None, Query()] = None,
) -> dict[str, Any]:
    page = service.list_messages(
        session, principal.organization_id, params, candidate_id=candidate_id, status=status
    )
    items = [service.message_data(m, settings) for m in page.items]
    return list_body("messages", items, page.next_cursor)


@router.get("/api/v1/messages/{message_id}", response_model=MessageEnvelope)
def get_message(
    message_id: str, principal: Reader, session: DbSession, settings: SettingsDep
) -> dict[str, Any]:
    message = service.get_message(session, principal.organization_id, message_id)
    return {"success": True, "message": service.message_data(message, settings)}
