"""`hot_paths`: the two busiest requests answered from the catalog snapshot before FastAPI.

`GET /api/collectibles` (plain) and `POST /api/rentals/quote` are answered with the very
bytes their routes send; every other request, and every one of those two that is not a plain
success (bad input, unknown ids, odd query strings), goes to the app unchanged (the quote's
body replayed), so answers are the same either way. On this project's 2-vCPU machine this
about triples both (bench/README.md).

Both answers are kept ready to send (body and headers) in the catalog snapshot's memo: the
list per store, the quote per raw request body (and shop day); a stock change brings a new
snapshot, hence fresh answers.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from datetime import date

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mongocollectibles.api.collectibles import collectibles_body
from mongocollectibles.api.envelope import MAX_BODY_BYTES, fail, is_json, too_slow
from mongocollectibles.api.rentals import quote_body
from mongocollectibles.api.security import headers_for
from mongocollectibles.domain.reservations import shop_today
from mongocollectibles.services import catalog, quotes
from mongocollectibles.services.unit_of_work import UnitOfWork
from mongocollectibles.settings import get_settings

_PLAIN_QUERY = re.compile(rb"(?:store_id=([A-Za-z0-9_.~-]{1,100}))?")
_LIST_ANSWERS = "api:collectibles-messages"  # snapshot memo: store id -> messages
_QUOTE_ANSWERS = "api:quote-messages"  # snapshot memo: (raw body, shop day) -> messages
MAX_CACHED_BODY = 1024  # bigger quote bodies (padding, extra fields) are answered, not kept

Answer = tuple[tuple[tuple[bytes, bytes], ...], bytes]  # headers, body


def hot_paths(app: ASGIApp, *, uow: UnitOfWork) -> ASGIApp:
    """Wrap the API app so that the two busiest requests skip FastAPI's per-request work."""

    async def hot(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            method, path = scope["method"], scope["path"]
            if method == "GET" and path == "/api/collectibles":
                if await answer_collectibles(scope, send, uow):
                    return
            elif method == "POST" and path == "/api/rentals/quote":
                replay = await answer_quote(scope, receive, send, uow)
                if replay is None:
                    return
                receive = replay
        await app(scope, receive, send)

    return hot


async def answer_collectibles(scope: Scope, send: Send, uow: UnitOfWork) -> bool:
    """Answer a plain `GET /api/collectibles[?store_id=<known store>]` from the snapshot.

    False (nothing sent) for anything else, which the FastAPI route then answers."""
    query = scope.get("query_string", b"")
    store_id = None
    if query:
        match = _PLAIN_QUERY.fullmatch(query)
        if match is None:
            return False
        store_id = match.group(1).decode() if match.group(1) else None
    try:
        snapshot = await catalog.get_snapshot(uow=uow)
        answers = snapshot.memo.get(_LIST_ANSWERS)
        if answers is None:
            answers = snapshot.memo.setdefault(_LIST_ANSWERS, {})
        answer = answers.get(store_id)
        if answer is None:
            if store_id is not None and store_id not in snapshot.store_by_id:
                return False
            # Keys: None and known store ids only.
            answer = answers[store_id] = json_answer(
                collectibles_body(snapshot, store_id), scope["path"]
            )
    except Exception:  # noqa: BLE001 - the route meets the same problem and reports it
        return False
    await send_answer(send, answer)
    return True


async def answer_quote(
    scope: Scope, receive: Receive, send: Send, uow: UnitOfWork
) -> Receive | None:
    """Answer a well-formed `POST /api/rentals/quote` from the catalog snapshot: None once
    answered; otherwise, having sent nothing, the `receive` to hand to the app, which replays
    the body already read."""
    headers = dict(scope["headers"])
    declared = headers.get(b"content-length", b"")
    if not declared.isdigit() or int(declared) > MAX_BODY_BYTES:
        return receive
    if not is_json(headers.get(b"content-type", b"").decode("latin-1")):
        return receive  # the route answers 415
    chunks: list[bytes] = []
    size, more = 0, True
    # The body must arrive within the timeout. A timer that cancels this task, rather than
    # asyncio.timeout(): that cost about as much as the rest of this path (bench/README.md).
    task = asyncio.current_task()
    assert task is not None  # ASGI servers run each request in a task
    expired: list[bool] = []
    timer = asyncio.get_running_loop().call_later(
        get_settings().body_read_timeout_seconds, _expire, task, expired
    )
    try:
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return _replay(chunks, receive, last=message)
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
            if size > MAX_BODY_BYTES:
                return _replay(chunks, receive, more=more)
    except asyncio.CancelledError:
        if not expired:
            raise  # cancelled by the server (the client went away)
        task.uncancel()
        # The route's answer to a body that does not come.
        error = too_slow()
        response = fail(error.status_code, error.message)
        response.headers.update(error.headers)
        response.raw_headers.extend(headers_for(scope["path"]))
        await response(scope, receive, send)
        return None
    finally:
        timer.cancel()
    raw = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    try:
        snapshot = await catalog.get_snapshot(uow=uow)
        answers = snapshot.memo.get(_QUOTE_ANSWERS)
        if answers is None:
            answers = snapshot.memo.setdefault(_QUOTE_ANSWERS, {})
        key = (raw, _shop_day())
        answer = answers.get(key)
        if answer is None:
            body = await quote_body(json.loads(raw), uow, snapshot)
            answer = json_answer(body, scope["path"])
            if len(raw) <= MAX_CACHED_BODY:  # only answers that succeeded are kept
                if len(answers) >= quotes.MEMO_LIMIT:
                    answers.clear()
                answers[key] = answer
    except Exception:  # noqa: BLE001 - the route answers it (4xx or its 500) from the replay
        return _replay(chunks, receive)
    await send_answer(send, answer)
    return None


def _expire(task: asyncio.Task[object], expired: list[bool]) -> None:
    expired.append(True)
    task.cancel()


_day: tuple[float, date] = (0.0, date.min)  # (valid until time.monotonic(), the shop's day)


def _shop_day() -> date:
    """`shop_today()`, worked out at most once a second (a cache key on every quote)."""
    global _day
    now = time.monotonic()
    if now >= _day[0]:
        _day = (now + 1.0, shop_today())
    return _day[1]


def json_answer(body: bytes, path: str) -> Answer:
    """A 200's headers (the same as the routes' JSON responses) and body."""
    headers = (
        (b"content-length", str(len(body)).encode()),
        (b"content-type", b"application/json"),
        *headers_for(path),
    )
    return headers, body


async def send_answer(send: Send, answer: Answer) -> None:
    # Fresh messages and header list each time: middleware may add to a message's headers.
    headers, body = answer
    await send({"type": "http.response.start", "status": 200, "headers": list(headers)})
    await send({"type": "http.response.body", "body": body})


def _replay(
    chunks: list[bytes], receive: Receive, *, more: bool = False, last: Message | None = None
) -> Receive:
    """A receive that gives the body read so far again, then goes on with `receive`."""
    pending: list[Message] = [
        {"type": "http.request", "body": b"".join(chunks), "more_body": more or last is not None}
    ]
    if last is not None:
        pending.append(last)

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay
