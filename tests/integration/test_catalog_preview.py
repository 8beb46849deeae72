"""What the storefront's exported page shows before its socket connects: the shop's own
catalog when the build can read the database, else the demo file (when the demo is on), else
nothing; a build never creates a database file or waits long for an unreachable server."""

import time

from sqlalchemy import update

from mongocollectibles.models import Collectible, PricingSettings
from mongocollectibles.services.catalog_preview import catalog_preview
from mongocollectibles.services.unit_of_work import UnitOfWork

DEMO_NAMES = [
    "Vintage Batman Action Figure",
    "Star Wars Millennium Falcon Model",
    "Life-Size Iron Man Suit",
    "Pokemon Card Collection Set",
    "Gundam Perfect Grade Model",
    "Arcade Machine - Street Fighter II",
]


def test_the_shops_own_catalog_and_rates_come_from_its_database(uow):
    with uow() as session:
        session.exec(
            update(Collectible).where(Collectible.id == "col-002").values(name="Falcon, boxed")
        )
        session.exec(update(Collectible).where(Collectible.id == "col-005").values(active=False))
        session.exec(update(PricingSettings).values(rate_m_centavos=450_050))
    preview = catalog_preview(uow=uow)
    assert preview.source == "database"
    assert [i.id for i in preview.items] == ["col-001", "col-002", "col-003", "col-004", "col-006"]
    falcon = preview.items[1]
    assert (falcon.name, falcon.size, falcon.image_url) == (
        "Falcon, boxed",
        "M",
        "/collectibles/col-002.svg",
    )
    assert falcon.daily_rate_centavos == 450_050
    assert preview.items[0].daily_rate_centavos == 100_000


def test_without_a_database_file_the_demo_file_is_used_and_no_file_is_created(
    tmp_path, monkeypatch
):
    missing = tmp_path / "nothing-here.db"
    monkeypatch.setenv("SEED_DEMO_DATA", "true")
    preview = catalog_preview(uow=UnitOfWork(f"sqlite:///{missing}"))
    assert preview.source == "demo file"
    assert [i.name for i in preview.items] == DEMO_NAMES
    assert [i.daily_rate_centavos for i in preview.items] == [
        100_000, 500_000, 1_000_000, 100_000, 500_000, 1_000_000,
    ]  # fmt: skip
    assert not missing.exists()


def test_a_shop_without_the_demo_and_no_readable_database_previews_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("SEED_DEMO_DATA", "false")
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")  # a database file with no tables yet
    preview = catalog_preview(uow=UnitOfWork(f"sqlite:///{empty}"))
    assert (preview.source, preview.items) == ("none", ())


def test_an_unreachable_database_server_is_given_up_quickly(monkeypatch):
    monkeypatch.setenv("SEED_DEMO_DATA", "true")
    started = time.monotonic()
    # A port nothing listens on (connection refused at once).
    preview = catalog_preview(uow=UnitOfWork("postgresql+psycopg://nobody@127.0.0.1:9/none"))
    assert preview.source == "demo file"
    assert time.monotonic() - started < 10
