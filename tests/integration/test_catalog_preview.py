"""What the storefront's exported page shows before its socket connects: the shop's own
catalog when the build can read the database, else the demo file (when the demo is on), else
nothing; a build never creates a database file or waits long for an unreachable server."""

import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import update

from mongocollectibles.db import get_engine
from mongocollectibles.domain.price_text import short_rate_name
from mongocollectibles.domain.problems import ProblemsFound
from mongocollectibles.models import Collectible, PricingSettings
from mongocollectibles.prestart import prestart
from mongocollectibles.services import catalog_io
from mongocollectibles.services.catalog_preview import CONNECT_TIMEOUT_SECONDS, catalog_preview
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
    assert [i.image_url for i in preview.items] == [
        f"/collectibles/col-00{n}.svg" for n in range(1, 7)
    ]
    assert not missing.exists()


def test_a_fresh_clones_build_shows_what_the_seeded_shop_shows(uow, tmp_path, monkeypatch):
    """The cards a build without the database compiles in are the ones the demo shop's live
    list shows once it is seeded: the same names, images, rates and short-rental rule."""
    monkeypatch.setenv("SEED_DEMO_DATA", "true")
    from_file = catalog_preview(uow=UnitOfWork(f"sqlite:///{tmp_path / 'none.db'}"))
    from_database = catalog_preview(uow=uow)
    assert (from_file.source, from_database.source) == ("demo file", "database")
    assert from_file.items == from_database.items
    assert from_file.rules == from_database.rules


def test_the_demo_files_own_prices_order_and_archived_pieces_are_followed(tmp_path, monkeypatch):
    """A demo file with its own prices, listed out of order, with a piece archived: the build's
    cards follow it as the seed does (what a shop seeded from it then shows)."""
    document = json.loads(catalog_io.DEMO_FILE.read_text(encoding="utf-8"))
    document["pricing"].update(
        rate_s_centavos=120_000,
        rate_m_centavos=550_000,
        rate_l_centavos=1_250_000,
        special_threshold_days=5,
        special_multiplier_percent=150,
    )
    pieces = {c["id"]: c for c in document["collectibles"]}
    pieces["col-005"]["active"] = False  # archived: never on the storefront
    del pieces["col-004"]["active"]  # no "active": an active piece, as the import reads it
    del pieces["col-006"]["image_url"]  # no image yet: the card shows its placeholder
    document["collectibles"].reverse()
    edited = tmp_path / "demo-shop.json"
    edited.write_text(json.dumps(document), encoding="utf-8")
    monkeypatch.setattr(catalog_io, "DEMO_FILE", edited)
    monkeypatch.setenv("SEED_DEMO_DATA", "true")
    url = f"sqlite:///{tmp_path / 'shop.db'}"

    preview = catalog_preview(uow=UnitOfWork(url))  # no database yet
    assert preview.source == "demo file"
    assert [(i.id, i.size, i.daily_rate_centavos, i.image_url) for i in preview.items] == [
        ("col-001", "S", 120_000, "/collectibles/col-001.svg"),
        ("col-002", "M", 550_000, "/collectibles/col-002.svg"),
        ("col-003", "L", 1_250_000, "/collectibles/col-003.svg"),
        ("col-004", "S", 120_000, "/collectibles/col-004.svg"),
        ("col-006", "L", 1_250_000, ""),
    ]
    rules = preview.rules
    assert short_rate_name(rules.special_threshold_days, rules.special_multiplier_percent) == (
        "short-rental rate, x1.5 under 5 days"
    )

    prestart(url, with_demo_data=True)  # the shop seeded from that file
    try:
        seeded = catalog_preview(uow=UnitOfWork(url))
    finally:
        get_engine(url).dispose()
    assert seeded.source == "database"
    assert (seeded.items, seeded.rules) == (preview.items, preview.rules)


def test_a_broken_demo_file_stops_the_build_naming_the_problem(tmp_path, monkeypatch):
    """As it stops the seed: no cards made up from a file the shop could not load."""
    document = json.loads(catalog_io.DEMO_FILE.read_text(encoding="utf-8"))
    document["collectibles"][2]["size"] = "XL"
    broken = tmp_path / "demo-shop.json"
    broken.write_text(json.dumps(document), encoding="utf-8")
    monkeypatch.setattr(catalog_io, "DEMO_FILE", broken)
    monkeypatch.setenv("SEED_DEMO_DATA", "true")
    with pytest.raises(ProblemsFound, match=r"collectibles\[2\]\.size: Unknown size 'XL'"):
        catalog_preview(uow=UnitOfWork(f"sqlite:///{tmp_path / 'none.db'}"))


def test_a_shop_without_the_demo_and_no_readable_database_previews_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("SEED_DEMO_DATA", "false")
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")  # a database file with no tables yet
    preview = catalog_preview(uow=UnitOfWork(f"sqlite:///{empty}"))
    assert (preview.source, preview.items) == ("none", ())


def test_an_unreachable_database_server_is_given_up_quickly(monkeypatch, caplog):
    monkeypatch.setenv("SEED_DEMO_DATA", "true")
    caplog.set_level(logging.INFO, logger="mongocollectibles.services.catalog_preview")
    started = time.monotonic()
    # A port nothing listens on (connection refused at once).
    preview = catalog_preview(uow=UnitOfWork("postgresql+psycopg://nobody@127.0.0.1:9/none"))
    assert preview.source == "demo file"
    assert time.monotonic() - started < 10
    # The build's log says why its cards come from the demo file.
    assert "catalog preview: database not readable (OperationalError)" in caplog.messages


@contextmanager
def silent_server(closes_after: float) -> Iterator[int]:
    """A port that takes connections and never answers (a database behind a dead tunnel or
    a firewall that swallows the traffic); it closes after `closes_after` seconds, so a
    client that would wait for ever gets an error then. Yields the port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    closing = threading.Timer(closes_after, listener.close)
    closing.start()
    try:
        yield listener.getsockname()[1]
    finally:
        closing.cancel()
        listener.close()


def test_a_database_server_that_never_answers_is_given_up_after_the_timeout(monkeypatch):
    monkeypatch.setenv("SEED_DEMO_DATA", "true")
    with silent_server(closes_after=CONNECT_TIMEOUT_SECONDS + 10) as port:
        started = time.monotonic()
        preview = catalog_preview(
            uow=UnitOfWork(f"postgresql+psycopg://nobody@127.0.0.1:{port}/none")
        )
        waited = time.monotonic() - started
    assert preview.source == "demo file"
    assert waited < CONNECT_TIMEOUT_SECONDS + 5
