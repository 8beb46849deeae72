"""rental: pickup/return dates and the unit's window; no two live windows of a unit overlap

Existing rentals get dates from when they were paid (or created): pickup = that Manila day +
their ETA, return = pickup + duration, window = [pickup - ETA, return + ETA + turnaround)
(the turnaround from the owner's pricing rules, 1 day when none are stored). On PostgreSQL an exclusion constraint (btree_gist) keeps live windows of one unit from
overlapping; it replaces the old "one live rental per unit" index. Units no longer carry the
hold (unit.current_rental_id is cleared).

Revision ID: 0007_reservation_windows
Revises: 0006_rental_client_ip
Create Date: 2026-11-30 22:00:00
"""
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from alembic import op

revision: str = '0007_reservation_windows'
down_revision: str | None = '0006_rental_client_ip'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = "status IN ('paid', 'pending_payment', 'picked_up', 'ready_for_pickup')"
MANILA = ZoneInfo("Asia/Manila")
DEFAULT_TURNAROUND_DAYS = 1


def _manila_day(moment):  # noqa: ANN001, ANN202
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(MANILA).date()


def upgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    with op.batch_alter_table('rental', schema=None) as batch_op:
        batch_op.drop_index('uq_rental_live_unit', postgresql_where=sa.text(LIVE), sqlite_where=sa.text(LIVE))
        batch_op.add_column(sa.Column('pickup_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('return_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('window_start', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('window_end', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('late_return_conflict', sa.Boolean(), nullable=False, server_default=sa.false()))

    stored = bind.execute(
        sa.text("SELECT turnaround_days FROM pricingsettings WHERE id = 1")
    ).scalar()
    turnaround = DEFAULT_TURNAROUND_DAYS if stored is None else int(stored)
    rows = bind.execute(
        sa.text("SELECT id, eta_days, duration_days, paid_at, created_at FROM rental")
    ).all()
    for rental_id, eta, days, paid_at, created_at in rows:
        pickup = _manila_day(paid_at or created_at) + timedelta(days=eta)
        back = pickup + timedelta(days=days)
        bind.execute(
            sa.text(
                "UPDATE rental SET pickup_date = :p, return_date = :r, window_start = :s, "
                "window_end = :e WHERE id = :id"
            ),
            {
                "p": pickup,
                "r": back,
                "s": pickup - timedelta(days=eta),
                "e": back + timedelta(days=eta + turnaround),
                "id": rental_id,
            },
        )
    bind.execute(sa.text("UPDATE unit SET current_rental_id = NULL"))
    # Free units were "current_rental_id IS NULL"; now the active ones, in allocation order.
    op.drop_index('ix_unit_free', table_name='unit')
    op.create_index(
        'ix_unit_active',
        'unit',
        ['collectible_id', 'warehouse_id', 'id'],
        unique=False,
        postgresql_where=sa.text('active'),
        sqlite_where=sa.text('active'),
    )

    with op.batch_alter_table('rental', schema=None) as batch_op:
        batch_op.alter_column('pickup_date', existing_type=sa.Date(), nullable=False)
        batch_op.alter_column('return_date', existing_type=sa.Date(), nullable=False)
        batch_op.alter_column('window_start', existing_type=sa.Date(), nullable=False)
        batch_op.alter_column('window_end', existing_type=sa.Date(), nullable=False)
        batch_op.alter_column('late_return_conflict', existing_type=sa.Boolean(), server_default=None)
        batch_op.create_check_constraint('ck_rental_window_order', 'window_start < window_end')
        batch_op.create_index(
            'ix_rental_live_unit_window',
            ['unit_id', 'window_start', 'window_end'],
            unique=False,
            postgresql_where=sa.text(LIVE),
            sqlite_where=sa.text(LIVE),
        )
        batch_op.create_index(
            'ix_rental_live_window_start',
            ['window_start'],
            unique=False,
            postgresql_where=sa.text(LIVE),
            sqlite_where=sa.text(LIVE),
        )
    if postgres:
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE rental ADD CONSTRAINT ex_rental_unit_window EXCLUDE USING gist "
            f"(unit_id WITH =, daterange(window_start, window_end, '[)') WITH &&) WHERE ({LIVE})"
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE rental DROP CONSTRAINT IF EXISTS ex_rental_unit_window")
    # Back to one live rental per unit: keep the earliest-starting live rental of each unit
    # live in the old sense (its unit held); later ones stay recorded but the old schema
    # cannot express them, so they are cancelled.
    bind.execute(
        sa.text(
            f"UPDATE rental SET status = 'cancelled' WHERE {LIVE} AND EXISTS ("
            f"SELECT 1 FROM rental r2 WHERE r2.unit_id = rental.unit_id AND r2.{LIVE} "
            "AND (r2.window_start < rental.window_start "
            "OR (r2.window_start = rental.window_start AND r2.id < rental.id)))"
        )
    )
    bind.execute(
        sa.text(
            f"UPDATE unit SET current_rental_id = (SELECT r.id FROM rental r WHERE r.unit_id = unit.id AND r.{LIVE})"
        )
    )
    op.drop_index('ix_unit_active', table_name='unit')
    op.create_index(
        'ix_unit_free',
        'unit',
        ['collectible_id', 'warehouse_id', 'id'],
        unique=False,
        postgresql_where=sa.text("current_rental_id IS NULL AND active"),
        sqlite_where=sa.text("current_rental_id IS NULL AND active"),
    )
    with op.batch_alter_table('rental', schema=None) as batch_op:
        batch_op.drop_index('ix_rental_live_window_start', postgresql_where=sa.text(LIVE), sqlite_where=sa.text(LIVE))
        batch_op.drop_index('ix_rental_live_unit_window', postgresql_where=sa.text(LIVE), sqlite_where=sa.text(LIVE))
        batch_op.drop_constraint('ck_rental_window_order', type_='check')
        batch_op.drop_column('late_return_conflict')
        batch_op.drop_column('window_end')
        batch_op.drop_column('window_start')
        batch_op.drop_column('return_date')
        batch_op.drop_column('pickup_date')
        batch_op.create_index('uq_rental_live_unit', ['unit_id'], unique=True, postgresql_where=sa.text(LIVE), sqlite_where=sa.text(LIVE))
