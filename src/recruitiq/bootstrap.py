"""The demo organization that ``make run`` creates on first start."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from recruitiq.auth import service as auth_service
from recruitiq.auth.passwords import hash_password
from recruitiq.auth.scopes import ALL_SCOPES
from recruitiq.models import Organization, User

DEMO_ORGANIZATION = "Demo Recruiting"
# `.example` is reserved for documentation (RFC 2606) and, unlike `.local` or `.test`, is
# accepted by the e-mail validation that sign-in applies (tests/test_bootstrap.py checks it).
DEMO_EMAIL = "admin@demo.recruitiq.example"
# Addresses earlier versions gave the demo admin. Sign-in refuses them, so an existing
# demo admin is moved to DEMO_EMAIL (same user, same password) when bootstrap finds one.
LEGACY_DEMO_EMAILS = ("admin@demo.recruitiq.local",)


@dataclass
class DemoCredentials:
    organization_id: str
    email: str
    created: bool
    # Shown when the organization is created or the password reset, never stored in clear.
    password: str | None
    api_key: str | None
    # The refused address this run moved the demo admin away from, if any.
    renamed_from: str | None = None


def ensure_demo_organization(session: Session, *, reset_password: bool = False) -> DemoCredentials:
    """The demo organization, created on first call; later calls print no secrets again.

    ``reset_password`` gives an existing demo admin a new password (the only secret that
    cannot be replaced through the API: a lost API key is revoked and a new one created).
    """
    existing = _demo_admin(session)
    if existing is None:
        password = secrets.token_urlsafe(12)
        organization, user = auth_service.register(
            session, DEMO_ORGANIZATION, "Demo Admin", DEMO_EMAIL, password
        )
        _, key = auth_service.create_api_key(
            session, organization.id, "Demo key (all scopes)", list(ALL_SCOPES),
            created_by_user_id=user.id,
        )
        return DemoCredentials(organization.id, DEMO_EMAIL, True, password, key)
    renamed_from = None
    if existing.email != DEMO_EMAIL:
        renamed_from, existing.email = existing.email, DEMO_EMAIL
    new_password = None
    if reset_password:
        new_password = secrets.token_urlsafe(12)
        existing.password_hash = hash_password(new_password)
    session.flush()
    return DemoCredentials(
        existing.organization_id, DEMO_EMAIL, False, new_password, None, renamed_from
    )


def _demo_admin(session: Session) -> User | None:
    # An e-mail is unique per organization only, and registration is open: anyone may own
    # an organization with the demo's name and address. The demo is the first one made.
    for email in (DEMO_EMAIL, *LEGACY_DEMO_EMAILS):
        user = session.scalar(
            select(User)
            .join(Organization, Organization.id == User.organization_id)
            .where(User.email == email, Organization.name == DEMO_ORGANIZATION)
            .order_by(User.created_at, User.id)
            .limit(1)
        )
        if user is not None:
            return user
    return None


def organization_exists(session: Session, organization_id: str) -> bool:
    return session.get(Organization, organization_id) is not None
