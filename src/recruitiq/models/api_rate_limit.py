from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from recruitiq.models.base import Base


class ApiRateLimit(Base):
    """An organization's API requests in the current rate-limit window, shared by every API
    process (ratelimit/store.py). One row per organization, moved to the next window by the
    first reservation made in it; changed only by one atomic upsert.
    """

    __tablename__ = "api_rate_limits"

    organization_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    window_start: Mapped[int] = mapped_column(BigInteger)  # epoch seconds, a multiple of 60
    reserved: Mapped[int] = mapped_column(default=0)  # requests handed out to processes
    granted: Mapped[int] = mapped_column(default=0)  # the last reservation's grant
