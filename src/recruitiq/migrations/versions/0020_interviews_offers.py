"""offer lifecycle timestamps and uniqueness for open offers and feedback

Revision ID: 0020
Revises: 0002
Create Date: 2026-11-29 10:52:13.929503
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import recruitiq.kit.columns

revision: str = '0020'
down_revision: str | Sequence[str] | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('interview_feedback', schema=None) as batch_op:
        batch_op.create_index('uq_interview_feedback_author', ['interview_id', 'author_type', 'author_id'], unique=True)

    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', recruitiq.kit.columns.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('expired_at', recruitiq.kit.columns.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index('uq_offers_open_application', ['application_id'], unique=True, sqlite_where=sa.text("status IN ('draft', 'sent')"), postgresql_where=sa.text("status IN ('draft', 'sent')"))



def downgrade() -> None:
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_index('uq_offers_open_application', sqlite_where=sa.text("status IN ('draft', 'sent')"), postgresql_where=sa.text("status IN ('draft', 'sent')"))
        batch_op.drop_column('expired_at')
        batch_op.drop_column('withdrawn_at')

    with op.batch_alter_table('interview_feedback', schema=None) as batch_op:
        batch_op.drop_index('uq_interview_feedback_author')

