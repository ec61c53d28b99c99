"""What a feature's background work is made of. Features' ``tasks`` modules import this;
it imports no feature, and ``recruitiq.worker`` lists and runs their tasks."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from recruitiq.config import Settings


@dataclass
class WorkerContext:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    stopping: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass(frozen=True)
class PeriodicJob:
    """``run`` every ``interval_seconds``; a loop that never returns is started the same way
    (the interval then only spaces restarts after an unexpected error)."""

    name: str
    interval_seconds: float
    run: Callable[[WorkerContext], Awaitable[None]]
