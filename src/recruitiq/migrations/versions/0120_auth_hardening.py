"""Auth hardening (issue 12): login throttles, per-organization e-mails, withheld secrets,
the admin-only audit:read scope

Revision ID: 0120
Revises: 0110
Create Date: 2026-12-02 10:00:00

- ``login_throttles``: failed password checks per account, client address and pair, shared
  by every API process (auth/throttle.py).
- ``users.email`` is unique within an organization, no longer across all of them (ADR 0008).
- ``idempotency_records.withheld_fields``: a response that carried a secret is stored
  without it, and a repeated request is refused rather than replayed (kit/idempotency.py).
- The audit log needs ``audit:read``, which only admins hold. Unrevoked keys that read it
  until now (``reports:read`` or ``reports:write``) keep it when an admin made them or the
  operator did (no creator); a recruiter's or a hiring manager's key loses it, as its
  creator never had it.
"""
from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import recruitiq.kit.columns

revision: str = '0120'
down_revision: str | Sequence[str] | None = '0110'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AUDIT = 'audit:read'
_REPORTS = ('reports:read', 'reports:write')


def upgrade() -> None:
    op.create_table('login_throttles',
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('window_started_at', recruitiq.kit.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('blocked_until', recruitiq.kit.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('succeeded_at', recruitiq.kit.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', recruitiq.kit.columns.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_login_throttles'))
    )
    with op.batch_alter_table('login_throttles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_throttles_updated_at'), ['updated_at'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint('uq_users_email', type_='unique')
        batch_op.create_unique_constraint('uq_users_organization_email', ['organization_id', 'email'])
        batch_op.create_index(batch_op.f('ix_users_email'), ['email'], unique=False)

    with op.batch_alter_table('idempotency_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withheld_fields', sa.JSON(), nullable=True))

    _set_audit_scope(grant=True)


def downgrade() -> None:
    _set_audit_scope(grant=False)
    with op.batch_alter_table('idempotency_records', schema=None) as batch_op:
        batch_op.drop_column('withheld_fields')
    # Fails if an address is now a user of two organizations: there is no safe choice of
    # which to drop.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_email'))
        batch_op.drop_constraint('uq_users_organization_email', type_='unique')
        batch_op.create_unique_constraint('uq_users_email', ['email'])
    with op.batch_alter_table('login_throttles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_throttles_updated_at'))
    op.drop_table('login_throttles')


def _set_audit_scope(*, grant: bool) -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.text(
        "SELECT k.id, k.scopes, u.role FROM api_keys k "
        "LEFT JOIN users u ON u.id = k.created_by_user_id WHERE k.revoked_at IS NULL"
    )).all()
    for key_id, raw, role in rows:
        scopes = json.loads(raw) if isinstance(raw, str) else list(raw)
        if grant:
            if _AUDIT in scopes or not set(_REPORTS) & set(scopes) or role not in (None, 'admin'):
                continue
            new = sorted([*scopes, _AUDIT])
        else:
            if _AUDIT not in scopes:
                continue
            new = [s for s in scopes if s != _AUDIT] or ["reports:read"]
        connection.execute(sa.text("UPDATE api_keys SET scopes = :scopes WHERE id = :id")
                           .bindparams(sa.bindparam('scopes', type_=sa.JSON())),
                           {"scopes": new, "id": key_id})
