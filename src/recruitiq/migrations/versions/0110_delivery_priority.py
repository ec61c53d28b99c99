"""Delivery priority: enterprise deliveries are claimed first (ADR 0006)

Revision ID: 0110
Revises: 0101
Create Date: 2026-11-30 10:00:00

``priority`` is 1 for the deliveries of a priority-delivery plan (enterprise), else 0. The
due index gains it between ``status`` and ``next_attempt_at``, so the claim reads each
class in due order with one range scan. No lease touches it: leases stay HOT updates
(ADR 0004). Waiting deliveries of enterprise organizations get their priority now.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0110'
down_revision: str | Sequence[str] | None = '0101'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('priority', sa.SmallInteger(), server_default='0',
                                      nullable=False))
        batch_op.drop_index('ix_webhook_deliveries_due')
        batch_op.create_index('ix_webhook_deliveries_due',
                              ['status', 'priority', 'next_attempt_at'], unique=False)
    op.execute(
        "UPDATE webhook_deliveries SET priority = 1 "
        "WHERE status IN ('pending', 'held') AND organization_id IN "
        "(SELECT id FROM organizations WHERE plan = 'enterprise')"
    )


def downgrade() -> None:
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_deliveries_due')
        batch_op.create_index('ix_webhook_deliveries_due', ['status', 'next_attempt_at'],
                              unique=False)
        batch_op.drop_column('priority')
