"""The composition root's unit of work: the entrypoints (Reflex states, the REST API,
manage.py, the startup of the background jobs and the stock feed) build the app's here and
hand it to the services, which take it as a parameter and never import this module."""

from __future__ import annotations

from mongocollectibles.services.unit_of_work import UnitOfWork

_DEFAULT = UnitOfWork()


def default_uow() -> UnitOfWork:
    """The app's unit of work: the database the settings name (read at each use)."""
    return _DEFAULT
