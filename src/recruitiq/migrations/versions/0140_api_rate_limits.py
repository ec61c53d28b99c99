"""per-organization API rate-limit windows, shared by the API processes

Revision ID: 0140
Revises: 0120
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0140'
down_revision: str | Sequence[str] | None = '0120'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('api_rate_limits',
    sa.Column('organization_id', sa.String(length=40), nullable=False),
    sa.Column('window_start', sa.BigInteger(), nullable=False),
    sa.Column('reserved', sa.Integer(), nullable=False),
    sa.Column('granted', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_api_rate_limits_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('organization_id', name=op.f('pk_api_rate_limits'))
    )


def downgrade() -> None:
    op.drop_table('api_rate_limits')
