"""The backend as production serves it: granian runs this factory in each worker
(deploy/mongocollectibles.service, deploy/Dockerfile), with no `reflex run` above it.

`reflex run --env prod --backend-only` would start granian itself, but from a parent process
that imports the whole app first and stays alive only to supervise (~125 MB RSS on the
droplet). Before building the app this sets what that command sets for its backend: no
frontend compile (the release ships the exported frontend; pages are only evaluated for
their states and on_load events), backend only, production mode.
"""

from __future__ import annotations

from typing import Any

from reflex import constants
from reflex_base.environment import environment


def asgi_app() -> Any:
    """Reflex's backend ASGI app (the REST API, the event socket, /_health, uploads)."""
    environment.REFLEX_SKIP_COMPILE.set(True)
    environment.REFLEX_BACKEND_ONLY.set(True)
    environment.REFLEX_ENV_MODE.set(constants.Env.PROD)
    from mongocollectibles.mongocollectibles import app  # noqa: PLC0415 - after the settings

    return app()
