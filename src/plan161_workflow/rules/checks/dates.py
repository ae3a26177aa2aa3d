"""Dates: deadline rules (fields by kind, days that exist, years of the plan, offset cycles) and
the working calendar (country, weekend, the years it covers)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from plan161_workflow.calendar import WorkingCalendar, parse_day_month
from plan161_workflow.hints import suggest
from plan161_workflow.model.plan import Deadline, Plan
from plan161_workflow.rules.checks.common import MAX_DAYS, Found, duplicates

NEEDS = {
    "yearly_before": ("day",),
    "yearly_on": ("day",),
    "fixed": ("date",),
    "offset": ("after", "days"),
    "after_cutoff": ("days",),
}
"""The fields each deadline kind needs (and the only ones it takes)."""


def deadline_problems(plan: Plan) -> Iterator[Found]:
    """Ids unique; each deadline has the fields of its kind and no others; days exist; fixed
    dates lie in the plan's years; offsets count from a known deadline, without a cycle."""
    yield from duplicates((d.id for d in plan.deadlines), "deadlines", "id", "deadline id")
    ids = {d.id for d in plan.deadlines}
    years = plan.info.years
    for i, d in enumerate(plan.deadlines):
        yield from ((("deadlines", i, key), msg) for key, msg in _fields(d))
        if d.kind == "fixed" and d.date is not None and d.date.year not in years:
            yield (
                ("deadlines", i, "date"),
                (f"{d.date} is outside the plan's years {years.start}-{years.stop - 1}"),
            )
        if d.kind == "offset" and d.after is not None and d.after not in ids:
            yield ("deadlines", i, "after"), f"unknown deadline {d.after!r}" + suggest(d.after, ids)
    yield from _offset_cycles(plan.deadlines)


def _fields(d: Deadline) -> Iterator[tuple[str, str]]:
    needs = NEEDS[d.kind]
    for key in ("day", "date", "after", "days"):
        present = getattr(d, key) is not None
        if key in needs and not present:
            yield key, f"a {d.kind!r} deadline needs {key!r}"
        elif key not in needs and present:
            yield key, f"{key!r} does not apply to a {d.kind!r} deadline; remove it"
    if d.day is not None:
        try:
            parse_day_month(d.day)
        except ValueError as exc:
            yield "day", str(exc)
    if d.days is not None and abs(d.days) > MAX_DAYS:
        yield "days", f"{d.days} days: at most {MAX_DAYS} either way"


def _offset_cycles(deadlines: tuple[Deadline, ...]) -> Iterator[Found]:
    by_id = {d.id: d for d in deadlines}
    reported: set[frozenset[str]] = set()
    for i, d in enumerate(deadlines):
        chain = [d.id]
        node = by_id.get(d.after or "")
        while node is not None and node.id not in chain:
            chain.append(node.id)
            node = by_id.get(node.after or "")
        if node is not None and node.id == d.id and frozenset(chain) not in reported:
            reported.add(frozenset(chain))
            yield (
                ("deadlines", i, "after"),
                (f"offset deadlines form a cycle: {' -> '.join([*chain, d.id])}"),
            )


def calendar_problems(plan: Plan) -> Iterator[Found]:
    """The weekend names weekdays 0-6 and leaves working days; the ``holidays`` package knows
    the country and covers the plan's first and last years."""
    weekend = plan.calendar.weekend
    wrong = [d for d in weekend if not 0 <= d <= 6]
    if wrong:
        yield (
            ("calendar", "weekend"),
            (f"weekdays are 0 (Monday) to 6 (Sunday); found {', '.join(map(str, wrong))}"),
        )
        return
    if len(set(weekend)) != len(weekend):
        yield ("calendar", "weekend"), "a weekday is listed twice; keep one"
    if len(set(weekend)) == 7:
        yield ("calendar", "weekend"), "every weekday is a weekend day; leave some working days"
        return
    try:
        calendar = WorkingCalendar(plan.calendar, ())
    except ValueError as exc:
        yield ("calendar", "country"), f"{exc}; expected a country code such as 'VN'"
        return
    yield from _covered_years(plan, calendar)


def _covered_years(plan: Plan, calendar: WorkingCalendar) -> Iterator[Found]:
    for key in ("first_year", "last_year"):
        year: int = getattr(plan.info, key)
        if not dt.MINYEAR <= year <= dt.MAXYEAR:
            yield ("plan", key), f"year {year} is not a calendar year"
            continue
        try:
            calendar.is_working_day(dt.date(year, 1, 1))
        except ValueError as exc:
            yield ("plan", key), str(exc)
