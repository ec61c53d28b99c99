"""Protecting receivers: per-subscription rate limits, warnings before auto-disable

Revision ID: 0130
Revises: 0110
Create Date: 2026-12-01 23:00:00

Subscriptions gain ``rate_limit_per_second`` (NULL: the deployment's default) and
``failing_notified_at`` (when ``webhook.endpoint_failing`` was sent for the current run of
failures). Deliveries gain ``paced_until``: the second a delivery was held back to by its
subscription's rate limit. None is indexed: a lease still changes no indexed column, so it
stays a HOT update (ADR 0004). ``webhook_rate_cursors`` holds each subscription's booking
cursor (the second its next delivery may be sent in, and how many that second already has);
claims create its rows as they need them.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from recruitiq.kit.columns import UTCDateTime

revision: str = '0130'
down_revision: str | Sequence[str] | None = '0110'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('webhook_subscriptions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rate_limit_per_second', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('failing_notified_at', UTCDateTime(timezone=True),
                                      nullable=True))
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paced_until', UTCDateTime(timezone=True), nullable=True))
    op.create_table(
        'webhook_rate_cursors',
        sa.Column('subscription_id', sa.String(length=40), nullable=False),
        sa.Column('slot_second', sa.BigInteger(), nullable=False),
        sa.Column('slot_used', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['subscription_id'], ['webhook_subscriptions.id'],
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('subscription_id'),
    )


def downgrade() -> None:
    op.drop_table('webhook_rate_cursors')
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.drop_column('paced_until')
    with op.batch_alter_table('webhook_subscriptions', schema=None) as batch_op:
        batch_op.drop_column('failing_notified_at')
        batch_op.drop_column('rate_limit_per_second')
