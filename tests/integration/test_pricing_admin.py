"""The owner's price history as the Prices page reads it: the latest changes first, as many
as asked for within 1 to 1000 (SQLite and PostgreSQL). The other pricing tests (changes,
refusals, what quotes and rentals see) are in test_catalog_admin.py."""

from datetime import UTC, datetime, timedelta

from mongocollectibles.models import PriceChange
from mongocollectibles.services import pricing_admin
from mongocollectibles.services.unit_of_work import UnitOfWork

START = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def recorded(uow: UnitOfWork, *changes: tuple[int, datetime]) -> None:
    """History rows written in this order: (new daily S rate, when it was changed)."""
    with uow() as session:
        for new_value, changed_at in changes:
            session.add(
                PriceChange(
                    setting="rate_s_centavos",
                    old_value=new_value - 1,
                    new_value=new_value,
                    changed_by="owner:ana",
                    changed_at=changed_at,
                )
            )


async def shown(uow: UnitOfWork, **limit: int) -> list[int]:
    return [c.new_value for c in await pricing_admin.price_history(uow=uow, **limit)]


async def test_the_history_shows_the_latest_changes_within_1_to_1000(uow):
    recorded(uow, *((n, START + timedelta(minutes=n)) for n in range(1, 1002)))  # 1001 changes
    assert await shown(uow, limit=50) == list(range(1001, 951, -1))  # the Prices page's 50
    assert await shown(uow) == list(range(1001, 901, -1))  # 100 unless told
    assert await shown(uow, limit=0) == [1001]
    assert await shown(uow, limit=-5) == [1001]
    assert await shown(uow, limit=5000) == list(range(1001, 1, -1))  # 1000 at most


async def test_the_history_is_by_time_of_change_not_by_when_it_was_written(uow):
    """Two owners saving at once: the later change can be written first. Changes made at the
    same moment (one save) show the one written last first."""
    recorded(
        uow,
        (300_000, START + timedelta(seconds=2)),  # saved later, written first
        (200_000, START + timedelta(seconds=1)),
        (400_000, START + timedelta(seconds=3)),
        (500_000, START + timedelta(seconds=3)),  # same moment: written after 400_000
    )
    assert await shown(uow) == [500_000, 400_000, 300_000, 200_000]
