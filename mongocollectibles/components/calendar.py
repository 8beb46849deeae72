"""The pickup-date picker: a month-like grid of days, each saying whether a rental of the
chosen duration can start then at the chosen store (and why not), plus a native date field.

Days that cannot start a rental stay focusable (aria-disabled, not disabled) so a tap or
Enter on one explains why instead of doing nothing; its reason is also its tooltip. Every day
is a real button (Tab / Enter / Space; the arrow keys move a day or a week); the grid is
labelled by its month range.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import reflex as rx

from mongocollectibles.domain.reservations import REASON_TEXT
from mongocollectibles.services.reservations import Availability

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
GRID_DAYS = 35  # five weeks


@dataclasses.dataclass
class CalendarDay:
    iso: str = ""
    number: str = ""
    label: str = ""  # what a screen reader says
    available: bool = False
    reason: str = ""  # why not ("" when available)
    today: bool = False


def grid_start(first: date) -> date:
    """The Monday on or before `first` (weeks start on Monday)."""
    return first - timedelta(days=first.weekday())


def calendar_days(found: Availability, today: date) -> list[CalendarDay]:
    days = []
    max_ahead = (found.latest_pickup_date - today).days
    for d in found.calendar:
        reason = REASON_TEXT[d.reason].format(max_ahead=max_ahead) if d.reason else ""
        spoken = f"{d.day:%A} {d.day.day} {d.day:%B %Y}"
        days.append(
            CalendarDay(
                iso=d.day.isoformat(),
                number=str(d.day.day),
                label=f"{spoken}: " + ("available" if d.available else reason),
                available=d.available,
                reason=reason,
                today=d.day == today,
            )
        )
    return days


def range_title(first: date, last: date) -> str:
    if (first.year, first.month) == (last.year, last.month):
        return f"{first:%B %Y}"
    if first.year == last.year:
        return f"{first:%B} - {last:%B %Y}"
    return f"{first:%B %Y} - {last:%B %Y}"


def day_button(day, selected, on_pick) -> rx.Component:  # noqa: ANN001
    """One day of the grid (`day` is a CalendarDay var)."""
    return rx.el.button(
        day.number,
        type="button",
        on_click=on_pick(day.iso),
        aria_label=day.label,
        aria_disabled=rx.cond(day.available, "false", "true"),
        aria_pressed=rx.cond(selected == day.iso, "true", "false"),
        title=rx.cond(day.available, "Available", day.reason),
        class_name=rx.cond(
            selected == day.iso,
            "cal-day cal-selected",
            rx.cond(day.available, "cal-day cal-open", "cal-day cal-closed"),
        ),
        custom_attrs={"data-date": day.iso, "data-available": rx.cond(day.available, "1", "0")},
        font_weight=rx.cond(day.today, "700", "400"),
        text_decoration=rx.cond(day.available, "none", "line-through"),
    )


# Arrow keys on a day move the focus a day (left/right) or a week (up/down), in the browser
# (no round trip); installed once per page.
ARROW_KEYS = """
if (!window.__calendarKeys) {
  window.__calendarKeys = true;
  document.addEventListener("keydown", (event) => {
    const steps = {ArrowLeft: -1, ArrowRight: 1, ArrowUp: -7, ArrowDown: 7};
    const target = event.target;
    if (!(event.key in steps) || !target.matches("#pickup-calendar button[data-date]")) return;
    const day = new Date(target.dataset.date + "T00:00:00Z");
    day.setUTCDate(day.getUTCDate() + steps[event.key]);
    const next = document.querySelector(
      `#pickup-calendar button[data-date="${day.toISOString().slice(0, 10)}"]`);
    if (next) { next.focus(); event.preventDefault(); }
  });
}
"""

CALENDAR_CSS = {
    ".cal-day": {
        "min_height": "44px",
        "width": "100%",
        "border_radius": "8px",
        "border": "1px solid var(--gray-6)",
        "font_size": "var(--font-size-2)",
        "cursor": "pointer",
        "background": "var(--color-panel-solid)",
        "color": "var(--gray-12)",
    },
    ".cal-open": {"background": "var(--grass-3)", "border_color": "var(--grass-7)"},
    ".cal-open:hover": {"background": "var(--grass-5)"},
    ".cal-closed": {"background": "var(--gray-3)", "color": "var(--gray-10)"},
    ".cal-selected": {
        "background": "var(--accent-9)",
        "color": "var(--accent-contrast)",
        "border_color": "var(--accent-10)",
    },
    ".cal-day:focus-visible": {"outline": "3px solid var(--accent-8)", "outline_offset": "2px"},
}


def pickup_calendar(
    *,
    days,  # noqa: ANN001 - list[CalendarDay] var
    selected,  # noqa: ANN001 - iso str var
    title,  # noqa: ANN001
    hint,  # noqa: ANN001 - why the last tapped day cannot be chosen
    on_pick,  # noqa: ANN001 - event taking the iso date
    on_earlier,  # noqa: ANN001
    on_later,  # noqa: ANN001
    can_go_back,  # noqa: ANN001
) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.icon_button(
                rx.icon("chevron-left", size=18),
                on_click=on_earlier,
                disabled=~can_go_back,
                variant="soft",
                aria_label="Earlier weeks",
                id="cal-earlier",
                type="button",
            ),
            rx.text(title, weight="medium", size="2", id="cal-title", aria_live="polite"),
            rx.icon_button(
                rx.icon("chevron-right", size=18),
                on_click=on_later,
                variant="soft",
                aria_label="Later weeks",
                id="cal-later",
                type="button",
            ),
            justify="between",
            align="center",
            width="100%",
        ),
        rx.grid(
            *[
                rx.text(
                    w, size="1", color=rx.color("gray", 10), text_align="center", aria_hidden="true"
                )
                for w in WEEKDAYS
            ],
            rx.foreach(days, lambda day: day_button(day, selected, on_pick)),
            columns="7",
            spacing="1",
            width="100%",
            role="group",
            aria_labelledby="cal-title",
            id="pickup-calendar",
        ),
        rx.text(
            hint,
            size="2",
            color=rx.color("amber", 11),
            id="cal-hint",
            aria_live="polite",
            min_height="1.25em",
        ),
        rx.hstack(
            rx.box(
                width="12px", height="12px", border_radius="3px", background=rx.color("grass", 4)
            ),
            rx.text("can start", size="1"),
            rx.box(
                width="12px", height="12px", border_radius="3px", background=rx.color("gray", 4)
            ),
            rx.text("cannot start (tap for why)", size="1"),
            align="center",
            spacing="2",
            color=rx.color("gray", 11),
        ),
        rx.script(ARROW_KEYS),
        spacing="2",
        width="100%",
        style=CALENDAR_CSS,
    )
