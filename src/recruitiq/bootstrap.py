"""The demo organization that ``make run`` creates on first start."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from recruitiq.auth import service as auth_service
from recruitiq.auth.scopes import ALL_SCOPES
from recruitiq.models import Organization, User

DEMO_ORGANIZATION = "Demo Recruiting"
DEMO_EMAIL = "admin@demo.recruitiq.local"


@dataclass
class DemoCredentials:
    organization_id: str
    email: str
    password: str | None
    api_key: str | None

    @property
    def created(self) -> bool:
        return self.password is not None


def ensure_demo_organization(session: Session) -> DemoCredentials:
    existing = session.scalar(select(User).where(User.email == DEMO_EMAIL))
    if existing is not None:
        return DemoCredentials(existing.organization_id, DEMO_EMAIL, None, None)
    password = secrets.token_urlsafe(12)
    organization, user = auth_service.register(
        session, DEMO_ORGANIZATION, "Demo Admin", DEMO_EMAIL, password
    )
    _, key = auth_service.create_api_key(
        session, organization.id, "Demo key (all scopes)", list(ALL_SCOPES),
        created_by_user_id=user.id,
    )
    return DemoCredentials(organization.id, DEMO_EMAIL, password, key)


def organization_exists(session: Session, organization_id: str) -> bool:
    return session.get(Organization, organization_id) is not None
