"""The dispatchers' wake-up signal: committed deliveries wake them at once, in this process
and, through PostgreSQL's NOTIFY, in every other (kit/wakeup.py)."""

from __future__ import annotations

import asyncio
from typing import Any

from recruitiq.kit.wakeup import WakeUp

CHANNEL = "recruitiq_deliveries"
DELIVERIES = WakeUp(CHANNEL)

# The dispatcher's names until its next change moves it to DELIVERIES.
unregister = DELIVERIES.unregister
listen = DELIVERIES.listen
notify_new_deliveries = DELIVERIES.wake_here


def register(loop: asyncio.AbstractEventLoop, event: asyncio.Event, _engine: Any = None) -> None:
    DELIVERIES.register(loop, event)
