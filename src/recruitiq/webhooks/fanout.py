"""Turn a new event into one delivery row per matching active subscription.

Placeholder until the webhook subscriptions land (issue 3): no subscriptions exist yet,
so there is nothing to enqueue.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from recruitiq.models import Event


def enqueue_deliveries(session: Session, event: Event, envelope: dict[str, Any]) -> None:
    return None
