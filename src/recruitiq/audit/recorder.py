"""Record every row a user or API key changes, straight from the ORM session.

Features need no audit calls of their own: an ``after_flush`` listener on the session
factory sees each flushed insert, update and delete, reads who acted from
``session.info["principal"]`` (set by the auth dependency) and the HTTP request from a
context variable set by a small ASGI middleware, and inserts one ``audit_events`` row per
changed row with Core, in the same transaction, so the record commits or rolls back with the
change it describes.

Only field *names* are stored. Sessions without a principal (the worker, registration,
login, the idempotency middleware) are not audited.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Table, event, insert, inspect
from sqlalchemy.orm import Session, UOWTransaction, sessionmaker
from starlette.types import ASGIApp, Receive, Scope, Send

from recruitiq.auth.principal import Principal
from recruitiq.kit.clock import utcnow
from recruitiq.kit.ids import new_id
from recruitiq.models import AuditEvent, Event, IdempotencyRecord, WebhookDelivery

PRINCIPAL_KEY = "principal"

# The log itself and the outbox are consequences of an audited change, not changes to audit.
# Deliveries are only skipped on insert (fan-out); a person retrying one is still recorded.
_NEVER_AUDITED: tuple[type[Any], ...] = (AuditEvent, Event, IdempotencyRecord)
_INSERT_NOT_AUDITED: tuple[type[Any], ...] = (WebhookDelivery,)

# Bookkeeping columns every row has; listing them would add noise, not information.
_IMPLICIT_COLUMNS = frozenset({"id", "organization_id", "created_at", "updated_at"})

_AUDIT_TABLE: Table = AuditEvent.__table__  # type: ignore[assignment]

_current_scope: ContextVar[Scope | None] = ContextVar("recruitiq_audit_scope", default=None)


class AuditContextMiddleware:
    """Makes the current request (id, route, path parameters) visible to the listener."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = _current_scope.set(scope)
        try:
            await self.app(scope, receive, send)
        finally:
            _current_scope.reset(token)


def install(app: FastAPI) -> None:
    """Audit every session the app's factory makes; call once from ``create_app``."""
    app.add_middleware(AuditContextMiddleware)
    install_listener(app.state.session_factory)


def install_listener(factory: sessionmaker[Session]) -> None:
    event.listen(factory, "after_flush", _record_flush)


def resource_type(obj: object) -> str:
    """``ApiKey`` → ``api_key``: the type name the audit log and its filters use."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(obj).__name__).lower()


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _inserted_fields(obj: object) -> list[str]:
    state = inspect(obj)
    return sorted(
        _camel(attr.key)
        for attr in state.mapper.column_attrs
        if attr.key not in _IMPLICIT_COLUMNS and getattr(obj, attr.key) is not None
    )


def _updated_fields(obj: object) -> list[str]:
    state = inspect(obj)
    return sorted(
        _camel(attr.key)
        for attr in state.mapper.column_attrs
        if attr.key not in _IMPLICIT_COLUMNS and state.attrs[attr.key].history.has_changes()
    )


def _update_action(obj: object, fields: list[str]) -> str:
    # A soft delete or an erasure is what happened to the resource, whatever the column.
    if "erasedAt" in fields and getattr(obj, "erased_at", None) is not None:
        return "erase"
    if "deletedAt" in fields and getattr(obj, "deleted_at", None) is not None:
        return "delete"
    return "update"


def _endpoint_verb(scope: Scope | None, obj: object) -> str | None:
    """The request's own verb for the row it names in its path: ``POST
    /jobs/{job_id}/publish`` is ``job.publish``; ``DELETE /api-keys/{key_id}`` is ``delete``
    even though revoking only sets a column."""
    route_path: str | None = getattr((scope or {}).get("route"), "path", None)
    if scope is None or not route_path:
        return None
    *parents, last = route_path.strip("/").split("/")
    method = scope.get("method")
    if method == "DELETE" and last.startswith("{"):
        param, verb = last, "delete"
    elif method in ("POST", "PUT") and parents and parents[-1].startswith("{"):
        param, verb = parents[-1], f"{resource_type(obj)}.{last.replace('-', '_')}"
    else:
        return None
    if scope.get("path_params", {}).get(param.strip("{}")) != getattr(obj, "id", None):
        return None
    return verb


def _changes(session: Session, scope: Scope | None) -> Iterator[tuple[object, str, list[str]]]:
    for obj in session.new:
        if not isinstance(obj, _NEVER_AUDITED + _INSERT_NOT_AUDITED):
            yield obj, "create", _inserted_fields(obj)
    for obj in session.dirty:
        if isinstance(obj, _NEVER_AUDITED) or not session.is_modified(obj):
            continue
        fields = _updated_fields(obj)
        if not fields:
            continue
        action = _update_action(obj, fields)
        # An erasure stays an erasure whichever endpoint performed it.
        yield obj, action if action == "erase" else _endpoint_verb(scope, obj) or action, fields
    for obj in session.deleted:
        if not isinstance(obj, _NEVER_AUDITED):
            yield obj, "delete", []


def _row(
    principal: Principal, action: str, resource: str, resource_id: str, fields: list[str]
) -> dict[str, Any]:
    scope = _current_scope.get()
    return {
        "id": new_id("aud"),
        "organization_id": principal.organization_id,
        "actor_type": principal.kind,
        "actor_id": principal.actor_id,
        "action": action,
        "resource_type": resource,
        "resource_id": resource_id,
        "changed_fields": fields,
        "request_id": (scope or {}).get("state", {}).get("request_id"),
        "created_at": utcnow(),
    }


def record(
    session: Session, action: str, resource: str, resource_id: str, fields: list[str]
) -> None:
    """Record an action that changes no row but belongs in the log (a data export)."""
    principal = session.info.get(PRINCIPAL_KEY)
    if isinstance(principal, Principal):
        session.connection().execute(
            insert(_AUDIT_TABLE), [_row(principal, action, resource, resource_id, fields)]
        )


SYSTEM_ACTOR = "system"


def record_system(
    session: Session, organization_id: str, actor_id: str, action: str, resource: str,
    resource_id: str, fields: list[str],
) -> None:
    """Record a change RecruitIQ made by itself (the webhook dispatcher disabling a failing
    endpoint): ``actorType`` is ``system``, ``actorId`` names the component."""
    session.connection().execute(insert(_AUDIT_TABLE), [{
        "id": new_id("aud"), "organization_id": organization_id, "actor_type": SYSTEM_ACTOR,
        "actor_id": actor_id, "action": action, "resource_type": resource,
        "resource_id": resource_id, "changed_fields": fields, "request_id": None,
        "created_at": utcnow(),
    }])


def _record_flush(session: Session, _flush: UOWTransaction) -> None:
    principal = session.info.get(PRINCIPAL_KEY)
    if not isinstance(principal, Principal):
        return
    rows = [
        _row(principal, action, resource_type(obj), str(getattr(obj, "id", "")), fields)
        for obj, action, fields in _changes(session, _current_scope.get())
    ]
    if rows:
        session.connection().execute(insert(_AUDIT_TABLE), rows)
