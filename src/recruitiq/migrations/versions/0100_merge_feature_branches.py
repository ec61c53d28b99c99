"""merge feature branches

Revision ID: 0100
Revises: 0010, 0020, 0040, 0060, 0071
Create Date: 2026-11-29 11:48:36.492687
"""
from __future__ import annotations

from collections.abc import Sequence

revision: str = '0100'
down_revision: str | Sequence[str] | None = ('0010', '0020', '0040', '0060', '0071')
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
