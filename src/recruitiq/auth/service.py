from __future__ import annotations

import logging
import sqlite3
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Engine, Table, bindparam, or_, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from recruitiq import db
from recruitiq.auth import tokens
from recruitiq.auth.passwords import hash_password, verify_password
from recruitiq.auth.principal import Principal
from recruitiq.auth.scopes import ADMIN_SCOPES, capped, not_held, scopes_for_role
from recruitiq.auth.throttle import PasswordGuard
from recruitiq.config import Settings
from recruitiq.errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationFailed
from recruitiq.kit.clock import utcnow
from recruitiq.kit.ids import new_id
from recruitiq.models import ApiKey, Organization, User

logger = logging.getLogger("recruitiq.auth")

# Writing last_used_at on every request would turn every read into a write.
LAST_USED_GRANULARITY = timedelta(minutes=1)


def register(
    session: Session, organization_name: str, name: str, email: str, password: str
) -> tuple[Organization, User]:
    organization = Organization(id=new_id("org"), name=organization_name)
    session.add(organization)
    session.flush()
    user = create_user(session, organization.id, name, email, password, role="admin")
    return organization, user


def create_user(
    session: Session, organization_id: str, name: str, email: str, password: str, role: str
) -> User:
    """An address is unique within its organization only (ADR 0008): a 409 here names a
    colleague the admin can list anyway, never a user of another organization."""
    email = email.lower()
    taken = select(User.id).where(User.organization_id == organization_id, User.email == email)
    if session.scalar(taken) is not None:
        raise _email_taken()
    user = User(
        id=new_id("usr"),
        organization_id=organization_id,
        name=name,
        email=email,
        password_hash=hash_password(password),
        role=role,
    )
    session.add(user)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise _email_taken() from exc
    return user


def _email_taken() -> Conflict:
    return Conflict("A user of this organization already has this e-mail", code="email_taken")


def login(
    session: Session,
    settings: Settings,
    email: str,
    password: str,
    *,
    address: str,
    organization_id: str | None = None,
) -> User:
    """The user whose password this is, throttled per account and client address
    (auth/throttle.py). An address may be a user of several organizations; the password
    picks one, and ``organization_id`` picks when the same password opens more than one."""
    guard = PasswordGuard(session, settings, email, address)
    with db.reading(session):
        guard.refuse_if_throttled()
        matches = _password_matches(session, email, password, organization_id)
    if not matches:
        guard.failed()
        raise Unauthorized("E-mail or password is incorrect", code="invalid_credentials")
    guard.succeeded()
    if len(matches) > 1:
        # The caller proved the password for each of them: naming them reveals nothing.
        names = {o.id: o.name for o in session.scalars(
            select(Organization).where(Organization.id.in_([u.organization_id for u in matches]))
        )}
        raise ValidationFailed(
            "This e-mail and password open several organizations: send organizationId",
            details=[
                {"field": "organizationId", "message": f"{user.organization_id}: {name}"}
                for user, name in sorted(((u, names[u.organization_id]) for u in matches),
                                         key=lambda pair: (pair[1], pair[0].organization_id))
            ],
        )
    user = matches[0]
    if not user.is_active:
        raise Unauthorized("This user is deactivated", code="invalid_credentials")
    return user


def _password_matches(
    session: Session, email: str, password: str, organization_id: str | None
) -> list[User]:
    stmt = select(User).where(User.email == email.lower()).order_by(User.created_at)
    if organization_id is not None:
        stmt = stmt.where(User.organization_id == organization_id)
    users = list(session.scalars(stmt))
    if not users:
        verify_password(None, password)  # the same work as for a known address
        return []
    return [user for user in users if verify_password(user.password_hash, password)]


def list_users(session: Session, organization_id: str) -> list[User]:
    stmt = select(User).where(User.organization_id == organization_id).order_by(User.created_at)
    return list(session.scalars(stmt))


def get_user(session: Session, organization_id: str, user_id: str) -> User:
    user = session.scalar(
        select(User).where(User.organization_id == organization_id, User.id == user_id)
    )
    if user is None:
        raise NotFound("User", user_id)
    return user


def authenticate(session: Session, settings: Settings, token: str) -> Principal | None:
    if token.startswith(tokens.API_KEY_PREFIX):
        return _authenticate_api_key(session, token)
    claims = tokens.decode_access_token(settings, token)
    if claims is None:
        return None
    user = session.get(User, claims.get("sub"))
    if user is None or not user.is_active or user.organization_id != claims.get("org"):
        return None
    return Principal(
        organization_id=user.organization_id,
        kind="user",
        actor_id=user.id,
        scopes=scopes_for_role(user.role),
        role=user.role,
        user_id=user.id,
    )


# Columns, not the entity: every request runs this, and the ORM's identity map and object
# construction cost more than the query (docs/performance.md).
_KEYS = cast(Table, ApiKey.__table__)
_USERS = cast(Table, User.__table__)
# Built once and bound per request, and run as Core on the session's connection: building
# the statement and the ORM's compile step cost more than the query (docs/performance.md).
_KEY_BY_HASH = select(
    _KEYS.c.id, _KEYS.c.organization_id, _KEYS.c.scopes, _KEYS.c.revoked_at,
    _KEYS.c.expires_at, _KEYS.c.last_used_at, _KEYS.c.created_by_user_id,
    _USERS.c.role.label("creator_role"), _USERS.c.is_active.label("creator_active"),
    _USERS.c.organization_id.label("creator_organization_id"),
).select_from(
    _KEYS.outerjoin(_USERS, _USERS.c.id == _KEYS.c.created_by_user_id)
).where(_KEYS.c.key_hash == bindparam("key_hash"))


def creator_holds(
    creator_id: str | None, role: str | None, active: bool | None, organization_id: str | None,
    key_organization_id: str,
) -> frozenset[str]:
    """What a key's creator may grant now: their role's scopes while they are an active
    user of the key's organization, nothing once they are not. A key without a creator was
    made by the operator (``recruitiq create-api-key``), who may grant everything."""
    if creator_id is None:
        return ADMIN_SCOPES
    if not active or organization_id != key_organization_id:
        return frozenset()
    return scopes_for_role(role)


def _authenticate_api_key(session: Session, key: str) -> Principal | None:
    api_key = session.connection().execute(
        _KEY_BY_HASH, {"key_hash": tokens.hash_api_key(key)}
    ).one_or_none()
    now = utcnow()
    if api_key is None or api_key.revoked_at is not None:
        return None
    if api_key.expires_at is not None and api_key.expires_at <= now:
        return None
    holds = creator_holds(
        api_key.created_by_user_id, api_key.creator_role, api_key.creator_active,
        api_key.creator_organization_id, api_key.organization_id,
    )
    if not holds:
        return None  # its creator was deactivated: the key is as dead as their login
    if api_key.last_used_at is None or now - api_key.last_used_at > LAST_USED_GRANULARITY:
        _touch_after_commit(session, api_key.id, now)
    return Principal(
        organization_id=api_key.organization_id,
        kind="api_key",
        actor_id=api_key.id,
        scopes=capped(api_key.scopes, holds),
    )


def _touch_after_commit(session: Session, key_id: str, now: datetime) -> None:
    """Record the key's use in a transaction of its own once the request's has committed:
    a request that only reads stays a read, and bookkeeping never fails or delays a request
    (with another writer busy it is skipped; the key's next use records it)."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    stale = or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < now - LAST_USED_GRANULARITY)

    def touch() -> None:
        # A conditional UPDATE, not read-modify-write: concurrent requests never fight.
        try:
            with db.writing(wait=False), engine.begin() as connection:
                connection.execute(
                    update(ApiKey).where(ApiKey.id == key_id, stale).values(last_used_at=now)
                )
        except (SQLAlchemyError, sqlite3.Error) as exc:
            logger.debug("last use of API key %s not recorded: %s", key_id, exc)

    db.after_commit(session, touch)


def create_api_key(
    session: Session,
    organization_id: str,
    name: str,
    scopes: list[str],
    expires_at: object = None,
    created_by_user_id: str | None = None,
) -> tuple[ApiKey, str]:
    creator = session.get(User, created_by_user_id) if created_by_user_id else None
    holds = creator_holds(
        created_by_user_id,
        creator.role if creator else None,
        creator.is_active if creator else None,
        creator.organization_id if creator else None,
        organization_id,
    )
    refused = not_held(scopes, holds)
    if refused:
        raise Forbidden(
            f"A key can hold only scopes its creator holds; not held: {', '.join(refused)}",
            code="scope_not_held",
            details=[{"field": "scopes", "message": scope} for scope in refused],
        )
    key = tokens.generate_api_key()
    api_key = ApiKey(
        id=new_id("key"),
        organization_id=organization_id,
        name=name,
        prefix=tokens.display_prefix(key),
        key_hash=tokens.hash_api_key(key),
        scopes=sorted(set(scopes)),
        expires_at=expires_at,
        created_by_user_id=created_by_user_id,
    )
    session.add(api_key)
    session.flush()
    return api_key, key


def list_api_keys(session: Session, organization_id: str) -> list[ApiKey]:
    stmt = (
        select(ApiKey)
        .where(ApiKey.organization_id == organization_id, ApiKey.revoked_at.is_(None))
        .order_by(ApiKey.created_at.desc())
    )
    return list(session.scalars(stmt))


def revoke_api_key(session: Session, organization_id: str, key_id: str) -> ApiKey:
    api_key = session.scalar(
        select(ApiKey).where(
            ApiKey.organization_id == organization_id,
            ApiKey.id == key_id,
            ApiKey.revoked_at.is_(None),
        )
    )
    if api_key is None:
        raise NotFound("API key", key_id)
    api_key.revoked_at = utcnow()
    session.flush()
    return api_key
