from __future__ import annotations

from typing import Any

from fastapi import Request, Response, status

from recruitiq.auth import service, tokens
from recruitiq.auth.dependencies import AdminPrincipal, CurrentPrincipal
from recruitiq.auth.schemas import (
    ApiKeyCreatedEnvelope,
    ApiKeyCreatedOut,
    ApiKeyIn,
    ApiKeyOut,
    ApiKeyPage,
    LoggedInOut,
    LoginIn,
    MeOut,
    OrganizationOut,
    RegisteredOut,
    RegisterIn,
    UserEnvelope,
    UserIn,
    UserOut,
    UserPage,
)
from recruitiq.deps import DbSession, SettingsDep
from recruitiq.errors import Forbidden
from recruitiq.kit.routing import api_router
from recruitiq.models import ApiKey, Organization, User

router = api_router(prefix="/api/v1", tags=["auth"])


def _token_body(settings: SettingsDep, user: User) -> dict[str, Any]:
    return {
        "accessToken": tokens.issue_access_token(settings, user.id, user.organization_id),
        "tokenType": "Bearer",
        "expiresIn": settings.access_token_ttl_seconds,
    }


@router.post("/auth/register", status_code=status.HTTP_201_CREATED, response_model=RegisteredOut)
def register(body: RegisterIn, session: DbSession, settings: SettingsDep) -> dict[str, Any]:
    """Create an organization and its first admin user; returns a login token."""
    organization, user = service.register(
        session, body.organization_name, body.name, body.email, body.password
    )
    return {
        "success": True,
        "organization": OrganizationOut.model_validate(organization).to_json(),
        "user": UserOut.model_validate(user).to_json(),
        **_token_body(settings, user),
    }


@router.post("/auth/login", response_model=LoggedInOut)
def login(
    body: LoginIn, request: Request, session: DbSession, settings: SettingsDep
) -> dict[str, Any]:
    """Wrong passwords are throttled per account and client address: `429 rate_limited`
    with `Retry-After` (docs/security.md)."""
    address = request.client.host if request.client else "unknown"
    user = service.login(
        session, settings, body.email, body.password,
        address=address, organization_id=body.organization_id,
    )
    return {
        "success": True,
        **_token_body(settings, user),
        "user": UserOut.model_validate(user).to_json(),
    }


@router.get("/auth/me", response_model=MeOut)
def me(principal: CurrentPrincipal, session: DbSession) -> dict[str, Any]:
    """Who the token belongs to: a user (login token) or an API key, and its scopes."""
    organization = session.get(Organization, principal.organization_id)
    body: dict[str, Any] = {
        "success": True,
        "authType": principal.kind,
        "organization": OrganizationOut.model_validate(organization).to_json(),
        "scopes": sorted(principal.scopes),
        "user": None,
        "apiKey": None,
    }
    if principal.kind == "user":
        body["user"] = UserOut.model_validate(session.get(User, principal.actor_id)).to_json()
    else:
        body["apiKey"] = ApiKeyOut.model_validate(session.get(ApiKey, principal.actor_id)).to_json()
    return body


def _key_manager(principal: CurrentPrincipal) -> CurrentPrincipal:
    # A leaked API key must not be able to mint itself successors.
    if principal.kind != "user" or principal.role not in ("admin", "recruiter"):
        raise Forbidden("API keys are managed by signed-in admins and recruiters")
    return principal


@router.post("/api-keys", status_code=status.HTTP_201_CREATED, tags=["api keys"],
             response_model=ApiKeyCreatedEnvelope)
def create_api_key(
    body: ApiKeyIn, principal: CurrentPrincipal, session: DbSession
) -> dict[str, Any]:
    """Create an API key. The key itself is in this response only; store it now."""
    _key_manager(principal)
    api_key, key = service.create_api_key(
        session,
        principal.organization_id,
        body.name,
        body.scopes,
        body.expires_at,
        created_by_user_id=principal.user_id,
    )
    out = ApiKeyCreatedOut(**ApiKeyOut.model_validate(api_key).model_dump(), key=key)
    return {"success": True, "apiKey": out.to_json()}


@router.get("/api-keys", tags=["api keys"], response_model=ApiKeyPage)
def list_api_keys(principal: CurrentPrincipal, session: DbSession) -> dict[str, Any]:
    _key_manager(principal)
    keys = [ApiKeyOut.model_validate(k).to_json() for k in service.list_api_keys(
        session, principal.organization_id
    )]
    return {"success": True, "apiKeys": keys, "count": len(keys), "nextCursor": None}


@router.delete("/api-keys/{key_id}", status_code=204, tags=["api keys"])
def revoke_api_key(key_id: str, principal: CurrentPrincipal, session: DbSession) -> Response:
    _key_manager(principal)
    service.revoke_api_key(session, principal.organization_id, key_id)
    return Response(status_code=204)


@router.post("/users", status_code=status.HTTP_201_CREATED, tags=["users"],
             response_model=UserEnvelope)
def create_user(body: UserIn, principal: AdminPrincipal, session: DbSession) -> dict[str, Any]:
    user = service.create_user(
        session, principal.organization_id, body.name, body.email, body.password, body.role
    )
    return {"success": True, "user": UserOut.model_validate(user).to_json()}


@router.get("/users", tags=["users"], response_model=UserPage)
def list_users(principal: AdminPrincipal, session: DbSession) -> dict[str, Any]:
    users = [UserOut.model_validate(u).to_json() for u in service.list_users(
        session, principal.organization_id
    )]
    return {"success": True, "users": users, "count": len(users), "nextCursor": None}


@router.get("/users/{user_id}", tags=["users"], response_model=UserEnvelope)
def get_user(user_id: str, principal: AdminPrincipal, session: DbSession) -> dict[str, Any]:
    user = service.get_user(session, principal.organization_id, user_id)
    return {"success": True, "user": UserOut.model_validate(user).to_json()}
