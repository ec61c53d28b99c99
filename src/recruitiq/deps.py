"""Request-scoped dependencies shared by every feature: settings and the transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from recruitiq import db
from recruitiq.config import Settings

F = TypeVar("F", bound=Callable[..., Any])

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_WRITES_ATTRIBUTE = "recruitiq_writes"


def writes(endpoint: F) -> F:
    """Mark a GET endpoint that writes (an export records itself in the audit log)."""
    setattr(endpoint, _WRITES_ATTRIBUTE, True)
    return endpoint


def request_writes(request: Request) -> bool:
    endpoint = request.scope.get("endpoint")
    return request.method not in READ_METHODS or getattr(endpoint, _WRITES_ATTRIBUTE, False)


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _request_transaction(request: Request) -> AsyncIterator[Session]:
    # Async, so opening the session (no I/O) and closing it cost no thread hop; only a
    # transaction still open at the end is committed, on a thread.
    token = db.set_transaction_mode(request_writes(request))
    session: Session = request.app.state.session_factory()
    try:
        yield session
        if session.in_transaction():
            await run_in_threadpool(session.commit)
    except BaseException:
        if session.in_transaction():
            await run_in_threadpool(session.rollback)
        raise
    finally:
        session.close()
        db.reset_transaction_mode(token)


# scope="function": the commit happens when the endpoint returns, before the response is
# sent, so a client never sees success for a change that failed to commit.
DbSession = Annotated[Session, Depends(_request_transaction, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]
