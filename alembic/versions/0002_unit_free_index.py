"""unit: partial index on free units (stock counts and holds at any inventory size)

Revision ID: 0002_unit_free_index
Revises: 0001
Create Date: 2026-11-22 02:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = '0002_unit_free_index'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FREE_UNIT = "current_rental_id IS NULL AND active"


def upgrade() -> None:
    op.create_index(
        'ix_unit_free',
        'unit',
        ['collectible_id', 'warehouse_id', 'id'],
        unique=False,
        postgresql_where=sa.text(FREE_UNIT),
        sqlite_where=sa.text(FREE_UNIT),
    )


def downgrade() -> None:
    op.drop_index('ix_unit_free', table_name='unit')
