"""Database tables (SQLModel). All money is integer centavos; timestamps are aware UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Column, Index, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlmodel import Field, SQLModel

from mongocollectibles.domain.order_code import new_order_code
from mongocollectibles.domain.pricing import DEFAULT_RULES
from mongocollectibles.domain.status import LIVE_STATUSES


def utcnow() -> datetime:
    return datetime.now(UTC)


class Collectible(SQLModel, table=True):
    __table_args__ = (CheckConstraint("size IN ('S', 'M', 'L')", name="ck_collectible_size"),)

    id: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=200)
    description: str = Field(default="", max_length=2000)
    size: str = Field(max_length=1)
    image_url: str = Field(default="", max_length=500)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow)


class Store(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=200)
    address: str = Field(max_length=500)
    # Shown to customers with the address, e.g. "Mon-Sat 10:00-20:00".
    opening_hours: str = Field(default="", max_length=300)
    active: bool = Field(default=True)


class Warehouse(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=200)
    active: bool = Field(default=True)


class Distance(SQLModel, table=True):
    """Kilometres from a warehouse to a store; the ETA in days is this number."""

    __table_args__ = (CheckConstraint("km >= 0", name="ck_distance_km_non_negative"),)

    warehouse_id: str = Field(foreign_key="warehouse.id", primary_key=True, max_length=40)
    store_id: str = Field(foreign_key="store.id", primary_key=True, max_length=40)
    km: int


class Unit(SQLModel, table=True):
    """A physical copy of a collectible. Which days it is taken is in its rentals' windows
    (Rental.window_start/window_end); `current_rental_id` is no longer used (always NULL)."""

    __table_args__ = (
        Index("ix_unit_collectible_free", "collectible_id", "current_rental_id", "warehouse_id"),
        # Active units of a collectible per warehouse in allocation order (unit id): the
        # next unit to try in a warehouse, and stock counts, cost the same at any size.
        Index(
            "ix_unit_active",
            "collectible_id",
            "warehouse_id",
            "id",
            postgresql_where=text("active"),
            sqlite_where=text("active"),
        ),
    )

    id: str = Field(primary_key=True, max_length=60)
    collectible_id: str = Field(foreign_key="collectible.id", max_length=40)
    warehouse_id: str = Field(foreign_key="warehouse.id", max_length=40)
    active: bool = Field(default=True)
    # No foreign key: unit <-> rental would be a cycle; the services keep the two in step.
    current_rental_id: str | None = Field(default=None, unique=True, max_length=40)


_live = ", ".join(f"'{s}'" for s in sorted(LIVE_STATUSES))
LIVE_RENTAL = f"status IN ({_live})"


class Rental(SQLModel, table=True):
    __table_args__ = (
        # No two live rentals of one unit overlap in time, enforced by PostgreSQL itself
        # (btree_gist; migration 0003). SQLite serializes bookings instead
        # (services/reservations.py).
        ExcludeConstraint(
            (Column("unit_id"), "="),
            (text("daterange(window_start, window_end, '[)')"), "&&"),
            name="ex_rental_unit_window",
            using="gist",
            where=text(LIVE_RENTAL),
        ).ddl_if(dialect="postgresql"),
        # Is this unit free over a window? (one unit's live windows, by start)
        Index(
            "ix_rental_live_unit_window",
            "unit_id",
            "window_start",
            "window_end",
            postgresql_where=text(LIVE_RENTAL),
            sqlite_where=text(LIVE_RENTAL),
        ),
        # Live windows by start: the units taken today are those started by today (in a
        # running shop, about the rentals out now, however many future bookings there are).
        Index(
            "ix_rental_live_window_start",
            "window_start",
            postgresql_where=text(LIVE_RENTAL),
            sqlite_where=text(LIVE_RENTAL),
        ),
        Index("ix_rental_status_hold", "status", "hold_expires_at"),
        UniqueConstraint("idempotency_key", name="uq_rental_idempotency_key"),
        Index("uq_rental_order_code", "order_code", unique=True),
        CheckConstraint("duration_days >= 1", name="ck_rental_duration_positive"),
        CheckConstraint("total_centavos >= 0", name="ck_rental_total_non_negative"),
        CheckConstraint("window_start < window_end", name="ck_rental_window_order"),
    )

    id: str = Field(primary_key=True, max_length=40)
    # The short code customers read and type (MC-7K3Q9P); unique (uq_rental_order_code).
    order_code: str = Field(default_factory=new_order_code, max_length=12)
    secret_token: str = Field(max_length=64)
    idempotency_key: str | None = Field(default=None, max_length=100)
    status: str = Field(max_length=32, index=True)
    collectible_id: str = Field(foreign_key="collectible.id", max_length=40)
    collectible_name: str = Field(max_length=200)
    store_id: str = Field(foreign_key="store.id", max_length=40)
    unit_id: str = Field(foreign_key="unit.id", max_length=60)
    warehouse_id: str = Field(foreign_key="warehouse.id", max_length=40)
    duration_days: int
    daily_rate_centavos: int = Field(sa_column=Column(BigInteger, nullable=False))
    total_centavos: int = Field(sa_column=Column(BigInteger, nullable=False))
    is_special_rate: bool
    eta_days: int
    # Reservations by date (domain/reservations.py): the customer's days, and the days the
    # unit is taken for [pickup - distance, return + distance + turnaround).
    pickup_date: date
    return_date: date
    window_start: date
    window_end: date
    # An overdue rental whose unit cannot be back in time for its next reservation.
    late_return_conflict: bool = Field(default=False)
    payment_method: str = Field(max_length=20)
    customer_name: str = Field(max_length=200)
    customer_email: str = Field(max_length=254)
    customer_phone: str = Field(max_length=20)
    customer_address: str = Field(max_length=500)
    customer_city: str = Field(max_length=100)
    customer_postal_code: str = Field(max_length=10)
    # Where the checkout came from (the cap on unpaid holds per IP counts by it).
    client_ip: str | None = Field(default=None, max_length=64)
    checkout_session_id: str | None = Field(default=None, max_length=100, index=True)
    checkout_url: str | None = Field(default=None, max_length=1000)
    payment_id: str | None = Field(default=None, max_length=100, index=True)
    refund_id: str | None = Field(default=None, max_length=100)
    # What went back to the customer (a partial refund keeps the rest); 0 until refunded.
    refunded_centavos: int = Field(
        default=0, sa_column=Column(BigInteger, nullable=False, server_default="0")
    )
    refunded_at: datetime | None = None
    # The refund on its way to PayMongo (services/refunds.py): the idempotency key sent and
    # when. One refund per rental: a second, different one is refused while this stands.
    refund_claim_key: str | None = Field(default=None, max_length=100)
    refund_claimed_at: datetime | None = None
    needs_refund: bool = Field(default=False)
    # Why the owner must look at this rental (e.g. a payment that did not match its total).
    owner_flag: str | None = Field(default=None, max_length=300)
    session_expired_at_gateway: bool = Field(default=False)
    hold_expires_at: datetime | None = None
    paid_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class RentalEvent(SQLModel, table=True):
    """The rental's state history: who moved it from what to what, and when."""

    id: int | None = Field(default=None, primary_key=True)
    rental_id: str = Field(foreign_key="rental.id", index=True, max_length=40)
    from_status: str | None = Field(default=None, max_length=32)
    to_status: str = Field(max_length=32)
    actor: str = Field(max_length=100)
    note: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)


class WebhookEvent(SQLModel, table=True):
    """PayMongo events already handled (dedupe on the event id)."""

    id: str = Field(primary_key=True, max_length=100)
    type: str = Field(max_length=100)
    received_at: datetime = Field(default_factory=utcnow)


_DEFAULT_RATES = DEFAULT_RULES.daily_rates_centavos


class PricingSettings(SQLModel, table=True):
    """The owner's pricing: one row (id = 1)."""

    __table_args__ = (
        CheckConstraint("special_threshold_days >= 1", name="ck_pricing_threshold"),
        CheckConstraint("special_multiplier_percent >= 100", name="ck_pricing_multiplier"),
        CheckConstraint("turnaround_days >= 0", name="ck_pricing_turnaround"),
    )

    # Defaults: the domain's (DEFAULT_RULES), for a shop whose owner has not set prices yet.
    id: int = Field(default=1, primary_key=True)
    rate_s_centavos: int = Field(
        default=_DEFAULT_RATES["S"], sa_column=Column(BigInteger, nullable=False)
    )
    rate_m_centavos: int = Field(
        default=_DEFAULT_RATES["M"], sa_column=Column(BigInteger, nullable=False)
    )
    rate_l_centavos: int = Field(
        default=_DEFAULT_RATES["L"], sa_column=Column(BigInteger, nullable=False)
    )
    special_threshold_days: int = DEFAULT_RULES.special_threshold_days
    special_multiplier_percent: int = DEFAULT_RULES.special_multiplier_percent
    # Days a unit stays unavailable after a return before it can go out again.
    turnaround_days: int = DEFAULT_RULES.turnaround_days


class PriceChange(SQLModel, table=True):
    """The history of the owner's pricing: one row per changed setting."""

    id: int | None = Field(default=None, primary_key=True)
    setting: str = Field(max_length=40)  # a PricingSettings column, e.g. rate_m_centavos
    old_value: int = Field(sa_column=Column(BigInteger, nullable=False))
    new_value: int = Field(sa_column=Column(BigInteger, nullable=False))
    changed_by: str = Field(max_length=100)
    changed_at: datetime = Field(default_factory=utcnow, index=True)


class UnitBlock(SQLModel, table=True):
    """A unit out of service (maintenance) from `starts_on` to `ends_on`, both included."""

    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="ck_unitblock_range"),)

    id: int | None = Field(default=None, primary_key=True)
    unit_id: str = Field(foreign_key="unit.id", index=True, max_length=60)
    starts_on: date
    ends_on: date
    reason: str = Field(default="", max_length=300)
    created_by: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow)


class CatalogVersion(SQLModel, table=True):
    """One row (id = 1) whose `version` moves on with every owner edit of the catalog, the
    network or the prices: every worker's catalog snapshot re-reads when it sees it move."""

    id: int = Field(default=1, primary_key=True)
    version: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    changed_at: datetime = Field(default_factory=utcnow)


class AdminAccount(SQLModel, table=True):
    """Someone who may sign in to the owner console (/admin): an owner or staff."""

    __table_args__ = (CheckConstraint("role IN ('owner', 'staff')", name="ck_admin_role"),)

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=60, unique=True)
    password_hash: str = Field(max_length=300)  # argon2id, with its own salt and parameters
    role: str = Field(max_length=10)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow)


class AdminSession(SQLModel, table=True):
    """A signed-in browser. Only the token's SHA-256 is kept; the token lives in a cookie."""

    token_hash: str = Field(primary_key=True, max_length=64)
    account_id: int = Field(foreign_key="adminaccount.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    ip: str = Field(default="", max_length=64)
    revoked_at: datetime | None = None


class AuditEvent(SQLModel, table=True):
    """Every owner-console action and sign-in attempt: who, what, on what, from where."""

    __table_args__ = (
        Index("ix_audit_action_actor_time", "action", "actor", "created_at"),
        Index("ix_audit_action_ip_time", "action", "ip", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(max_length=60)
    action: str = Field(max_length=40)
    target: str = Field(default="", max_length=100)
    detail: str = Field(default="", max_length=500)
    ip: str = Field(default="", max_length=64)


class OutboxMessage(SQLModel, table=True):
    """An email to send, written in the same transaction as the change it tells about.

    A worker claims due rows (lease: `claimed_until`, owner: `claim_token`), sends them and
    marks them sent; a failure is retried later (`next_attempt_at`, backing off). The
    Message-ID is derived from the row, so a receiver can drop a rare repeat."""

    __table_args__ = (
        Index("ix_outbox_due", "sent_at", "next_attempt_at"),
        UniqueConstraint("dedupe_key", name="uq_outbox_dedupe_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40)
    # Messages about one event are enqueued once (e.g. "order_confirmed:<rental id>").
    dedupe_key: str | None = Field(default=None, max_length=200)
    rental_id: str | None = Field(default=None, max_length=40, index=True)
    to_address: str = Field(max_length=254)
    subject: str = Field(max_length=300)
    text_body: str = Field(sa_column=Column(Text, nullable=False))
    html_body: str = Field(sa_column=Column(Text, nullable=False))
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow)
    claim_token: str | None = Field(default=None, max_length=40)
    claimed_until: datetime | None = None
    last_error: str | None = Field(default=None, max_length=500)
    sent_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class StockAlert(SQLModel, table=True):
    """ "Email me when it is back": one per address, collectible and store until notified."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254)
    collectible_id: str = Field(foreign_key="collectible.id", max_length=40, index=True)
    store_id: str = Field(foreign_key="store.id", max_length=40)
    notified_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
