"""The owner's prices: base daily rate per size, the special rate (threshold days and
multiplier) and the turnaround buffer.

A change applies to new quotes at once (the catalog version moves, every worker's snapshot
re-reads it); existing rentals keep the rate and total stored on them when they were made.
Every changed setting is kept in the history (`PriceChange`: who, when, old, new).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from mongocollectibles.domain.problems import Problem, ProblemsFound
from mongocollectibles.models import PriceChange, PricingSettings
from mongocollectibles.services import catalog_version
from mongocollectibles.services.admin_checks import whole_number
from mongocollectibles.services.unit_of_work import UnitOfWork

MAX_RATE_CENTAVOS = 100_000_000  # PHP 1,000,000 a day

# setting -> (label, smallest, largest)
SETTINGS: dict[str, tuple[str, int, int]] = {
    "rate_s_centavos": ("Daily rate, size S (centavos)", 1, MAX_RATE_CENTAVOS),
    "rate_m_centavos": ("Daily rate, size M (centavos)", 1, MAX_RATE_CENTAVOS),
    "rate_l_centavos": ("Daily rate, size L (centavos)", 1, MAX_RATE_CENTAVOS),
    "special_threshold_days": ("Special rate below (days)", 1, 3650),
    "special_multiplier_percent": ("Special rate multiplier (percent)", 100, 10_000),
    "turnaround_days": ("Turnaround buffer (days)", 0, 60),
}


@dataclass(frozen=True)
class PricingView:
    rate_s_centavos: int
    rate_m_centavos: int
    rate_l_centavos: int
    special_threshold_days: int
    special_multiplier_percent: int
    turnaround_days: int


@dataclass(frozen=True)
class PriceChangeView:
    setting: str
    old_value: int
    new_value: int
    changed_by: str
    changed_at: datetime


def _settings_row(session: Session) -> PricingSettings:
    row = session.get(PricingSettings, 1)
    if row is None:
        row = PricingSettings(id=1)
        session.add(row)
        session.flush()
    return row


def _view(row: PricingSettings) -> PricingView:
    return PricingView(**{name: int(getattr(row, name)) for name in SETTINGS})


def pricing_problems(
    values: Mapping[str, object], where: str = ""
) -> tuple[dict[str, int], list[Problem]]:
    """Parse and check settings given by name; (parsed, problems)."""
    prefix = f"{where}." if where else ""
    parsed: dict[str, int] = {}
    problems: list[Problem] = []
    for name, raw in values.items():
        if name not in SETTINGS:
            problems.append(Problem(f"{prefix}{name}", f"Unknown price setting {name!r}."))
            continue
        label, low, high = SETTINGS[name]
        value = whole_number(raw)
        if value is None:
            problems.append(Problem(f"{prefix}{name}", f"{label} must be a whole number."))
        elif not low <= value <= high:
            problems.append(
                Problem(f"{prefix}{name}", f"{label} must be from {low} to {high} (got {value}).")
            )
        else:
            parsed[name] = value
    return parsed, problems


def apply_pricing(session: Session, values: Mapping[str, int], actor: str) -> list[PriceChangeView]:
    """Store checked settings in the caller's transaction, recording each change."""
    row = _settings_row(session)
    changes = []
    for name, new in values.items():
        old = int(getattr(row, name))
        if old == new:
            continue
        setattr(row, name, new)
        entry = PriceChange(setting=name, old_value=old, new_value=new, changed_by=actor[:100])
        session.add(entry)
        changes.append(PriceChangeView(name, old, new, entry.changed_by, entry.changed_at))
    if changes:
        session.add(row)
        session.flush()
        catalog_version.changed(session)
    return changes


def _update(session: Session, values: Mapping[str, object], actor: str) -> list[PriceChangeView]:
    parsed, problems = pricing_problems(values)
    if problems:
        raise ProblemsFound(problems)
    return apply_pricing(session, parsed, actor)


async def update_pricing(
    values: Mapping[str, object], *, actor: str, uow: UnitOfWork
) -> list[PriceChangeView]:
    """Change the settings given by name (SETTINGS); all checked first, nothing saved when
    one is wrong. Returns what changed (an unchanged value is not recorded)."""
    return await uow.run(_update, dict(values), actor)


async def get_pricing(*, uow: UnitOfWork) -> PricingView:
    return await uow.run(lambda session: _view(_settings_row(session)))


def _history(session: Session, limit: int) -> list[PriceChangeView]:
    rows = session.exec(
        select(PriceChange)
        .order_by(col(PriceChange.changed_at).desc(), col(PriceChange.id).desc())
        .limit(limit)
    ).all()
    return [
        PriceChangeView(r.setting, r.old_value, r.new_value, r.changed_by, r.changed_at)
        for r in rows
    ]


async def price_history(*, limit: int = 100, uow: UnitOfWork) -> list[PriceChangeView]:
    """The latest changes first."""
    return await uow.run(_history, max(1, min(limit, 1000)))
