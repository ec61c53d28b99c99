"""application superseded by merge

A candidate merge may find both candidates applied to one job: the older application is
kept and the other is marked superseded, so the one-per-job rule spans live rows only.

Revision ID: 0010
Revises: 0002
Create Date: 2026-11-29 10:53:47.538443
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | Sequence[str] | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('superseded_by_id', sa.String(length=40), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_applications_superseded_by_id_applications'), 'applications', ['superseded_by_id'], ['id'], ondelete='SET NULL')
        batch_op.drop_index('uq_applications_job_candidate')
        batch_op.create_index('uq_applications_job_candidate', ['job_id', 'candidate_id'], unique=True, sqlite_where=sa.text('superseded_by_id IS NULL'), postgresql_where=sa.text('superseded_by_id IS NULL'))


def downgrade() -> None:
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index('uq_applications_job_candidate')
        batch_op.create_index('uq_applications_job_candidate', ['job_id', 'candidate_id'], unique=True)
        batch_op.drop_constraint(batch_op.f('fk_applications_superseded_by_id_applications'), type_='foreignkey')
        batch_op.drop_column('superseded_by_id')
