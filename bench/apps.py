"""Server apps for bench/api_throughput.py besides our own (served by granian --factory).

- `floor_app`: our FastAPI app (same middleware, handlers and routes) plus, first in its route
  table, routes that do no work and answer the very bytes our endpoints answered: what any
  endpoint inside the FastAPI app costs before it does anything.

The captured answers come from the JSON file named by BENCH_BARE_RESPONSES (as for
bench/bare_asgi.py).
"""

from __future__ import annotations

import json
import os

from fastapi import FastAPI, Request
from fastapi.responses import Response

from mongocollectibles.api import create_api

FLOOR_PREFIX = "/bench/floor"


def floor_app() -> FastAPI:
    api = create_api()
    with open(os.environ["BENCH_BARE_RESPONSES"], encoding="utf-8") as handle:
        answers = {(a["method"], a["path"]): a for a in json.load(handle)}
    for (method, path), answer in answers.items():
        body, media_type = answer["body"].encode(), answer["content_type"]

        async def constant(request: Request, body=body, media_type=media_type) -> Response:  # noqa: ANN001
            await request.body()  # read the request body, as our endpoints do
            return Response(body, media_type=media_type)

        api.add_api_route(FLOOR_PREFIX + path, constant, methods=[method], include_in_schema=False)
        # First in the route table, where our catalog router's routes sit too: the floor
        # pays for matching one route, not for walking past all of them.
        api.router.routes.insert(0, api.router.routes.pop())
    getattr(api.router, "_mark_routes_changed", lambda: None)()
    return api
