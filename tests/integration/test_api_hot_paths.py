"""`api.fast_path.hot_paths` answers exactly as the FastAPI routes do, for good and bad input."""

import json
from datetime import timedelta

import httpx
import pytest
from sqlmodel import col, select

from mongocollectibles.api import create_api
from mongocollectibles.api.fast_path import hot_paths
from mongocollectibles.domain.reservations import shop_today
from mongocollectibles.models import Unit
from mongocollectibles.services import catalog_snapshot
from tests.support.bookings import book

QUOTE = {"collectible_id": "col-002", "store_id": "store-a", "duration": 3}
TODAY = shop_today()


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


REQUESTS = [
    ("GET", "/api/collectibles", None),
    ("GET", "/api/collectibles?store_id=store-a", None),
    ("GET", "/api/collectibles?store_id=store-c", None),
    ("GET", "/api/collectibles?store_id=nope", None),
    ("GET", "/api/collectibles?store_id=" + "x" * 101, None),
    ("GET", "/api/collectibles?store_id=store-a&x=1", None),
    ("GET", "/api/collectibles/col-001", None),
    ("POST", "/api/rentals/quote", json.dumps(QUOTE)),
    ("POST", "/api/rentals/quote", json.dumps({**QUOTE, "duration": 14, "store_id": "store-c"})),
    ("POST", "/api/rentals/quote", json.dumps({**QUOTE, "duration": 0})),
    ("POST", "/api/rentals/quote", json.dumps({**QUOTE, "duration": 1.5})),
    ("POST", "/api/rentals/quote", json.dumps({**QUOTE, "collectible_id": "col-999"})),
    ("POST", "/api/rentals/quote", json.dumps({**QUOTE, "store_id": ""})),
    ("POST", "/api/rentals/quote", json.dumps({**QUOTE, "store_id": 7})),
    ("POST", "/api/rentals/quote", json.dumps({"collectible_id": "col-002"})),
    ("POST", "/api/rentals/quote", json.dumps([QUOTE])),
    ("POST", "/api/rentals/quote", "{not json"),
    ("POST", "/api/rentals/quote", ""),
    ("POST", "/api/rentals/quote", json.dumps({**QUOTE, "pad": "x" * 20_000})),
    ("POST", "/api/rentals/quote", json.dumps({**QUOTE, "pickup_date": day(5)})),
    ("POST", "/api/rentals/quote", json.dumps({**QUOTE, "pickup_date": day(-1)})),
    ("POST", "/api/rentals/quote", json.dumps({**QUOTE, "pickup_date": day(0)})),
    ("POST", "/api/rentals/quote", json.dumps({**QUOTE, "pickup_date": day(400)})),
    ("POST", "/api/rentals/quote", json.dumps({**QUOTE, "pickup_date": "next week"})),
]


async def answers(app, content_type="application/json") -> list[tuple[int, str, str]]:  # noqa: ANN001
    transport = httpx.ASGITransport(app=app)
    out = []
    async with httpx.AsyncClient(transport=transport, base_url="http://shop") as client:
        for method, path, body in REQUESTS:
            headers = {"content-type": content_type} if body is not None and content_type else {}
            response = await client.request(method, path, content=body, headers=headers)
            out.append((response.status_code, response.headers["content-type"], response.text))
    return out


@pytest.fixture
def api_on(uow):
    return create_api(uow=uow, run_background_tasks=False)


async def test_same_answers_with_and_without_hot_paths(api_on, uow):
    reached_fastapi = []

    async def counting(scope, receive, send):  # noqa: ANN001
        if scope["type"] == "http":
            reached_fastapi.append(scope["path"])
        await api_on(scope, receive, send)

    plain = await answers(api_on)
    hot = await answers(hot_paths(counting, uow=uow))
    assert hot == plain
    # The three plain lists and the three good quotes never reached FastAPI:
    assert len(reached_fastapi) == len(REQUESTS) - 6
    assert [status for status, _, _ in plain].count(200) == 8


@pytest.mark.parametrize("content_type", [None, "text/plain"])
async def test_bodies_not_sent_as_json_get_the_same_415_either_way(api_on, uow, content_type):
    plain = await answers(api_on, content_type)
    hot = await answers(hot_paths(api_on, uow=uow), content_type)
    assert hot == plain
    posted = [
        answer for answer, (method, _, _) in zip(plain, REQUESTS, strict=True) if method == "POST"
    ]
    assert {status for status, _, _ in posted} == {415}


async def test_hot_paths_see_a_hold_at_once(api_on, uow):
    app = hot_paths(api_on, uow=uow)
    before = await answers(app)
    with uow() as session:
        book(session, "col-002", "store-a")
    after = await answers(app)
    assert json.loads(after[7][2])["data"]["stock"] == json.loads(before[7][2])["data"]["stock"] - 1
    assert after == await answers(api_on)


async def post_quote(app, body: str) -> tuple[int, bytes]:  # noqa: ANN001
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://shop") as client:
        response = await client.post(
            "/api/rentals/quote", content=body, headers={"content-type": "application/json"}
        )
    return response.status_code, response.content


async def test_a_kept_quote_answer_is_renewed_when_stock_changes(api_on, uow, monkeypatch):
    """Quote answers are kept per snapshot and raw body: a change the snapshot has not heard
    of leaves the kept answer as it was; a hold (a new snapshot version) renews it."""
    monkeypatch.setattr(catalog_snapshot, "CACHE_SECONDS", 3600.0)  # no re-read by age
    app = hot_paths(api_on, uow=uow)
    body = json.dumps(QUOTE)
    status, first = await post_quote(app, body)
    assert status == 200
    stock = json.loads(first)["data"]["stock"]
    with uow() as session:
        kept = catalog_snapshot.snapshot(session).memo["api:quote-messages"]
        version = catalog_snapshot.snapshot(session).version
    assert (body.encode(), TODAY) in kept
    assert await post_quote(app, body) == (200, first)
    with uow() as session:  # not announced: as if done elsewhere, unheard so far
        unit = session.exec(
            select(Unit).where(Unit.collectible_id == "col-002", col(Unit.active))
        ).first()
        unit.active = False
    assert await post_quote(app, body) == (200, first)  # the kept answer
    with uow() as session:
        book(session, "col-002", "store-a")  # announced on commit: a new snapshot version
    status, renewed = await post_quote(app, body)
    assert status == 200 and renewed != first
    assert json.loads(renewed)["data"]["stock"] == stock - 2  # the unheard change too
    with uow() as session:
        assert catalog_snapshot.snapshot(session).version > version
    assert await post_quote(api_on, body) == (200, renewed)  # as FastAPI answers it
