"""Run ASGI apps on real sockets in background threads (for integration tests).

    with run_asgi_in_thread(app) as base_url:
        httpx.get(f"{base_url}/health")

Each server gets its own thread and event loop, so tests (sync or async) can
talk to it over real HTTP. When the app must know its own URL before it
starts (e.g. the PayMongo sandbox builds ``checkout_url`` from it), reserve a
port first::

    port = free_port()
    app = create_sandbox_app(..., public_url=f"http://127.0.0.1:{port}")
    with run_asgi_in_thread(app, port=port) as base_url: ...
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

__all__ = ["free_port", "run_asgi_in_thread", "wait_until"]


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago (small race; prefer ``port=0`` when possible)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _accepts_connections(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


@contextmanager
def run_asgi_in_thread(
    app: Any,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    lifespan: str = "on",
    startup_timeout: float = 15.0,
    shutdown_timeout: float = 5.0,
    log_level: str = "warning",
) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a daemon thread; yield ``http://host:port``.

    ``port=0`` binds an ephemeral port (no race). The lifespan runs (startup
    errors fail loudly here). On exit the server is asked to stop; requests
    still running get ``shutdown_timeout`` seconds before being cancelled.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound_port = int(sock.getsockname()[1])
    config = uvicorn.Config(
        app,
        lifespan=lifespan,
        log_level=log_level,
        timeout_graceful_shutdown=max(1, int(shutdown_timeout)),
        access_log=False,
        # The client shares this process (and a busy CI machine): a pooled connection can sit
        # idle past uvicorn's 5 s default, and the server closing it fails the next request
        # sent on it (httpx.ReadError) although nothing is wrong with the app.
        timeout_keep_alive=60,
    )
    server = uvicorn.Server(config)
    errors: list[BaseException] = []

    def serve() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # surfaced to the caller below
            errors.append(exc)

    thread = threading.Thread(target=serve, name=f"asgi-{bound_port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    try:
        while not (server.started and _accepts_connections(host, bound_port)):
            if errors or not thread.is_alive():
                raise RuntimeError(f"ASGI server on port {bound_port} failed to start: {errors}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"ASGI server on port {bound_port} did not start in time")
            time.sleep(0.02)
        yield f"http://{host}:{bound_port}"
    finally:
        server.should_exit = True
        thread.join(timeout=shutdown_timeout + 5)
        if thread.is_alive():
            server.force_exit = True
            thread.join(timeout=5)
        sock.close()


def wait_until(condition: Any, *, timeout: float = 10.0, interval: float = 0.02) -> Any:
    """Poll ``condition()`` until it returns something truthy; return it, or raise."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)
