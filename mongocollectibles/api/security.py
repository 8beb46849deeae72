"""What every API answer carries and what the API refuses before routing.

- Headers on every answer (the routes, the docs, the sandbox's pages and, inside Reflex, the
  UI backend mounted under the API): `X-Content-Type-Options: nosniff` and no framing
  (`X-Frame-Options: DENY`, CSP `frame-ancestors 'none'`). Answers that may carry a rental's
  token (`/api/rentals/...`, the sandbox's payment pages) are `Cache-Control: no-store` and
  `Referrer-Policy: no-referrer`.
- In production, a request whose Host is not one of ALLOWED_HOSTS is refused (400) before
  anything (e.g. a framework redirect) can echo the host back.
- Unknown `/api/...` paths and methods get the JSON envelope (404/405), also when Reflex has
  mounted its UI under the API (which would otherwise answer them in plain text).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from starlette.datastructures import Headers, MutableHeaders
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mongocollectibles.api.envelope import fail
from mongocollectibles.settings import SANDBOX_PREFIX, Settings

EVERY_ANSWER = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
]
TOKEN_ANSWER = [(b"cache-control", b"no-store"), (b"referrer-policy", b"no-referrer")]
TOKEN_PATHS = ("/api/rentals/", f"{SANDBOX_PREFIX}/checkout/")
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def headers_for(path: str) -> list[tuple[bytes, bytes]]:
    extra = TOKEN_ANSWER if path.startswith(TOKEN_PATHS) else []
    return EVERY_ANSWER + extra


class SecurityHeaders:
    """Adds `headers_for(path)` to every HTTP answer (keeping a value the app already set)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = headers_for(scope["path"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra:
                    if name.decode() not in headers:
                        headers.append(name.decode(), value.decode())
            await send(message)

        await self.app(scope, receive, send_with_headers)


def allowed_hosts(settings: Settings) -> frozenset[str]:
    """ALLOWED_HOSTS (comma-separated host names), or the hosts of PUBLIC_BASE_URL and
    API_BASE_URL; the machine's own names (localhost, 127.0.0.1, ::1) always, for its checks."""
    names = [h.strip().lower() for h in settings.allowed_hosts.split(",") if h.strip()]
    if not names:
        names = [
            urlsplit(u).hostname or "" for u in (settings.public_base_url, settings.api_base_url)
        ]
    return frozenset(n for n in names if n) | {"localhost", "127.0.0.1", "::1"}


def _host_name(host_header: str) -> str:
    host = host_header.strip().lower()
    if host.startswith("["):  # [::1]:8000
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class HostAllowList:
    """Refuses requests (HTTP and websocket) whose Host header is not allowed."""

    def __init__(self, app: ASGIApp, hosts: frozenset[str]) -> None:
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            host = _host_name(Headers(scope=scope).get("host", ""))
            if host not in self.hosts:
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})
                    return
                await fail(400, "Unknown host.")(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _allowed_methods(routes: list, scope: Scope, skip: object) -> set[str]:
    """Methods of the routes whose path matches but method does not (Match.PARTIAL)."""
    allowed: set[str] = set()
    for route in routes:
        if getattr(route, "endpoint", None) is skip:
            continue
        match, _ = route.matches(scope)
        if match != Match.PARTIAL:
            continue
        inner = getattr(route, "original_router", None)  # an included router
        if inner is not None:
            allowed |= _allowed_methods(inner.routes, scope, skip)
        elif getattr(route, "methods", None):
            allowed |= set(route.methods)
    return allowed


def install_unknown_api_routes(api: FastAPI) -> None:
    """Last of the API's routes: any other /api/... path or method gets the envelope."""

    async def unknown(request: Request):  # noqa: ANN202
        allowed = _allowed_methods(api.router.routes, request.scope, unknown)
        path = request.url.path
        if allowed:
            methods = ", ".join(sorted(allowed - {"HEAD"}))
            response = fail(405, f"{request.method} is not allowed on {path} (allowed: {methods}).")
            response.headers["Allow"] = methods
            return response
        return fail(404, f"No API endpoint at {path}.")

    for path in ("/api", "/api/{rest:path}"):
        api.add_api_route(path, unknown, methods=ALL_METHODS, include_in_schema=False)
