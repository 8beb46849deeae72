"""owner console: admin accounts, sessions, audit log; refunded amount on rentals

Revision ID: 0005_owner_console
Revises: 0004_catalog_admin
Create Date: 2026-11-30 21:45:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = '0005_owner_console'
down_revision: str | None = '0004_catalog_admin'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'adminaccount',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.CheckConstraint("role IN ('owner', 'staff')", name='ck_admin_role'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('username'),
    )
    op.create_table(
        'adminsession',
        sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('last_seen_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('ip', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('revoked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['account_id'], ['adminaccount.id']),
        sa.PrimaryKeyConstraint('token_hash'),
    )
    op.create_index('ix_adminsession_account_id', 'adminsession', ['account_id'])
    op.create_table(
        'auditevent',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('target', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column('ip', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_auditevent_created_at', 'auditevent', ['created_at'])
    op.create_index(
        'ix_audit_action_actor_time', 'auditevent', ['action', 'actor', 'created_at']
    )
    op.create_index('ix_audit_action_ip_time', 'auditevent', ['action', 'ip', 'created_at'])
    with op.batch_alter_table('rental') as batch:
        batch.add_column(
            sa.Column('refunded_centavos', sa.BigInteger(), nullable=False, server_default='0')
        )
        batch.add_column(
            sa.Column('refunded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table('rental') as batch:
        batch.drop_column('refunded_at')
        batch.drop_column('refunded_centavos')
    op.drop_index('ix_audit_action_ip_time', table_name='auditevent')
    op.drop_index('ix_audit_action_actor_time', table_name='auditevent')
    op.drop_index('ix_auditevent_created_at', table_name='auditevent')
    op.drop_table('auditevent')
    op.drop_index('ix_adminsession_account_id', table_name='adminsession')
    op.drop_table('adminsession')
    op.drop_table('adminaccount')
