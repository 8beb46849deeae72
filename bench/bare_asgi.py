"""The baseline server app: a bare ASGI callable that answers with fixed bytes.

It serves the exact bytes (status, content type, body) our API answered, captured just before
the run, so the only difference left is our code. Request bodies are read in full, as our
API does (GET requests have none and are not read, as FastAPI does not read them). The
responses come from the JSON file named by BENCH_BARE_RESPONSES:
[{"method": "GET", "path": "/api/collectibles", "status": 200,
  "content_type": "application/json", "body": "<the body as text>"}, ...]

Run: granian --interface asgi --workers 1 bench.bare_asgi:app
"""

from __future__ import annotations

import json
import os

_RESPONSES: dict[tuple[str, str], tuple[int, list[tuple[bytes, bytes]], bytes]] = {}
for item in json.loads(open(os.environ["BENCH_BARE_RESPONSES"], encoding="utf-8").read()):  # noqa: SIM115
    body = item["body"].encode()
    headers = [
        (b"content-type", item["content_type"].encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    _RESPONSES[(item["method"], item["path"])] = (item["status"], headers, body)
_NOT_FOUND = (404, [(b"content-type", b"text/plain"), (b"content-length", b"9")], b"not found")
_OK = (200, [(b"content-type", b"text/plain"), (b"content-length", b"2")], b"ok")


async def app(scope, receive, send):  # noqa: ANN001 - the ASGI signature
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    more = scope["method"] in ("POST", "PUT", "PATCH")
    while more:  # read the whole request body, as the real endpoint does
        message = await receive()
        more = message.get("more_body", False)
    path = scope["path"]
    status, headers, body = _RESPONSES.get((scope["method"], path)) or (
        _OK if path == "/" else _NOT_FOUND
    )
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
