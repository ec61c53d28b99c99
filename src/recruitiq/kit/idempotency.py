"""``Idempotency-Key`` on POST: the same key and body replays the first response.

Keys are scoped to the credential that sent them. A different body under a used key is a
409; a key whose first request is still running is a 409 too. Server errors (5xx) are not
remembered, so the client may retry them. Records are purged after a day.

Secrets are shown once: a response that carries one (an API key, a login token, a webhook
signing secret: any field named in ``SECRET_FIELDS`` or ending in ``Secret``, ``Token`` or
``Password``) is stored without it, and a repeated request is answered
``409 idempotency_secret_withheld`` naming what the first request made, never replayed
(docs/api.md, "Idempotency").
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from recruitiq.errors import error_body
from recruitiq.kit.clock import utcnow
from recruitiq.kit.ids import new_id
from recruitiq.models import IdempotencyRecord

HEADER = "idempotency-key"
# Response fields whose string value is a credential (camelCase, as the API writes them).
SECRET_FIELDS = frozenset({"key", "secret", "previousSecret", "accessToken", "refreshToken",
                           "token", "password", "clientSecret"})
_SECRET_SUFFIXES = ("secret", "token", "password")
MAX_KEY_LENGTH = 255
RETENTION = timedelta(hours=24)


def _digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()


def is_secret(name: str, value: Any) -> bool:
    """A response field holding a credential: one rule for what is never kept or shown."""
    lowered = name.lower()
    named = name in SECRET_FIELDS or lowered.endswith(_SECRET_SUFFIXES)
    return named and isinstance(value, str) and bool(value)


def withhold_secrets(body: Any, path: str = "") -> tuple[Any, list[str]]:
    """``body`` without its secrets (their values become null), and their dotted paths."""
    if isinstance(body, dict):
        kept: dict[str, Any] = {}
        withheld: list[str] = []
        for name, value in body.items():
            where = f"{path}.{name}" if path else str(name)
            if is_secret(str(name), value):
                kept[name] = None
                withheld.append(where)
            else:
                kept[name], inner = withhold_secrets(value, where)
                withheld += inner
        return kept, withheld
    if isinstance(body, list):
        pairs = [withhold_secrets(item, f"{path}[{i}]") for i, item in enumerate(body)]
        return [item for item, _ in pairs], [p for _, inner in pairs for p in inner]
    return body, []


def _made(response_body: str | None) -> str:
    """What a stored response created, as "apiKey key_…", for the refusal's message."""
    try:
        body = json.loads(response_body or "")
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    made = [f"{name} {value['id']}" for name, value in body.items()
            if isinstance(value, dict) and isinstance(value.get("id"), str)]
    return f" ({', '.join(made)})" if made else ""


def _find(session: Session, owner: str, key: str) -> IdempotencyRecord | None:
    return session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.owner_hash == owner, IdempotencyRecord.key == key
        )
    )


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, session_factory: sessionmaker[Session]) -> None:
        self.app = app
        self.session_factory = session_factory

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        key_bytes = headers.get(HEADER.encode())
        if key_bytes is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        key = key_bytes.decode("latin-1").strip()
        if not key or len(key) > MAX_KEY_LENGTH:
            await self._reject(scope, receive, send, request, 422, "validation_error",
                               f"Idempotency-Key must be 1–{MAX_KEY_LENGTH} characters")
            return
        body = await request.body()
        owner = _digest(headers.get(b"authorization", b""))
        fingerprint = _digest(scope["path"].encode(), scope.get("query_string", b""), body)

        claim = await run_in_threadpool(self._claim, owner, key, fingerprint)
        if isinstance(claim, IdempotencyRecord):
            if claim.request_hash != fingerprint:
                await self._reject(scope, receive, send, request, 409, "idempotency_key_reused",
                                   "This Idempotency-Key was used with a different request")
            elif claim.status_code is None:
                await self._reject(scope, receive, send, request, 409, "idempotency_in_progress",
                                   "A request with this Idempotency-Key is still being processed")
            elif claim.withheld_fields:
                await self._reject_withheld(scope, receive, send, request, claim)
            else:
                replay = Response(
                    content=claim.response_body or "",
                    status_code=claim.status_code,
                    media_type="application/json",
                    headers={"Idempotent-Replayed": "true"},
                )
                await replay(scope, receive, send)
            return

        record_id = claim
        status_holder: dict[str, Any] = {"status": 500, "chunks": []}

        async def replay_body() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
            elif message["type"] == "http.response.body":
                status_holder["chunks"].append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay_body, capture)
        finally:
            status = status_holder["status"]
            payload = b"".join(status_holder["chunks"]).decode("utf-8", "replace")
            await run_in_threadpool(self._finish, record_id, status, payload)

    def _claim(self, owner: str, key: str, fingerprint: str) -> IdempotencyRecord | str:
        with self.session_factory() as session:
            existing = _find(session, owner, key)
            if existing is not None:
                return existing
            record = IdempotencyRecord(
                id=new_id("idem"), owner_hash=owner, key=key,
                request_hash=fingerprint, created_at=utcnow(),
            )
            session.add(record)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                raced = _find(session, owner, key)
                assert raced is not None
                return raced
            return record.id

    def _finish(self, record_id: str, status: int, payload: str) -> None:
        with self.session_factory() as session:
            record = session.get(IdempotencyRecord, record_id)
            if record is None:
                return
            if status >= 500 or status == 401:
                session.delete(record)
            else:
                record.status_code = status
                record.response_body, record.withheld_fields = _storable(payload)
            session.commit()

    async def _reject(
        self, scope: Scope, receive: Receive, send: Send, request: Request,
        status: int, code: str, message: str, details: list[dict[str, Any]] | None = None,
    ) -> None:
        response = JSONResponse(error_body(request, code, message, details), status_code=status)
        await response(scope, receive, send)

    async def _reject_withheld(
        self, scope: Scope, receive: Receive, send: Send, request: Request,
        record: IdempotencyRecord,
    ) -> None:
        fields = record.withheld_fields or []
        message = (
            f"The first request with this Idempotency-Key succeeded ({record.status_code})"
            f"{_made(record.response_body)}, and its response carried a secret, which is "
            "shown only once and not kept, so it is not replayed. Nothing was done again. "
            "If the first response was lost, revoke or rotate what it made"
        )
        details = [{"field": f, "message": "a secret, shown only in the first response"}
                   for f in fields]
        await self._reject(scope, receive, send, request, 409, "idempotency_secret_withheld",
                           message, details)


def _storable(payload: str) -> tuple[str, list[str] | None]:
    """The response as it may be kept: a JSON body without its secrets."""
    try:
        body = json.loads(payload)
    except ValueError:
        return payload, None
    kept, withheld = withhold_secrets(body)
    if not withheld:
        return payload, None
    return json.dumps(kept, ensure_ascii=False, separators=(",", ":")), withheld


def purge_expired(session: Session) -> int:
    result = session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at < utcnow() - RETENTION)
    )
    return int(getattr(result, "rowcount", 0) or 0)


