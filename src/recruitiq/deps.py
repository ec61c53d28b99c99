"""Request-scoped dependencies shared by every feature: settings and the transaction."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from recruitiq.config import Settings
from recruitiq.db import unit_of_work


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _request_transaction(request: Request) -> Iterator[Session]:
    with unit_of_work(request.app.state.session_factory) as session:
        yield session


# scope="function": the commit happens when the endpoint returns, before the response is
# sent, so a client never sees success for a change that failed to commit.
DbSession = Annotated[Session, Depends(_request_transaction, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]
