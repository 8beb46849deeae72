"""customer journey: rental.order_code (backfilled), store.opening_hours, the email outbox,
back-in-stock alerts

Revision ID: 0008_journey
Revises: 0007_reservation_windows
Create Date: 2026-11-30 22:00:00
"""
import secrets
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = '0008_journey'
down_revision: str | None = '0007_reservation_windows'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of domain/order_code.py's alphabet (a migration must not change with the code).
_ALPHABET = "34679ACDEFGHJKMNPQRTWXY"
_DEMO_HOURS = {
    "store-a": "Mon-Sat 10:00-20:00, Sun 11:00-18:00",
    "store-b": "Mon-Sat 10:00-21:00, Sun 10:00-19:00",
    "store-c": "Daily 11:00-21:00",
}


def _code(taken: set[str]) -> str:
    while True:
        code = "MC-" + "".join(secrets.choice(_ALPHABET) for _ in range(6))
        if code not in taken:
            taken.add(code)
            return code


def upgrade() -> None:
    # Plain ADD COLUMN (no table rebuild on SQLite: other tables reference these rows).
    bind = op.get_bind()
    postgres = bind.dialect.name == 'postgresql'
    # store.opening_hours came with the catalog admin (0004); fill the demo stores' hours.
    for store_id, hours in _DEMO_HOURS.items():
        bind.execute(
            sa.text("UPDATE store SET opening_hours = :h WHERE id = :id AND opening_hours = ''"),
            {"h": hours, "id": store_id},
        )

    op.add_column('rental', sa.Column('order_code', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False, server_default=''))
    taken: set[str] = set()
    for (rental_id,) in bind.execute(sa.text("SELECT id FROM rental")).all():
        bind.execute(
            sa.text("UPDATE rental SET order_code = :c WHERE id = :id"),
            {"c": _code(taken), "id": rental_id},
        )
    op.create_index('uq_rental_order_code', 'rental', ['order_code'], unique=True)
    if postgres:  # SQLite cannot drop a column default without rebuilding the table
        op.alter_column('rental', 'order_code', server_default=None)

    op.create_table(
        'outboxmessage',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('dedupe_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column('rental_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column('to_address', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column('text_body', sa.Text(), nullable=False),
        sa.Column('html_body', sa.Text(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('claim_token', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column('claimed_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column('sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('dedupe_key', name='uq_outbox_dedupe_key'),
    )
    op.create_index('ix_outbox_due', 'outboxmessage', ['sent_at', 'next_attempt_at'])
    op.create_index(op.f('ix_outboxmessage_rental_id'), 'outboxmessage', ['rental_id'])

    op.create_table(
        'stockalert',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column('collectible_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('store_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('notified_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['collectible_id'], ['collectible.id']),
        sa.ForeignKeyConstraint(['store_id'], ['store.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_stockalert_collectible_id'), 'stockalert', ['collectible_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_stockalert_collectible_id'), table_name='stockalert')
    op.drop_table('stockalert')
    op.drop_index(op.f('ix_outboxmessage_rental_id'), table_name='outboxmessage')
    op.drop_index('ix_outbox_due', table_name='outboxmessage')
    op.drop_table('outboxmessage')
    op.drop_index('uq_rental_order_code', table_name='rental')
    with op.batch_alter_table('rental') as batch:
        batch.drop_column('order_code')
