"""rental: client_ip (the cap on unpaid holds per IP counts by it)

Revision ID: 0006_rental_client_ip
Revises: 0005_owner_console
Create Date: 2026-11-30 22:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = '0006_rental_client_ip'
down_revision: str | None = '0005_owner_console'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('rental', sa.Column('client_ip', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column('rental', 'client_ip')
