"""rental: the refund on its way to PayMongo (refund_claim_key, refund_claimed_at)

Revision ID: 0009_refund_claim
Revises: 0008_journey
Create Date: 2026-12-07 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = '0009_refund_claim'
down_revision: str | None = '0008_journey'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN of nullable columns (no table rebuild on SQLite: other tables
    # reference rental rows). Existing rentals have no refund on its way.
    op.add_column('rental', sa.Column('refund_claim_key', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True))
    op.add_column('rental', sa.Column('refund_claimed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('rental') as batch:
        batch.drop_column('refund_claimed_at')
        batch.drop_column('refund_claim_key')
