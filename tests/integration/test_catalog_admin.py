"""The owner's catalog, units, prices and network, on SQLite and PostgreSQL."""

from datetime import timedelta

import pytest
from sqlmodel import select

from mongocollectibles.domain.errors import Conflict, InvalidInput, NotFound
from mongocollectibles.domain.problems import ProblemsFound
from mongocollectibles.domain.units import shop_today
from mongocollectibles.models import Distance, PriceChange, Rental, Store
from mongocollectibles.services import (
    audit,
    catalog,
    catalog_admin,
    catalog_snapshot,
    catalog_version,
    checkout,
    network_admin,
    pricing_admin,
    quotes,
    units_admin,
)
from mongocollectibles.services.unit_of_work import UnitOfWork
from tests.support.fakes import FakeGateway
from tests.support.orders import order

OWNER = "maria"  # Principal.username of the owner signed in: who the unit actions name


async def storefront_ids(uow: UnitOfWork) -> list[str]:
    return [c.id for c in await catalog.list_collectibles(uow=uow)]


# ----------------------------------------------------------------------- collectibles


async def test_a_new_collectible_shows_on_the_storefront_at_once(uow):
    await storefront_ids(uow)  # a snapshot is cached
    row = await catalog_admin.create_collectible(
        "col-100", name="Ultraman Figure", size="M", description="1966 vinyl", uow=uow
    )
    assert (row.units, row.rentals, row.active) == (0, 0, True)
    assert "col-100" in await storefront_ids(uow)
    await units_admin.add_units("col-100", "wh-east", 2, actor=OWNER, uow=uow)
    view = await catalog.get_collectible("col-100", "store-c", uow=uow)
    assert (view.stock, view.eta_days) == (2, 3)  # wh-east is 3 km from store C


async def test_create_refuses_bad_input_with_every_problem(uow):
    with pytest.raises(ProblemsFound) as refused:
        await catalog_admin.create_collectible("Bad Id!", name="", size="XL", uow=uow)
    where = [p.where for p in refused.value.problems]
    assert where == ["id", "name", "size"]
    assert "Unknown size 'XL'" in refused.value.message
    with pytest.raises(ProblemsFound, match="exists already"):
        await catalog_admin.create_collectible("col-001", name="Again", size="S", uow=uow)


async def test_edit_changes_the_storefront_but_not_existing_rentals(uow):
    result = await checkout.start_checkout(order("col-002"), gateway=FakeGateway(), uow=uow)
    await catalog_admin.edit_collectible("col-002", name="Falcon (new box)", uow=uow)
    assert (await catalog.get_collectible("col-002", uow=uow)).name == "Falcon (new box)"
    with uow() as session:
        assert session.get(Rental, result.rental_id).collectible_name == (
            "Star Wars Millennium Falcon Model"
        )


async def test_archive_hides_and_a_rented_collectible_is_never_deleted(uow):
    await checkout.start_checkout(order("col-002"), gateway=FakeGateway(), uow=uow)
    with pytest.raises(Conflict) as refused:
        await catalog_admin.delete_collectible("col-002", uow=uow)
    assert refused.value.message == (
        "Collectible 'col-002' has 1 rental(s) on record and cannot be deleted; archive it instead."
    )
    row = await catalog_admin.archive_collectible("col-002", uow=uow)
    assert not row.active and row.rentals == 1
    assert "col-002" not in await storefront_ids(uow)
    await catalog_admin.restore_collectible("col-002", uow=uow)
    assert "col-002" in await storefront_ids(uow)
    # One never rented can be deleted (with its units).
    await catalog_admin.delete_collectible("col-001", uow=uow)
    assert "col-001" not in [r.id for r in await catalog_admin.list_collectibles(uow=uow)]


async def test_an_edit_changes_what_is_given_and_keeps_the_rest(uow):
    row = await catalog_admin.edit_collectible(
        "col-002",
        description="  Boxed, with its display stand.  ",
        size="L",
        image_url=" /collectibles/falcon-boxed.svg ",
        uow=uow,
    )
    boxed = ("Boxed, with its display stand.", "L", "/collectibles/falcon-boxed.svg")
    assert (row.name, row.description, row.size, row.image_url) == (
        "Star Wars Millennium Falcon Model",
        *boxed,
    )
    renamed = await catalog_admin.edit_collectible("col-002", name="Falcon (boxed)", uow=uow)
    assert (renamed.name, renamed.description, renamed.size, renamed.image_url) == (
        "Falcon (boxed)",
        *boxed,
    )
    view = await catalog.get_collectible("col-002", uow=uow)
    assert (view.name, view.description, view.size, view.image_url) == ("Falcon (boxed)", *boxed)
    assert view.daily_rate_centavos == 1_000_000  # now at the L rate


async def test_a_bad_edit_is_refused_with_every_problem_and_saves_nothing(uow):
    with pytest.raises(ProblemsFound) as refused:
        await catalog_admin.edit_collectible(
            "col-002", name=" ", description="Still boxed", size="XL", uow=uow
        )
    assert [p.where for p in refused.value.problems] == ["name", "size"]
    row = await catalog_admin.get_collectible("col-002", uow=uow)
    assert (row.name, row.size) == ("Star Wars Millennium Falcon Model", "M")
    assert row.description.startswith("A detailed 1:72 model")


async def test_the_owners_list_is_by_id_with_archived_pieces_unless_left_out(uow):
    await catalog_admin.create_collectible("col-000", name="Astro Boy Tin Toy", size="S", uow=uow)
    await catalog_admin.archive_collectible("col-003", uow=uow)
    every = await catalog_admin.list_collectibles(uow=uow)
    assert [(r.id, r.active) for r in every] == [
        ("col-000", True),  # added last, listed first
        ("col-001", True),
        ("col-002", True),
        ("col-003", False),
        ("col-004", True),
        ("col-005", True),
        ("col-006", True),
    ]
    live = await catalog_admin.list_collectibles(include_archived=False, uow=uow)
    assert [r.id for r in live] == [r.id for r in every if r.id != "col-003"]
    # An archived piece still opens in the console, with its units.
    archived = await catalog_admin.get_collectible("col-003", uow=uow)
    assert (archived.name, archived.active, archived.units) == (
        "Life-Size Iron Man Suit",
        False,
        4,
    )
    with pytest.raises(NotFound, match="'col-999' not found"):
        await catalog_admin.get_collectible("col-999", uow=uow)


async def test_deleting_a_mistaken_collectible_takes_its_own_unit_blocks_only(uow):
    today = shop_today()
    await catalog_admin.create_collectible("col-100", name="Entered twice", size="S", uow=uow)
    await units_admin.add_units("col-100", "wh-east", 1, actor=OWNER, uow=uow)
    for unit_id, reason in (("col-100-wh-east", "never existed"), ("col-001-wh-east", "repaint")):
        await units_admin.block_unit(
            unit_id, today, today + timedelta(days=2), reason=reason, actor="admin", uow=uow
        )
    await catalog_admin.delete_collectible("col-100", uow=uow)
    with pytest.raises(NotFound):
        await catalog_admin.get_collectible("col-100", uow=uow)
    assert await units_admin.list_units("col-100", uow=uow) == []
    units = {u.id: u for u in await units_admin.list_units("col-001", uow=uow)}
    assert [b.reason for b in units["col-001-wh-east"].blocks] == ["repaint"]


# ----------------------------------------------------------------------------- units


UNIT_ACTIONS = (
    audit.UNITS_ADDED,
    audit.UNIT_RETIRED,
    audit.UNIT_RESTORED,
    audit.UNIT_BLOCKED,
    audit.UNIT_UNBLOCKED,
)


async def unit_log(uow: UnitOfWork) -> list[tuple[str, str, str, str]]:
    """The unit entries of the Audit log page, newest first: (who, action, target, detail)."""
    page = await audit.list_events(uow=uow)
    return [(r.actor, r.action, r.target, r.detail) for r in page.rows if r.action in UNIT_ACTIONS]


async def test_unit_states_add_retire_and_maintenance(uow):
    result = await checkout.start_checkout(
        order("col-001", "store-b"), gateway=FakeGateway(), uow=uow
    )
    added = await units_admin.add_units("col-001", "wh-north", 2, actor=OWNER, uow=uow)
    assert added == ["col-001-wh-north-2", "col-001-wh-north-3"]
    today = shop_today()
    await units_admin.block_unit(
        "col-001-wh-east",
        today,
        today + timedelta(days=2),
        reason="repaint",
        actor=OWNER,
        uow=uow,
    )
    await units_admin.retire_unit("col-001-wh-south", actor=OWNER, uow=uow)
    states = {u.id: u.state for u in await units_admin.list_units("col-001", uow=uow)}
    assert states == {
        "col-001-wh-north": "held",  # nearest to store B: taken by the checkout
        "col-001-wh-north-2": "free",
        "col-001-wh-north-3": "free",
        "col-001-wh-east": "maintenance",
        "col-001-wh-south": "retired",
        "col-001-wh-west": "free",
    }
    with uow() as session:
        assert session.get(Rental, result.rental_id).unit_id == "col-001-wh-north"
    # Stock: 6 units - held - maintenance - retired.
    assert (await catalog.get_collectible("col-001", uow=uow)).stock == 3
    with pytest.raises(Conflict, match="retire it once it is back"):
        await units_admin.retire_unit("col-001-wh-north", actor=OWNER, uow=uow)
    # The Audit log page shows who added, blocked and retired which unit; the refused
    # retirement left nothing there.
    assert await unit_log(uow) == [
        (
            OWNER,
            "unit_retired",
            "col-001-wh-south",
            "unit col-001-wh-south of col-001 in wh-south",
        ),
        (
            OWNER,
            "unit_blocked",
            "col-001-wh-east",
            f"unit col-001-wh-east of col-001 in wh-east: {today} to {today + timedelta(days=2)}"
            " (repaint)",
        ),
        (
            OWNER,
            "units_added",
            "col-001",
            "2 unit(s) in wh-north: col-001-wh-north-2, col-001-wh-north-3",
        ),
    ]


async def test_a_retired_unit_put_back_in_stock_counts_again(uow):
    """The owner retired the wrong unit: putting it back makes it free and in stock again."""
    stock = (await catalog.get_collectible("col-001", uow=uow)).stock
    await units_admin.retire_unit("col-001-wh-south", actor="owner:ana", uow=uow)
    await units_admin.retire_unit("col-001-wh-south", actor=OWNER, uow=uow)  # retired already
    assert (await catalog.get_collectible("col-001", uow=uow)).stock == stock - 1
    await units_admin.restore_unit("col-001-wh-south", actor=OWNER, uow=uow)
    assert (await catalog.get_collectible("col-001", uow=uow)).stock == stock
    states = {u.id: u.state for u in await units_admin.list_units("col-001", uow=uow)}
    assert states["col-001-wh-south"] == "free"
    retired_and_back = [
        (
            OWNER,
            "unit_restored",
            "col-001-wh-south",
            "unit col-001-wh-south of col-001 in wh-south",
        ),
        (
            "owner:ana",
            "unit_retired",
            "col-001-wh-south",
            "unit col-001-wh-south of col-001 in wh-south",
        ),
    ]
    assert await unit_log(uow) == retired_and_back
    # Putting back a unit that is in stock changes nothing, and the log says nothing (nor did
    # retiring it a second time).
    await units_admin.restore_unit("col-001-wh-south", actor=OWNER, uow=uow)
    assert {u.id: u.state for u in await units_admin.list_units("col-001", uow=uow)} == states
    assert (await catalog.get_collectible("col-001", uow=uow)).stock == stock
    assert await unit_log(uow) == retired_and_back
    with pytest.raises(NotFound, match="Unit 'col-001-nowhere' not found"):
        await units_admin.restore_unit("col-001-nowhere", actor=OWNER, uow=uow)


async def test_a_big_batch_of_units_is_logged_by_its_first_and_last_unit(uow):
    await catalog_admin.create_collectible("col-100", name="Ultraman Figure", size="M", uow=uow)
    await units_admin.add_units("col-100", "wh-east", 10, actor=OWNER, uow=uow)
    await units_admin.add_units("col-100", "wh-west", 11, actor=OWNER, uow=uow)
    ten = ", ".join(["col-100-wh-east"] + [f"col-100-wh-east-{n}" for n in range(2, 11)])
    assert [detail for *_, detail in await unit_log(uow)] == [
        "11 unit(s) in wh-west: col-100-wh-west ... col-100-wh-west-11",
        f"10 unit(s) in wh-east: {ten}",
    ]


async def test_bookings_never_take_a_unit_over_its_maintenance_blocks(uow):
    today = shop_today()
    # store-c: south 1, east 3, west 6, north 10.
    await units_admin.block_unit("col-003-wh-south", today, today, actor="admin", uow=uow)
    await units_admin.block_unit(
        "col-003-wh-east",
        today + timedelta(days=5),
        today + timedelta(days=9),
        actor="admin",
        uow=uow,
    )
    result = await checkout.start_checkout(
        order("col-003", "store-c"), gateway=FakeGateway(), uow=uow
    )
    with uow() as session:
        rental = session.get(Rental, result.rental_id)
    # South's window for tomorrow's pickup starts today, its block day; East's window for a
    # pickup in 3 days runs into East's later block: the earliest pickup is South's next day.
    assert (rental.unit_id, rental.pickup_date) == ("col-003-wh-south", today + timedelta(days=2))
    units = {u.id: u for u in await units_admin.list_units("col-003", uow=uow)}
    assert units["col-003-wh-south"].state == "maintenance"  # blocked today; booked later
    assert units["col-003-wh-east"].state == "free"  # blocked later, not today
    assert (await catalog.get_collectible("col-003", uow=uow)).stock == 3
    await units_admin.unblock_unit(units["col-003-wh-south"].blocks[0].id, actor=OWNER, uow=uow)
    assert (await catalog.get_collectible("col-003", uow=uow)).stock == 4  # its window: later


async def test_a_unit_cannot_be_blocked_over_its_bookings(uow):
    """A block over days a customer has booked would leave them with nothing at pickup: it is
    refused, naming the order; days outside the booking can still be blocked."""
    result = await checkout.start_checkout(
        order("col-001", "store-b"), gateway=FakeGateway(), uow=uow
    )
    with uow() as session:
        rental = session.get(Rental, result.rental_id)
        unit_id, pickup, back = rental.unit_id, rental.pickup_date, rental.return_date
        code, window_end = rental.order_code, rental.window_end
    with pytest.raises(Conflict, match=code):
        await units_admin.block_unit(unit_id, pickup, pickup, actor="admin", uow=uow)
    with pytest.raises(Conflict, match="booked on some of those days"):
        await units_admin.block_unit(
            unit_id, back, back + timedelta(days=30), actor="admin", uow=uow
        )
    units = {u.id: u for u in await units_admin.list_units("col-001", uow=uow)}
    assert not units[unit_id].blocks  # nothing written, nor logged
    assert await unit_log(uow) == []
    await units_admin.block_unit(
        unit_id, window_end, window_end + timedelta(days=2), actor="admin", uow=uow
    )
    units = {u.id: u for u in await units_admin.list_units("col-001", uow=uow)}
    assert len(units[unit_id].blocks) == 1


async def test_maintenance_blocks_and_their_removal_are_in_the_audit_log(uow):
    """The Audit log page says who took a unit out for which days and why, and who gave those
    days back; blocks refused for their dates leave nothing there."""
    unit, today = "col-002-wh-west", shop_today()
    first, last = today + timedelta(days=3), today + timedelta(days=5)
    with pytest.raises(InvalidInput, match="end on or after"):
        await units_admin.block_unit(unit, last, first, actor=OWNER, uow=uow)
    with pytest.raises(InvalidInput, match="entirely in the past"):
        await units_admin.block_unit(
            unit, today - timedelta(days=3), today - timedelta(days=1), actor=OWNER, uow=uow
        )
    assert await unit_log(uow) == []

    block = await units_admin.block_unit(
        unit, first, last, reason=" new joystick ", actor=OWNER, uow=uow
    )
    assert block.created_by == OWNER  # the same name as the log's
    await units_admin.unblock_unit(block.id, actor="ana", uow=uow)
    units = {u.id: u for u in await units_admin.list_units("col-002", uow=uow)}
    assert units[unit].blocks == ()
    days = f"unit {unit} of col-002 in wh-west: {first} to {last}"
    assert await unit_log(uow) == [
        ("ana", "unit_unblocked", unit, f"{days} (new joystick)"),
        (OWNER, "unit_blocked", unit, f"{days} (new joystick)"),
    ]
    with pytest.raises(NotFound, match="Maintenance block"):  # removed already
        await units_admin.unblock_unit(block.id, actor=OWNER, uow=uow)
    for not_an_id in ("1", "x", None, True, 1.0):  # a hand-made request to the page's handler
        with pytest.raises(NotFound, match=f"Maintenance block {not_an_id!r} not found"):
            await units_admin.unblock_unit(not_an_id, actor=OWNER, uow=uow)  # type: ignore[arg-type]
    await units_admin.block_unit(unit, first, first, actor=OWNER, uow=uow)  # no reason given
    assert (await unit_log(uow))[0] == (
        OWNER,
        "unit_blocked",
        unit,
        f"unit {unit} of col-002 in wh-west: {first} to {first}",
    )


async def test_unit_input_is_checked(uow):
    today = shop_today()
    with pytest.raises(InvalidInput, match="from 1 to"):
        await units_admin.add_units("col-001", "wh-north", 0, actor=OWNER, uow=uow)
    with pytest.raises(InvalidInput, match="end on or after"):
        await units_admin.block_unit(
            "col-001-wh-north", today, today - timedelta(days=1), actor="a", uow=uow
        )


# ---------------------------------------------------------------------------- prices


async def test_a_price_change_applies_to_new_quotes_not_to_existing_rentals(uow):
    before = await quotes.get_quote("col-002", "store-a", 10, uow=uow)
    assert before.total_centavos == 10 * 500_000
    existing = await checkout.start_checkout(
        order("col-002", duration=10), gateway=FakeGateway(), uow=uow
    )
    changes = await pricing_admin.update_pricing(
        {"rate_m_centavos": "650000", "turnaround_days": 2, "rate_s_centavos": 100_000},
        actor="owner:admin",
        uow=uow,
    )
    assert [(c.setting, c.old_value, c.new_value) for c in changes] == [
        ("rate_m_centavos", 500_000, 650_000),
        ("turnaround_days", 1, 2),
    ]  # the unchanged S rate is not recorded
    after = await quotes.get_quote("col-002", "store-a", 10, uow=uow)
    assert after.total_centavos == 10 * 650_000
    with uow() as session:
        rental = session.get(Rental, existing.rental_id)
        assert (rental.daily_rate_centavos, rental.total_centavos) == (500_000, 5_000_000)
        history = session.exec(select(PriceChange).order_by(PriceChange.id)).all()
    assert [(h.setting, h.changed_by) for h in history] == [
        ("rate_m_centavos", "owner:admin"),
        ("turnaround_days", "owner:admin"),
    ]
    assert (await pricing_admin.price_history(uow=uow))[0].setting == "turnaround_days"
    assert (await pricing_admin.get_pricing(uow=uow)).rate_m_centavos == 650_000
    with uow() as session:  # what the reservation rules read
        assert catalog_snapshot.snapshot(session).rules.turnaround_days == 2


async def test_bad_prices_are_refused_and_nothing_is_saved(uow):
    with pytest.raises(ProblemsFound) as refused:
        await pricing_admin.update_pricing(
            {
                "rate_m_centavos": 700_000,
                "rate_l_centavos": "12.50",
                "special_multiplier_percent": 50,
            },
            actor="owner:admin",
            uow=uow,
        )
    assert [p.where for p in refused.value.problems] == [
        "rate_l_centavos",
        "special_multiplier_percent",
    ]
    assert (await pricing_admin.get_pricing(uow=uow)).rate_m_centavos == 500_000


# --------------------------------------------------------------------------- network


def matrix(**overrides):
    base = {
        "wh-north": {"store-a": 5, "store-b": 1, "store-c": 10},
        "wh-south": {"store-a": 8, "store-b": 12, "store-c": 1},
        "wh-east": {"store-a": 6, "store-b": 4, "store-c": 3},
        "wh-west": {"store-a": 1, "store-b": 6, "store-c": 6},
    }
    for key, value in overrides.items():
        warehouse, store = key.split("__")
        if value is None:
            del base[warehouse.replace("_", "-")][store.replace("_", "-")]
        else:
            base[warehouse.replace("_", "-")][store.replace("_", "-")] = value
    return base


async def test_a_matrix_with_a_hole_is_refused_naming_the_cell(uow):
    with pytest.raises(ProblemsFound) as refused:
        await network_admin.save_distance_matrix(
            matrix(
                wh_south__store_b=None,
                wh_east__store_a="-2",
                wh_west__store_c=1.5,
                wh_north__store_a=2,
            ),
            uow=uow,
        )
    assert {(p.where, p.message.split(":")[0]) for p in refused.value.problems} == {
        ("distances.wh-south.store-b", "Missing"),
        ("distances.wh-east.store-a", "Must not be negative (got -2)."),
        ("distances.wh-west.store-c", "Must be a whole number of km (got 1.5)."),
    }
    with uow() as session:  # nothing saved, not even the good cell
        assert session.get(Distance, ("wh-north", "store-a")).km == 5


async def test_a_good_matrix_is_saved_and_changes_the_eta(uow):
    view = await network_admin.save_distance_matrix(matrix(wh_west__store_a="3"), uow=uow)
    assert view.distances["wh-west"]["store-a"] == 3
    # Nearest to store A is now west (3) -> ETA 3... no: north 5, east 6, south 8, west 3.
    assert (await catalog.get_collectible("col-001", "store-a", uow=uow)).eta_days == 3


async def test_stores_need_distances_and_three_must_stay_active(uow):
    with pytest.raises(ProblemsFound) as refused:
        await network_admin.save_store(
            "store-d", name="Store D", address="1 Ayala Ave", distances={"wh-north": 2}, uow=uow
        )
    assert sorted(p.where for p in refused.value.problems) == [
        "distances.wh-east.store-d",
        "distances.wh-south.store-d",
        "distances.wh-west.store-d",
    ]
    with uow() as session:
        assert session.get(Store, "store-d") is None
    await network_admin.save_store(
        "store-d",
        name="Store D",
        address="1 Ayala Ave, Makati",
        opening_hours="Mon-Sat 10:00-20:00",
        distances={"wh-north": 2, "wh-south": 3, "wh-east": 4, "wh-west": 5},
        uow=uow,
    )
    stores = {s.id: s for s in await catalog.list_stores(uow=uow)}
    assert stores["store-d"].opening_hours == "Mon-Sat 10:00-20:00"
    # Four active: one may close; then three are the minimum.
    await network_admin.save_store("store-d", name="Store D", address="x", active=False, uow=uow)
    with pytest.raises(ProblemsFound, match="At least 3 active stores"):
        await network_admin.save_store("store-a", name="A", address="y", active=False, uow=uow)
    assert "store-a" in {s.id for s in await catalog.list_stores(uow=uow)}


async def test_a_new_warehouse_needs_a_distance_to_every_store(uow):
    with pytest.raises(ProblemsFound, match=r"distances\.wh-new\.store-c"):
        await network_admin.save_warehouse(
            "wh-new", name="New", distances={"store-a": 1, "store-b": 2}, uow=uow
        )
    row = await network_admin.save_warehouse(
        "wh-new", name="New", distances={"store-a": 1, "store-b": 2, "store-c": 0}, uow=uow
    )
    assert row.active


# ------------------------------------------------------------------- catalog version


async def test_edits_move_the_stored_catalog_version_other_workers_watch(uow):
    with uow() as session:
        start = catalog_version.current(session)
        first = catalog_snapshot.snapshot(session)
    assert first.catalog_version == start
    await pricing_admin.update_pricing({"rate_s_centavos": 120_000}, actor="a", uow=uow)
    with uow() as session:
        assert catalog_version.current(session) == start + 1
        assert catalog_snapshot.snapshot(session).rules.daily_rates_centavos["S"] == 120_000


async def test_a_snapshot_re_reads_when_another_process_moves_the_version(uow, monkeypatch):
    """Another worker's edit: no announcement here, only the version row moves."""
    with uow() as session:
        catalog_snapshot.snapshot(session)
    # Pretend full re-reads are rare (a huge inventory) so only the version check can see it.
    slot = catalog_snapshot._slot(uow.engine)
    slot.snapshot.max_age = 3600
    with uow() as session:  # what another process would commit
        session.get(Store, "store-a").name = "Renamed elsewhere"
        catalog_version.changed(session)
        from mongocollectibles.services import stock_changes

        stock_changes.forget_noted(session)  # this process hears nothing
    monkeypatch.setattr(catalog_snapshot, "CACHE_SECONDS", 0.0)
    with uow() as session:
        names = {s.id: s.name for s in catalog_snapshot.snapshot(session).stores}
    assert names["store-a"] == "Renamed elsewhere"
