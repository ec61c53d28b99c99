from __future__ import annotations

from typing import Literal

from pydantic import EmailStr, Field, field_validator

from recruitiq.auth.scopes import ALL_SCOPES
from recruitiq.kit.envelopes import envelope, page_envelope
from recruitiq.kit.schema import CamelInput, CamelModel, Timestamp, UTCTimestamp

Role = Literal["admin", "recruiter", "hiring_manager"]


class RegisterIn(CamelInput):
    organization_name: str = Field(min_length=1, max_length=200, examples=["Acme Corp"])
    name: str = Field(min_length=1, max_length=200, examples=["Ada Admin"])
    email: EmailStr = Field(examples=["ada@acme.example"])
    password: str = Field(min_length=10, max_length=256, examples=["correct horse battery"])


class LoginIn(CamelInput):
    email: EmailStr
    password: str = Field(min_length=1, max_length=256)
    organization_id: str | None = Field(
        default=None, max_length=40,
        description="Needed only when this e-mail and password open several organizations",
    )


class OrganizationOut(CamelModel):
    id: str
    name: str
    plan: str
    created_at: UTCTimestamp


class UserOut(CamelModel):
    id: str
    organization_id: str
    name: str
    email: str
    role: str
    is_active: bool
    created_at: UTCTimestamp


class UserIn(CamelInput):
    name: str = Field(min_length=1, max_length=200)
    email: EmailStr
    password: str = Field(min_length=10, max_length=256)
    role: Role = "recruiter"


def _known_scopes(scopes: list[str]) -> list[str]:
    unknown = [s for s in scopes if s not in ALL_SCOPES]
    if unknown:
        raise ValueError(f"unknown scopes: {', '.join(unknown)}; known: {', '.join(ALL_SCOPES)}")
    return sorted(set(scopes))


class ApiKeyIn(CamelInput):
    name: str = Field(min_length=1, max_length=200, examples=["ActivePieces Integration"])
    scopes: list[str] = Field(
        min_length=1, examples=[["webhooks:read", "webhooks:write", "jobs:read"]]
    )
    expires_at: Timestamp | None = None

    _check_scopes = field_validator("scopes")(_known_scopes)


class ApiKeyOut(CamelModel):
    id: str
    name: str
    prefix: str
    scopes: list[str]
    created_at: UTCTimestamp
    expires_at: UTCTimestamp | None
    last_used_at: UTCTimestamp | None


class ApiKeyCreatedOut(ApiKeyOut):
    key: str = Field(description="The key itself. Shown only in this response.")


class TokenOut(CamelModel):
    access_token: str = Field(description="Send as `Authorization: Bearer <accessToken>`")
    token_type: Literal["Bearer"]
    expires_in: int = Field(description="Seconds the token is valid")


class RegisteredOut(TokenOut):
    success: Literal[True]
    organization: OrganizationOut
    user: UserOut


class LoggedInOut(TokenOut):
    success: Literal[True]
    user: UserOut


class MeOut(CamelModel):
    success: Literal[True]
    auth_type: Literal["user", "api_key"]
    organization: OrganizationOut
    scopes: list[str]
    user: UserOut | None = Field(description="The signed-in user (login tokens)")
    api_key: ApiKeyOut | None = Field(description="The key (API keys)")


ApiKeyCreatedEnvelope = envelope("ApiKeyCreatedEnvelope", "apiKey", ApiKeyCreatedOut)
ApiKeyPage = page_envelope("ApiKeyPage", "apiKeys", ApiKeyOut)
UserEnvelope = envelope("UserEnvelope", "user", UserOut)
UserPage = page_envelope("UserPage", "users", UserOut)
