from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from recruitiq.models.base import Base


class LoginThrottle(Base):
    """Failed password checks of one account, one client address or one pair of them
    (``auth/throttle.py``). Shared by every API process; keys are keyed hashes, never the
    e-mail address or the IP address itself."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[datetime]
    blocked_until: Mapped[datetime | None]
    # Pairs only: this address signed in to this account, so a block of the account that
    # others caused does not keep its owner out from here.
    succeeded_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(index=True)
