"""catalog admin: store opening hours, turnaround days, price history, unit maintenance
blocks, and the catalog version row every worker's snapshot watches

Revision ID: 0004_catalog_admin
Revises: 0003_rental_owner_flag
Create Date: 2026-11-30 22:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = '0004_catalog_admin'
down_revision: str | None = '0003_rental_owner_flag'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Not a batch copy on SQLite: distance and rental reference store, so copying it would
    # break their foreign keys once the shop has data (the default stays there, harmless).
    op.add_column(
        'store',
        sa.Column(
            'opening_hours',
            sqlmodel.sql.sqltypes.AutoString(length=300),
            nullable=False,
            server_default='',
        ),
    )
    if op.get_bind().dialect.name != 'sqlite':
        op.alter_column('store', 'opening_hours', server_default=None)
    with op.batch_alter_table('pricingsettings') as batch:
        batch.add_column(sa.Column('turnaround_days', sa.Integer(), nullable=False, server_default='1'))
        batch.create_check_constraint('ck_pricing_turnaround', 'turnaround_days >= 0')
    with op.batch_alter_table('pricingsettings') as batch:
        batch.alter_column('turnaround_days', server_default=None)
    op.create_table(
        'pricechange',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('setting', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('old_value', sa.BigInteger(), nullable=False),
        sa.Column('new_value', sa.BigInteger(), nullable=False),
        sa.Column('changed_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('changed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_pricechange_changed_at', 'pricechange', ['changed_at'])
    op.create_table(
        'unitblock',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.CheckConstraint('ends_on >= starts_on', name='ck_unitblock_range'),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_unitblock_unit_id', 'unitblock', ['unit_id'])
    op.create_table(
        'catalogversion',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.Column('changed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.execute("INSERT INTO catalogversion (id, version, changed_at) VALUES (1, 0, CURRENT_TIMESTAMP)")


def downgrade() -> None:
    op.drop_table('catalogversion')
    op.drop_index('ix_unitblock_unit_id', table_name='unitblock')
    op.drop_table('unitblock')
    op.drop_index('ix_pricechange_changed_at', table_name='pricechange')
    op.drop_table('pricechange')
    with op.batch_alter_table('pricingsettings') as batch:
        batch.drop_constraint('ck_pricing_turnaround', type_='check')
        batch.drop_column('turnaround_days')
    if op.get_bind().dialect.name == 'sqlite':
        # Not a batch copy: other tables reference store (SQLite >= 3.35 drops columns).
        op.execute('ALTER TABLE store DROP COLUMN opening_hours')
    else:
        op.drop_column('store', 'opening_hours')
