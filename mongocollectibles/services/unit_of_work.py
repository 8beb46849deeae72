"""The unit of work every use case takes: one database, and one transaction per use.

    with uow() as session: ...              # commits when the block succeeds, else rolls back
    await uow.run(fn, *args)                # fn(session, *args) in a worker thread, one transaction

Every use case takes it as a parameter (`uow=`) and passes it on to the use cases it calls;
none opens its own. The entrypoints (Reflex states, the REST API, manage.py, the background
jobs' starter) hand in the app's (`mongocollectibles.wiring.default_uow()`, the configured
DATABASE_URL); tests hand in their own for their throwaway databases.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session

from mongocollectibles.db import get_engine
from mongocollectibles.services import stock_changes
from mongocollectibles.settings import get_settings

T = TypeVar("T")


class UnitOfWork:
    """A session factory bound to one database URL (None: the configured DATABASE_URL)."""

    def __init__(self, url: str | None = None) -> None:
        self._url = url

    @property
    def url(self) -> str:
        return self._url or get_settings().database_url

    @property
    def engine(self) -> Engine:
        return get_engine(self.url)

    @contextmanager
    def __call__(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                stock_changes.publish_noted(session)  # other processes hear it on commit
                session.commit()
            except BaseException:
                session.rollback()
                stock_changes.forget_noted(session)
                raise
            stock_changes.announce_noted(session)

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """fn(session, *args, **kwargs) in one transaction, in this thread."""
        with self() as session:
            return fn(session, *args, **kwargs)

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """fn(session, *args, **kwargs) in one transaction, off the event loop."""
        return await asyncio.to_thread(partial(self.call, fn, *args, **kwargs))

    def __repr__(self) -> str:
        return f"UnitOfWork({self._url!r})"
