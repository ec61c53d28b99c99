"""merge the hardening branches (sign-in and API rate limits; receiver protection)

Revision ID: 0150
Revises: 0130, 0140
Create Date: 2026-12-01 23:35:00
"""
from __future__ import annotations

from collections.abc import Sequence

revision: str = '0150'
down_revision: str | Sequence[str] | None = ('0130', '0140')
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
