from __future__ import annotations

import logging
import sqlite3
from datetime import datetime, timedelta

from sqlalchemy import Engine, or_, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from recruitiq import db
from recruitiq.auth import tokens
from recruitiq.auth.passwords import hash_password, verify_password
from recruitiq.auth.principal import Principal
from recruitiq.auth.scopes import scopes_for_role
from recruitiq.config import Settings
from recruitiq.errors import Conflict, NotFound, Unauthorized
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
    email = email.lower()
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict("A user with this e-mail already exists", code="email_taken")
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
        raise Conflict("A user with this e-mail already exists", code="email_taken") from exc
    return user


def login(session: Session, email: str, password: str) -> User:
    user = session.scalar(select(User).where(User.email == email.lower()))
    if not verify_password(user.password_hash if user else None, password) or user is None:
        raise Unauthorized("E-mail or password is incorrect", code="invalid_credentials")
    if not user.is_active:
        raise Unauthorized("This user is deactivated", code="invalid_credentials")
    return user


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
_KEY_BY_HASH = select(
    ApiKey.id, ApiKey.organization_id, ApiKey.scopes, ApiKey.revoked_at, ApiKey.expires_at,
    ApiKey.last_used_at,
)


def _authenticate_api_key(session: Session, key: str) -> Principal | None:
    api_key = session.execute(
        _KEY_BY_HASH.where(ApiKey.key_hash == tokens.hash_api_key(key))
    ).one_or_none()
    now = utcnow()
    if api_key is None or api_key.revoked_at is not None:
        return None
    if api_key.expires_at is not None and api_key.expires_at <= now:
        return None
    if api_key.last_used_at is None or now - api_key.last_used_at > LAST_USED_GRANULARITY:
        _touch_after_commit(session, api_key.id, now)
    return Principal(
        organization_id=api_key.organization_id,
        kind="api_key",
        actor_id=api_key.id,
        scopes=frozenset(api_key.scopes),
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
