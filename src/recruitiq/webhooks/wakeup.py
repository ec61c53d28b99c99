"""The dispatchers' wake-up signal: committed deliveries wake them at once, in this process
and, through PostgreSQL's NOTIFY, in every other (kit/wakeup.py)."""

from __future__ import annotations

from recruitiq.kit.wakeup import WakeUp

DELIVERIES = WakeUp("recruitiq_deliveries")
