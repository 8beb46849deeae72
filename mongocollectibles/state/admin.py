"""The owner console's base state: every admin event handler checks the session on the server.

Reflex event handlers can be called over the websocket by anyone, whatever the page shows, so
the check is in the handler itself: each handler of an `AdminState` subclass is declared with
`@admin_event(role)` (or, for the sign-in page only, `@public_admin_event`). The guard reads
the session token from the browser's cookie, asks `services.admin_sessions` who holds it, and
refuses (no service is called) when nobody valid does or the role is not enough. The security
test lists every handler of every subclass, so a handler without a guard fails it.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import reflex as rx

from mongocollectibles.domain import admin
from mongocollectibles.services import admin_sessions
from mongocollectibles.services.admin_sessions import Principal
from mongocollectibles.services.unit_of_work import UnitOfWork
from mongocollectibles.settings import SettingsError, get_settings
from mongocollectibles.wiring import default_uow

SESSION_COOKIE = admin_sessions.COOKIE_NAME
LOGIN_ROUTE = "/admin/login"
GUARD_MARK = "__admin_guard__"  # "staff" / "owner" / "public"

_bound_uow: UnitOfWork | None = None


def admin_uow() -> UnitOfWork:
    """The unit of work admin states hand to the services (the app's, unless a test binds one)."""
    return _bound_uow or default_uow()


@contextmanager
def bind_uow(uow: UnitOfWork) -> Iterator[None]:
    """Tests: run the admin states against `uow`'s database."""
    global _bound_uow
    previous, _bound_uow = _bound_uow, uow
    try:
        yield
    finally:
        _bound_uow = previous


def _guarded(role: str, passive: bool = False) -> Callable[[Callable], Callable]:
    def decorate(fn: Callable) -> Callable:
        if inspect.isasyncgenfunction(fn):

            @functools.wraps(fn)
            async def wrapper(self: AdminState, *args: Any, **kwargs: Any):
                refusal = await self._refusal(role, touch=not passive)
                if refusal is not None:
                    yield refusal
                    return
                try:
                    async for update in fn(self, *args, **kwargs):
                        yield update
                finally:
                    self._principal = None  # never carried over to another event

        elif inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def wrapper(self: AdminState, *args: Any, **kwargs: Any):
                refusal = await self._refusal(role, touch=not passive)
                if refusal is not None:
                    return refusal
                try:
                    return await fn(self, *args, **kwargs)
                finally:
                    self._principal = None  # never carried over to another event

        else:
            raise TypeError(f"admin event handler {fn.__name__} must be async")
        setattr(wrapper, GUARD_MARK, role)
        return wrapper

    return decorate


def admin_event(
    role: str = admin.STAFF, *, passive: bool = False
) -> Callable[[Callable], Callable]:
    """An admin handler: runs only for a valid session whose role allows `role`.

    passive=True for timers (a page refreshing itself): checked the same way, but it does not
    count as activity, so an unattended page still signs out when idle."""
    if role not in admin.ROLES:
        raise ValueError(role)
    return _guarded(role, passive)


def public_admin_event(fn: Callable) -> Callable:
    """A handler that must work signed out (sign in, sign out). Use for nothing else."""
    setattr(fn, GUARD_MARK, "public")
    return fn


def _https() -> bool:
    """Send the session cookie over HTTPS only when the shop is served over HTTPS."""
    try:
        return get_settings().public_base_url.startswith("https://")
    except SettingsError:  # a misconfigured build still compiles; the backend refuses to start
        return False


class AdminState(rx.State):
    """Who is signed in (checked again at every event); pages' states derive from it."""

    session_token: str = rx.Cookie(
        "", name=SESSION_COOKIE, same_site="strict", path="/", secure=_https()
    )
    admin_name: str = ""
    admin_role: str = ""
    # "" (allowed), "signed_out" or "forbidden": what the guard decided for the last event.
    _refused: str = ""
    _principal: Principal | None = None

    @property
    def principal(self) -> Principal:
        assert self._principal is not None, "only inside a guarded handler"
        return self._principal

    @property
    def client_ip(self) -> str:
        try:
            return self.router.session.client_ip or ""
        except AttributeError:
            return ""

    @rx.var
    def is_owner(self) -> bool:
        return self.admin_role == admin.OWNER

    def _clear_page(self) -> None:
        """Forget what the page showed (the session ended). Pages override."""

    async def _refusal(self, required: str, touch: bool = True):  # noqa: ANN202
        principal = await admin_sessions.validate(self.session_token, touch=touch, uow=admin_uow())
        if principal is None:
            self._principal = None
            self._refused = "signed_out"
            self.admin_name = self.admin_role = ""
            self._clear_page()
            return rx.redirect(LOGIN_ROUTE)
        self._principal = principal
        self.admin_name, self.admin_role = principal.username, principal.role
        if not principal.allows(required):
            self._refused = "forbidden"
            self._clear_page()
            return rx.toast.error("Only the owner can do that.", id="admin-forbidden")
        self._refused = ""
        return None

    @public_admin_event
    async def sign_out(self):
        """End the session here and in the database (works however it ended)."""
        await admin_sessions.sign_out(self.session_token, ip=self.client_ip, uow=admin_uow())
        self.session_token = ""
        self.admin_name = self.admin_role = ""
        self._principal = None
        self._clear_page()
        return rx.redirect(LOGIN_ROUTE)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _guard_setvar(cls)


@admin_event(admin.STAFF)
async def guarded_setvar(self: AdminState, var_name: str, value: Any):
    """Reflex's generic setter, behind the same check (admin pages do not use it)."""
    setter = getattr(self, f"set_{var_name}", None)
    if setter is None or var_name == "session_token":
        return rx.toast.error("Not allowed.")
    setter(value)
    return None


guarded_setvar.__name__ = "setvar"
guarded_setvar.__qualname__ = "AdminState.setvar"


def _guard_setvar(cls: type[AdminState]) -> None:
    """Reflex gives every state a generic `setvar` handler; admin states get the guarded one."""
    cls.setvar = cls.event_handlers["setvar"] = cls._create_event_handler(guarded_setvar)


_guard_setvar(AdminState)
