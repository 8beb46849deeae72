"""Payment providers by name: the one place that decides which class talks to which provider.

A provider is a factory that takes keyword configuration and returns a
:class:`~mongocollectibles.payments.gateway.PaymentGateway`. ``"paymongo"`` is registered
here; it takes ``secret_key`` and optionally ``base_url`` (the local PayMongo sandbox is the
same client pointed at the sandbox's URL), ``timeout``, ``max_retries``, ``retry_backoff``::

    gateway = create_gateway("paymongo", secret_key=key, base_url=url, timeout=10.0)
    ...
    await aclose_gateway(gateway)

Pure: the caller passes the configuration (from its settings); nothing here reads the
environment. Tests may build their own :class:`GatewayRegistry` instead of touching the
default one.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from .gateway import PaymentGateway
from .paymongo import PayMongoClient

__all__ = [
    "GatewayFactory",
    "GatewayRegistry",
    "UnknownProvider",
    "aclose_gateway",
    "create_gateway",
    "providers",
    "register",
]

GatewayFactory = Callable[..., PaymentGateway]


class UnknownProvider(ValueError):
    """No factory is registered under the name asked for."""


class GatewayRegistry:
    def __init__(self) -> None:
        self._factories: dict[str, GatewayFactory] = {}

    def register(self, name: str, factory: GatewayFactory, *, replace: bool = False) -> None:
        """Make ``factory`` the provider called ``name``; a taken name needs ``replace=True``."""
        if not isinstance(name, str) or not name.strip() or name != name.strip():
            raise ValueError(f"provider name must be a non-empty word, got {name!r}")
        if not callable(factory):
            raise TypeError(f"factory for {name!r} is not callable")
        if name in self._factories and not replace:
            raise ValueError(f"payment provider {name!r} is already registered")
        self._factories[name] = factory

    def create(self, name: str, **config: Any) -> PaymentGateway:
        """A new gateway of provider ``name`` built with ``config``; the caller closes it."""
        factory = self._factories.get(name)
        if factory is None:
            known = ", ".join(sorted(self._factories)) or "none"
            raise UnknownProvider(f"unknown payment provider {name!r} (registered: {known})")
        return factory(**config)

    def names(self) -> tuple[str, ...]:
        return tuple(sorted(self._factories))


_default = GatewayRegistry()
_default.register("paymongo", PayMongoClient)


def register(name: str, factory: GatewayFactory, *, replace: bool = False) -> None:
    """Register a provider in the app's registry (see :meth:`GatewayRegistry.register`)."""
    _default.register(name, factory, replace=replace)


def create_gateway(name: str, **config: Any) -> PaymentGateway:
    """A gateway from the app's registry (see :meth:`GatewayRegistry.create`)."""
    return _default.create(name, **config)


def providers() -> tuple[str, ...]:
    """The names registered in the app's registry, sorted."""
    return _default.names()


async def aclose_gateway(gateway: object) -> None:
    """Release what ``gateway`` holds (e.g. PayMongoClient's connection pool), if it can."""
    close = getattr(gateway, "aclose", None)
    if close is None:
        return
    result = close()
    if inspect.isawaitable(result):
        await result
