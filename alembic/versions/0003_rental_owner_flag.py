"""rental: owner_flag, why the owner must look at a rental (e.g. a paid amount that differs)

Revision ID: 0003_rental_owner_flag
Revises: 0002_unit_free_index
Create Date: 2026-11-30 21:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = '0003_rental_owner_flag'
down_revision: str | None = '0002_unit_free_index'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('rental') as batch:
        batch.add_column(sa.Column('owner_flag', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('rental') as batch:
        batch.drop_column('owner_flag')
