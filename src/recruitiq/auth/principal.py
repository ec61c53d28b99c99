from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from recruitiq.auth.scopes import grants


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user with a login token, or an API key."""

    organization_id: str
    kind: Literal["user", "api_key"]
    actor_id: str
    scopes: frozenset[str]
    role: str | None = None
    user_id: str | None = None

    def can(self, scope: str) -> bool:
        return grants(self.scopes, scope)

    @property
    def is_admin(self) -> bool:
        return self.kind == "user" and self.role == "admin"
