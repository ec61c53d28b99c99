from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from recruitiq import db
from recruitiq.auth import service
from recruitiq.auth.principal import Principal
from recruitiq.deps import DbSession, SettingsDep
from recruitiq.errors import Forbidden, MissingScope, Unauthorized
from recruitiq.ratelimit.http import enforce as enforce_rate_limit

PRINCIPAL_KEY = "principal"

_bearer = HTTPBearer(
    auto_error=False,
    description="A login token from /api/v1/auth/login, or an API key `riq_live_…`",
)


def current_principal(
    request: Request,
    session: DbSession,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("Missing bearer token: send 'Authorization: Bearer <token>'")
    with db.reading(session):
        principal = service.authenticate(session, settings, credentials.credentials)
    if principal is None:
        raise Unauthorized("The token is invalid, expired or revoked")
    # The audit log reads who acted from the session that carries the change.
    session.info[PRINCIPAL_KEY] = principal
    request.state.principal = principal
    # After the read transaction above: a reservation may take SQLite's writer lock.
    enforce_rate_limit(request, principal.organization_id)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_scope(scope: str) -> Callable[[Principal], Awaitable[Principal]]:
    async def _check(principal: CurrentPrincipal) -> Principal:
        if not principal.can(scope):
            raise MissingScope(scope)
        return principal

    _check.__name__ = f"require_{scope.replace(':', '_')}"
    return _check


async def require_admin(principal: CurrentPrincipal) -> Principal:
    if not principal.is_admin:
        raise Forbidden("Only an organization admin (signed in as a user) can do this")
    return principal


AdminPrincipal = Annotated[Principal, Depends(require_admin)]
