"""HOT delivery leases: drop the unused updated_at index, leave room on each page

Revision ID: 0101
Revises: 0100
Create Date: 2026-11-29 16:45:00

A claim sets only ``leased_until`` and ``leased_by``, which no index covers: given free
space on the row's page, PostgreSQL makes that update a heap-only tuple (HOT) update, with
no new entry in any of the table's indexes. Pages were filled to the brim, so almost no
claim was HOT. The ``updated_at`` index served no query and cost an entry per outcome.
The fillfactor applies to pages written from now on; SQLite has no such setting.
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0101'
down_revision: str | Sequence[str] | None = '0100'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FILLFACTOR = 50


def upgrade() -> None:
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_deliveries_updated_at')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f'ALTER TABLE webhook_deliveries SET (fillfactor = {FILLFACTOR})')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE webhook_deliveries RESET (fillfactor)')
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_deliveries_updated_at', ['updated_at'], unique=False)
