"""Every admin event handler and every /api/admin route refuses without a valid session, with
an expired one, and with a staff session where it is owner-only.

The handlers are found from the app's state classes (every subclass of AdminState), the
routes from the API's route table, so a handler or route added later is checked too. Each is
called for real: the Reflex handler's function on a real state instance, the route over HTTP.
"""

from __future__ import annotations

import inspect
import typing
from datetime import timedelta

import httpx
import pytest
import reflex as rx
from sqlmodel import func, select

import mongocollectibles.pages  # noqa: F401  (registers every page's state)
from mongocollectibles.api import create_api
from mongocollectibles.models import AuditEvent, Rental, utcnow
from mongocollectibles.services import admin_sessions
from mongocollectibles.state.admin import GUARD_MARK, AdminState, bind_uow
from tests.support.owner import owner_and_staff, paid_rental, session_of
from tests.support.servers import run_asgi_in_thread

# The only handlers that work signed out: they are how one signs in and out.
PUBLIC = {("AdminLoginState", "load"), ("AdminLoginState", "sign_in"), ("AdminState", "sign_out")}


def admin_state_classes() -> list[type[AdminState]]:
    found, todo = [], [AdminState]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def admin_handlers() -> list[tuple[type[AdminState], str, typing.Callable]]:
    return [
        (cls, name, handler.fn)
        for cls in admin_state_classes()
        for name, handler in cls.event_handlers.items()
    ]


def _dummy(parameter: inspect.Parameter, hints: dict) -> object:
    kind = hints.get(parameter.name, str)
    if kind is dict or typing.get_origin(kind) is dict:
        return {"amount": "", "reason": "requested_by_customer", "note": "x", "query": "x"}
    if kind is int:
        return 1
    if kind is bool:
        return True
    return "ready_for_pickup"


def _args(fn) -> list:  # noqa: ANN001
    target = inspect.unwrap(fn)
    hints = typing.get_type_hints(target)
    params = list(inspect.signature(target).parameters.values())[1:]
    return [_dummy(p, hints) for p in params if p.default is inspect.Parameter.empty]


async def call(cls: type[AdminState], fn, token: str) -> tuple[AdminState, list]:  # noqa: ANN001
    """Run the handler's function on a fresh state tree holding `token` (as a browser would)."""
    root = rx.State(_reflex_internal_init=True)
    state = root.get_substate(cls.get_full_name().split(".")[1:])
    admin = root.get_substate(AdminState.get_full_name().split(".")[1:])
    admin.session_token = token
    out = fn(state, *_args(fn))
    results = []
    if inspect.isasyncgen(out):
        async for item in out:
            results.append(item)
    else:
        results.append(await out)
    return state, results


def _redirects_to_login(results: list) -> bool:
    return "/admin/login" in repr(results)


@pytest.fixture
async def sessions(uow):
    await owner_and_staff(uow)
    rental_id = await paid_rental(uow)
    owner, _ = await session_of(uow, "owner")
    staff, _ = await session_of(uow, "staff")
    old = utcnow() - timedelta(hours=admin_sessions.ABSOLUTE_HOURS, minutes=1)
    expired, _ = await session_of(uow, "owner", now=old)
    idle = utcnow() - timedelta(minutes=admin_sessions.IDLE_MINUTES + 1)
    idle_token, _ = await session_of(uow, "owner", now=idle)
    signed_out, _ = await session_of(uow, "owner")
    await admin_sessions.sign_out(signed_out, uow=uow)
    return {
        "owner": owner,
        "staff": staff,
        "refused": {
            "none": "",
            "made up": "x" * 43,
            "expired": expired,
            "idle": idle_token,
            "signed out": signed_out,
        },
        "rental_id": rental_id,
    }


def _snapshot(uow) -> tuple:  # noqa: ANN001
    with uow() as session:
        return (
            session.exec(select(func.count()).select_from(AuditEvent)).one(),
            tuple(session.exec(select(Rental.id, Rental.status).order_by(Rental.id)).all()),
        )


def test_every_admin_handler_is_guarded_or_explicitly_public():
    handlers = admin_handlers()
    names = {(cls.__name__, name) for cls, name, _ in handlers}
    # The console's pages are all here (a state that is not an AdminState is not checked).
    assert {
        "AdminTodayState",
        "AdminRentalsState",
        "AdminRentalState",
        "AdminAuditState",
        "AdminAccountsState",
    } <= {cls for cls, _ in names}
    assert len(handlers) >= 20
    for cls, name, fn in handlers:
        mark = getattr(fn, GUARD_MARK, None)
        assert mark in ("staff", "owner", "public"), f"{cls.__name__}.{name} has no session check"
        assert (mark == "public") == ((cls.__name__, name) in PUBLIC), f"{cls.__name__}.{name}"


def test_every_admin_page_loads_through_a_guarded_handler():
    from mongocollectibles.mongocollectibles import app

    admin_pages = {
        route: page for route, page in app._unevaluated_pages.items() if "admin" in route
    }
    assert len(admin_pages) >= 6
    for route, page in admin_pages.items():
        on_load = page.on_load if isinstance(page.on_load, list) else [page.on_load]
        assert on_load and all(getattr(h.fn, GUARD_MARK, None) for h in on_load), route


async def test_every_admin_handler_refuses_without_a_valid_session(uow, sessions):
    before = _snapshot(uow)
    with bind_uow(uow):
        for cls, name, fn in admin_handlers():
            if getattr(fn, GUARD_MARK, None) == "public":
                continue
            for why, token in sessions["refused"].items():
                state, results = await call(cls, fn, token)
                assert state._refused == "signed_out", f"{cls.__name__}.{name} ({why})"
                assert _redirects_to_login(results), f"{cls.__name__}.{name} ({why})"
                assert state.admin_name == ""
    # Nothing was read for, or done by, anyone: no audit entry, no rental changed.
    assert _snapshot(uow) == before


async def test_owner_only_handlers_refuse_staff_and_the_rest_let_them_in(uow, sessions):
    owner_only, staff_ok = [], []
    with bind_uow(uow):
        for cls, name, fn in admin_handlers():
            mark = getattr(fn, GUARD_MARK, None)
            if mark == "public":
                continue
            state, results = await call(cls, fn, sessions["staff"])
            if mark == "owner":
                owner_only.append(name)
                assert state._refused == "forbidden", f"{cls.__name__}.{name}"
                assert "Only the owner" in repr(results)
            else:
                staff_ok.append(name)
                assert state._refused == "", f"{cls.__name__}.{name}"
            # The owner gets through everything (so the refusals above are the guard's).
            state, _ = await call(cls, fn, sessions["owner"])
            assert state._refused == "" and state.admin_role == "owner", f"{cls.__name__}.{name}"
    owner_actions = {
        "refund",
        "resolve_flag",
        "open_refund",
        "export_csv",
        "set_active",
        "restore",
        "unblock",
    }
    assert owner_actions <= set(owner_only)
    assert {"step", "release_hold", "load", "poll"} <= set(staff_ok)


def _all_routes(routes) -> list:  # noqa: ANN001
    found = []
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            prefix = route.include_context.prefix
            found.extend((prefix, r) for _, r in _all_routes(included.routes))
        else:
            found.append(("", route))
    return found


def admin_routes(api) -> list:  # noqa: ANN001
    routes = [r for prefix, r in _all_routes(api.routes) if not prefix]
    found = [r for r in routes if getattr(r, "path", "").startswith("/api/admin")]
    # Cross-check with the published schema: no admin path is missed by the walk above.
    schema = {p for p in api.openapi()["paths"] if p.startswith("/api/admin")}
    assert schema == {r.path for r in found}
    return found


def test_every_admin_route_depends_on_the_session_check():
    for route in admin_routes(create_api(run_background_tasks=False)):
        roles = [getattr(d.call, "admin_role", None) for d in route.dependant.dependencies]
        assert any(roles), f"{route.path} does not check the session"


def cookie(token: str) -> dict[str, str]:
    return {"Cookie": f"{admin_sessions.COOKIE_NAME}={token}"} if token else {}


async def test_every_admin_route_refuses_without_a_valid_session(uow, sessions):
    api = create_api(uow=uow, run_background_tasks=False)
    routes = admin_routes(api)
    assert routes
    with run_asgi_in_thread(api, lifespan="off") as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            for route in routes:
                role = next(
                    d.call.admin_role
                    for d in route.dependant.dependencies
                    if getattr(d.call, "admin_role", None)
                )
                for method in route.methods:
                    for why, token in sessions["refused"].items():
                        answer = await client.request(method, route.path, headers=cookie(token))
                        assert answer.status_code == 401, (route.path, why)
                        assert "Sign in" in answer.json()["error"]
                    staff = cookie(sessions["staff"])
                    answer = await client.request(method, route.path, headers=staff)
                    assert answer.status_code == (403 if role == "owner" else 200), route.path
                    answer = await client.request(
                        method, route.path, headers=cookie(sessions["owner"])
                    )
                    assert answer.status_code == 200, route.path
            bad = await client.get(
                "/api/admin/rentals.csv",
                params={"date_from": "soon"},
                headers=cookie(sessions["owner"]),
            )
            assert bad.status_code == 422 and "date_from" in bad.json()["error"]
