"""Request-scoped dependencies shared by every feature: settings and the transaction."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from recruitiq.config import Settings


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _request_transaction(request: Request) -> Iterator[Session]:
    session: Session = request.app.state.session_factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# scope="function": the commit happens when the endpoint returns, before the response is
# sent, so a client never sees success for a change that failed to commit.
DbSession = Annotated[Session, Depends(_request_transaction, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]
