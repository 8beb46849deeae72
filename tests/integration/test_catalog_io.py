"""The catalog file: export, import (checked whole first), the command line, the demo data."""

import copy
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from mongocollectibles import migrations
from mongocollectibles.db import get_engine
from mongocollectibles.domain.problems import ProblemsFound
from mongocollectibles.domain.units import shop_today
from mongocollectibles.manage import main
from mongocollectibles.models import PriceChange, Unit
from mongocollectibles.prestart import prestart
from mongocollectibles.seed import DEMO_FILE
from mongocollectibles.services import (
    catalog,
    catalog_admin,
    catalog_io,
    catalog_version,
    checkout,
    images,
    network_admin,
    pricing_admin,
    units_admin,
)
from mongocollectibles.services.unit_of_work import UnitOfWork
from mongocollectibles.storage.local import LocalStorage
from tests.support.fakes import FakeGateway
from tests.support.images import PHP_SHELL, jpeg
from tests.support.orders import order

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def other_uow(db_url, template_databases):
    """A second fresh, seeded database on the same backend as `uow`."""
    if db_url.startswith("postgresql"):
        url = template_databases.postgres()
    else:
        url = template_databases.sqlite()
    yield UnitOfWork(url)
    get_engine(url).dispose()


def export(uow: UnitOfWork) -> dict:
    return uow.call(catalog_io.export_document)


def state_of(uow: UnitOfWork) -> tuple:
    """Everything an import could touch, to compare before and after."""
    with uow() as session:
        units = session.exec(select(Unit.id, Unit.active).order_by(Unit.id)).all()
        history = session.exec(select(func.count()).select_from(PriceChange)).one()
        version = catalog_version.current(session)
    return export(uow), units, history, version


async def customise(uow: UnitOfWork) -> None:
    """An owner's shop, different from the demo in every part of the file."""
    await catalog_admin.create_collectible(
        "col-100", name="Ultraman Figure", size="M", description="1966 vinyl", uow=uow
    )
    await units_admin.add_units("col-100", "wh-east", 3, actor="owner:maria", uow=uow)
    await units_admin.add_units("col-001", "wh-north", 1, actor="owner:maria", uow=uow)
    await units_admin.retire_unit("col-002-wh-south", actor="owner:maria", uow=uow)
    await catalog_admin.archive_collectible("col-006", uow=uow)
    await network_admin.save_warehouse(
        "wh-cebu",
        name="Warehouse Cebu",
        distances={"store-a": 3, "store-b": 3, "store-c": 2},
        uow=uow,
    )
    await network_admin.save_store(
        "store-d",
        name="Store D",
        address="1 Ayala Ave, Makati",
        opening_hours="Mon-Sat 10:00-20:00",
        distances={"wh-north": 9, "wh-south": 2, "wh-east": 4, "wh-west": 7, "wh-cebu": 5},
        uow=uow,
    )
    await pricing_admin.update_pricing(
        {"rate_m_centavos": 650_000, "special_threshold_days": 5, "turnaround_days": 2},
        actor="owner",
        uow=uow,
    )


async def test_export_import_export_round_trips_value_for_value(uow, other_uow, tmp_path):
    await customise(uow)
    exported = export(uow)
    path = tmp_path / "shop.json"
    path.write_text(catalog_io.dumps(exported))
    assert main(["import", str(path)], uow=other_uow) == 0
    assert export(other_uow) == exported
    # Byte for byte too, through the command line.
    again = tmp_path / "again.json"
    assert main(["export", str(again)], uow=other_uow) == 0
    assert again.read_text() == path.read_text()
    # The storefront of the second shop shows what the first one has.
    view = await catalog.get_collectible("col-100", "store-d", uow=other_uow)
    assert (view.stock, view.eta_days, view.daily_rate_centavos) == (3, 4, 650_000)
    assert "col-006" not in [c.id for c in await catalog.list_collectibles(uow=other_uow)]


async def test_importing_twice_changes_nothing(uow, other_uow, tmp_path, capsys):
    await customise(uow)
    path = tmp_path / "shop.json"
    path.write_text(catalog_io.dumps(export(uow)))
    assert main(["import", str(path)], uow=other_uow) == 0
    before = state_of(other_uow)
    capsys.readouterr()
    assert main(["import", str(path)], uow=other_uow) == 0
    assert "already matches; nothing to do" in capsys.readouterr().out
    assert state_of(other_uow) == before


async def test_importing_into_an_empty_database_makes_a_startable_shop(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    empty = UnitOfWork(url)
    migrations.upgrade(url)
    with pytest.raises(SystemExit, match="the database has no stores yet"):
        prestart(url, with_demo_data=False)
    assert main(["import", str(DEMO_FILE)], uow=empty) == 0
    prestart(url, with_demo_data=False)  # the network is usable now
    assert [c.stock for c in await catalog.list_collectibles(uow=empty)] == [4] * 6
    get_engine(url).dispose()


def broken(document: dict) -> dict:
    """The demo file with one of each kind of mistake the brief names."""
    bad = copy.deepcopy(document)
    del bad["distances"]["wh-south"]["store-b"]  # a missing distance
    bad["collectibles"][2]["size"] = "XL"  # an unknown size
    bad["stores"].append(dict(bad["stores"][0], name="Copy of A"))  # a duplicate id
    bad["collectibles"][0]["units"]["wh-moon"] = 2  # a warehouse that does not exist
    bad["distances"]["wh-east"]["store-a"] = -1
    return bad


def test_an_invalid_file_lists_every_problem_and_writes_nothing(uow, tmp_path, capsys):
    demo = json.loads(DEMO_FILE.read_text())
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(broken(demo)))
    before = state_of(uow)
    assert main(["import", str(path)], uow=uow) == 1
    err = capsys.readouterr().err
    assert "nothing was imported" in err
    for expected in (
        "distances.wh-south.store-b: Missing",
        "collectibles[2].size: Unknown size 'XL'",
        "stores[3].id: Duplicate id 'store-a' (also stores[0])",
        "collectibles[0].units.wh-moon: Unknown warehouse 'wh-moon'",
        "distances.wh-east.store-a: Must not be negative (got -1)",
    ):
        assert expected in err
    assert state_of(uow) == before


def test_problems_in_the_shape_of_the_file_are_named(uow):
    cases = [
        ([], ": The file must hold one JSON object."),
        ({"format": "other", "version": 2}, "format: Must be 'mongocollectibles.catalog'"),
        ({"stores": {}}, "stores: Must be a list of objects."),
        ({"pricing": {"rate_m_centavos": 0}}, "pricing.rate_m_centavos: Daily rate, size M"),
        ({"collectibles": [{"id": "Bad Id"}]}, "collectibles[0].id: An id must be"),
        ({"colectibles": []}, "$.colectibles: Unknown field 'colectibles'"),
    ]
    demo = json.loads(DEMO_FILE.read_text())
    for change, message in cases:
        document = change if isinstance(change, list) else {**demo, **change}
        with pytest.raises(ProblemsFound) as refused:
            uow.call(catalog_io.import_in, document)
        assert message in refused.value.message, refused.value.message


async def test_units_on_rentals_cannot_be_imported_away(uow, tmp_path, capsys):
    await checkout.start_checkout(order("col-002", "store-a"), gateway=FakeGateway(), uow=uow)
    document = export(uow)
    col_002 = next(c for c in document["collectibles"] if c["id"] == "col-002")
    col_002["units"] = {}  # all four gone, one is held by the checkout
    path = tmp_path / "fewer.json"
    path.write_text(json.dumps(document))
    before = state_of(uow)
    assert main(["import", str(path)], uow=uow) == 1
    assert "collectibles[1].units.wh-west: 1 unit(s) of col-002 in wh-west are on rentals" in (
        capsys.readouterr().err
    )
    assert state_of(uow) == before
    # Down to the held one is fine: three free units are retired, none deleted.
    col_002["units"] = {"wh-west": 1}
    path.write_text(json.dumps(document))
    assert main(["import", str(path)], uow=uow) == 0
    states = {u.id: u.state for u in await units_admin.list_units("col-002", uow=uow)}
    assert sorted(states.values()) == ["held", "retired", "retired", "retired"]


async def test_maintenance_blocks_survive_an_import(uow, tmp_path):
    today = shop_today()
    await units_admin.block_unit(
        "col-001-wh-west", today, today + timedelta(days=1), actor="a", uow=uow
    )
    path = tmp_path / "same.json"
    path.write_text(json.dumps(export(uow)))
    assert main(["import", str(path)], uow=uow) == 0
    states = {u.id: u.state for u in await units_admin.list_units("col-001", uow=uow)}
    assert states["col-001-wh-west"] == "maintenance"


def test_image_files_are_checked_and_stored_through_the_image_path(uow, tmp_path):
    demo = json.loads(DEMO_FILE.read_text())
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "batman.jpg").write_bytes(jpeg())
    (tmp_path / "images" / "evil.png").write_bytes(PHP_SHELL)
    demo["collectibles"][0].pop("image_url")
    demo["collectibles"][0]["image_file"] = "images/evil.png"
    storage = LocalStorage(tmp_path / "media", "http://shop.test/api/media")
    with pytest.raises(ProblemsFound, match=r"collectibles\[0\]\.image_file: .*not an image"):
        uow.call(catalog_io.import_in, demo, base_dir=tmp_path, storage=storage)
    demo["collectibles"][0]["image_file"] = "images/batman.jpg"
    result = uow.call(catalog_io.import_in, demo, base_dir=tmp_path, storage=storage)
    assert result.changes == ("collectible col-001 changed: image_url",)
    url = export(uow)["collectibles"][0]["image_url"]
    assert url.startswith("http://shop.test/api/media/collectibles/") and url.endswith(".webp")
    assert (tmp_path / "media" / url.split("/api/media/")[1]).is_file()
    # The same file again: the same content-hashed name, nothing changes.
    assert uow.call(catalog_io.import_in, demo, base_dir=tmp_path, storage=storage).changes == ()


def test_the_demo_file_is_what_the_seed_loads(uow):
    document = json.loads(DEMO_FILE.read_text())
    assert catalog_io.check_document(document)[1] == []
    assert export(uow) == document  # a freshly seeded database is exactly the demo file


@pytest.mark.parametrize("command", ["export", "import"])
def test_the_command_line_runs_as_a_module(tmp_path, command):
    """A real process on its own database; exit status 1 and the problems for a bad file."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {**os.environ, "DATABASE_URL": url, "ENVIRONMENT": "test"}
    target = tmp_path / "file.json"
    if command == "import":
        target.write_text(json.dumps(broken(json.loads(DEMO_FILE.read_text()))))
    done = subprocess.run(
        [sys.executable, "-m", "mongocollectibles.manage", command, str(target)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if command == "export":
        assert done.returncode == 0, done.stderr
        assert json.loads(target.read_text())["format"] == "mongocollectibles.catalog"
    else:
        assert done.returncode == 1
        assert "distances.wh-south.store-b: Missing" in done.stderr


async def test_export_with_images_carries_them_and_round_trips(uow, other_uow, tmp_path):
    storage = LocalStorage(tmp_path / "media", "http://shop.test/api/media")
    row = await images.upload_collectible_image(
        "col-003", jpeg(size=(800, 600)), filename="ironman.jpg", storage=storage, uow=uow
    )
    path = tmp_path / "out" / "shop.json"
    path.parent.mkdir()
    first = uow.call(
        catalog_io.export_document, (storage, tmp_path / "out" / "images", path.parent)
    )
    iron = next(c for c in first["collectibles"] if c["id"] == "col-003")
    assert "image_url" not in iron and iron["image_file"].startswith("images/")
    assert (path.parent / iron["image_file"]).read_bytes() == storage.get(
        storage.key_of(row.image_url)
    )
    others = [c for c in first["collectibles"] if c["id"] != "col-003"]
    assert all(c["image_url"].endswith(".svg") for c in others)  # not in the storage: URLs
    path.write_text(catalog_io.dumps(first))
    document = json.loads(path.read_text())
    other_uow.call(catalog_io.import_in, document, base_dir=path.parent, storage=storage)
    assert export(other_uow) == export(uow)  # the same stored image, not a re-encoded copy
    again = other_uow.call(catalog_io.import_in, document, base_dir=path.parent, storage=storage)
    assert again.changes == ()
