"""The mail senders' wake-up signal: a queued message wakes them at once, in this process
and, through PostgreSQL's NOTIFY, in every other (kit/wakeup.py)."""

from __future__ import annotations

from recruitiq.kit.wakeup import WakeUp

MESSAGES = WakeUp("recruitiq_messages")
