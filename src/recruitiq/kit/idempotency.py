"""``Idempotency-Key`` on POST: the same key and body replays the first response.

Keys are scoped to the credential that sent them. A different body under a used key is a
409; a key whose first request is still running is a 409 too. Server errors (5xx) are not
remembered, so the client may retry them. Records are purged after a day.
"""

from __future__ import annotations

import hashlib
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
MAX_KEY_LENGTH = 255
RETENTION = timedelta(hours=24)


def _digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()


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
                record.response_body = payload
            session.commit()

    async def _reject(
        self, scope: Scope, receive: Receive, send: Send, request: Request,
        status: int, code: str, message: str,
    ) -> None:
        response = JSONResponse(error_body(request, code, message), status_code=status)
        await response(scope, receive, send)


def purge_expired(session: Session) -> int:
    result = session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at < utcnow() - RETENTION)
    )
    return int(getattr(result, "rowcount", 0) or 0)


