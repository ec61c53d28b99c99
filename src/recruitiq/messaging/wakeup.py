"""Wake this process's mail sender when a message is committed, instead of at its next poll.

Requests commit on worker threads, the sender waits on an asyncio event in the worker's
loop; ``notify`` crosses over thread-safely. Senders in other processes still poll, so a
missed wake-up costs seconds, never a message.
"""

from __future__ import annotations

import asyncio
import threading

_lock = threading.Lock()
_waiters: dict[int, tuple[asyncio.AbstractEventLoop, asyncio.Event]] = {}


def register(loop: asyncio.AbstractEventLoop, event: asyncio.Event) -> None:
    with _lock:
        _waiters[id(event)] = (loop, event)


def unregister(event: asyncio.Event) -> None:
    with _lock:
        _waiters.pop(id(event), None)


def notify() -> None:
    with _lock:
        waiters = list(_waiters.values())
    for loop, event in waiters:
        if not loop.is_closed():
            loop.call_soon_threadsafe(event.set)
