"""`GET /api/v1/usage`: the caller's organization's plan, limits and this month's usage."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from recruitiq.auth.dependencies import require_scope
from recruitiq.auth.principal import Principal
from recruitiq.deps import DbSession
from recruitiq.kit.routing import api_router
from recruitiq.usage import service
from recruitiq.usage.schemas import UsageResponse

router = api_router(prefix="/api/v1/usage", tags=["usage"])

# Usage is the webhook plan's: whoever may read the organization's webhooks may read it.
Reader = Annotated[Principal, Depends(require_scope("webhooks:read"))]


@router.get("", response_model=UsageResponse)
def get_usage(request: Request, principal: Reader, session: DbSession) -> UsageResponse:
    """The plan and its limits, this month's deliveries against the quota (`null` is
    unlimited), deliveries held for quota, subscriptions used of those allowed, and the
    API rate limit."""
    usage = service.usage_of(session, principal.organization_id)
    limit = request.app.state.rate_limiter.limit_of(usage.plan.name)
    return UsageResponse(usage=service.usage_out(usage, limit))
