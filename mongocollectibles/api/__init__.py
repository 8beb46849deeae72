"""REST API compatible with the earlier Go system's clients.

`mongocollectibles.api:app` is the standalone ASGI app (built on first access, so importing
this package from the Reflex app does not build a second API)."""

from functools import cache

from mongocollectibles.api.factory import create_api
from mongocollectibles.api.fast_path import hot_paths
from mongocollectibles.wiring import default_uow

__all__ = ["app", "create_api", "hot_paths"]


@cache
def _standalone():
    uow = default_uow()
    return hot_paths(create_api(uow=uow), uow=uow)


def __getattr__(name: str):
    if name == "app":
        return _standalone()
    raise AttributeError(name)
