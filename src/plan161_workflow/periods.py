"""The period instances of a plan, their cut-offs and due dates (pure: the calendar is passed in).

See ``model.period`` for the ids. Everything here is computed from the rules; nothing is stored.
"""

from __future__ import annotations

import datetime as dt

from plan161_workflow.calendar import WorkingCalendar, deadline_date
from plan161_workflow.model.period import PARTS, Period, PeriodInstance, instance_id
from plan161_workflow.model.plan import Area, Duty, Plan

_ROMAN = ("I", "II", "III", "IV")


def _month_end(year: int, month: int) -> dt.date:
    first_of_next = dt.date(year + month // 12, month % 12 + 1, 1)
    return first_of_next - dt.timedelta(days=1)


def _cut(year: int, month: int, day: int | None) -> dt.date:
    end = _month_end(year, month)
    return end if day is None else end.replace(day=min(day, end.day))


def _span(kind: str, year: int, part: int) -> tuple[dt.date, dt.date, int]:
    """(first day, last day, last month) of a regular period."""
    months = {"year": 12, "half_year": 6, "quarter": 3, "month": 1, "review": 12}[kind]
    last_month = part * months
    first = dt.date(year, last_month - months + 1, 1)
    return first, _month_end(year, last_month), last_month


def _label(period: Period, kind: str, year: int, part: int) -> str:
    if kind in ("once", "review"):
        name = period.name or period.id
        return name if str(year) in name else f"{name} năm {year}"
    if period.name:
        return f"{period.name} năm {year}"
    if kind == "half_year":
        return f"6 tháng {'đầu' if part == 1 else 'cuối'} năm {year}"
    if kind == "quarter":
        return f"quý {_ROMAN[part - 1]} năm {year}"
    if kind == "month":
        return f"tháng {part} năm {year}"
    return f"năm {year}"


def _once_span(period: Period) -> tuple[dt.date, dt.date] | None:
    if period.date is not None:
        return period.date, period.date
    if period.within is not None and 1 <= period.within.quarter <= 4:
        first, last, _ = _span("quarter", period.within.year, period.within.quarter)
        return first, last
    return None


def series_instances(
    plan: Plan, period: Period, year: int, calendar: WorkingCalendar
) -> list[PeriodInstance]:
    """The instances of ``period`` in ``year``, in order.

    Raises:
        ValueError: a deadline cannot be computed (the loader refuses such rules).
    """
    if period.kind == "once":
        span = _once_span(period)
        if span is None or span[1].year != year:
            return []
        due = span[1] if period.deadline is None else None
        if due is not None:
            how = plan.calendar.non_working_last_day
            due = calendar.shift(due, how)
        return [_instance(plan, period, year, 1, span[0], span[1], span[1], calendar, due)]
    if period.kind == "review" and period.recurrence and not period.recurrence.applies(year):
        return []
    out = []
    parts = period.parts or tuple(range(1, PARTS[period.kind] + 1))
    for part in sorted(set(parts)):
        if not 1 <= part <= PARTS[period.kind]:
            continue
        first, last, last_month = _span(period.kind, year, part)
        cutoff = _cut(year, last_month, period.cutoff_day)
        out.append(_instance(plan, period, year, part, first, last, cutoff, calendar, None))
    return out


def _instance(
    plan: Plan,
    period: Period,
    year: int,
    part: int,
    first: dt.date,
    last: dt.date,
    cutoff: dt.date,
    calendar: WorkingCalendar,
    due: dt.date | None,
) -> PeriodInstance:
    if period.deadline is not None:
        due = deadline_date(plan, period.deadline, year, calendar, cutoff)
    return PeriodInstance(
        id=instance_id(period.kind, year, part, period.id),
        series=period.id,
        kind=period.kind,
        year=year,
        start=first,
        end=last,
        cutoff=cutoff,
        label=_label(period, period.kind, year, part),
        due=due,
    )


def year_instances(plan: Plan, year: int, calendar: WorkingCalendar) -> list[PeriodInstance]:
    """Every period instance of ``year``, by due date (then cut-off), then id."""
    out = [i for p in plan.period_series() for i in series_instances(plan, p, year, calendar)]
    return sorted(out, key=_order)


def plan_instances(plan: Plan, calendar: WorkingCalendar) -> list[PeriodInstance]:
    """Every period instance of the plan's years, year by year."""
    return [i for y in plan.info.years for i in year_instances(plan, y, calendar)]


def _order(instance: PeriodInstance) -> tuple[dt.date, dt.date, str]:
    return (instance.cutoff, instance.end, instance.id)


def unit_due(
    plan: Plan, unit: Area | Duty, instance: PeriodInstance, calendar: WorkingCalendar
) -> dt.date | None:
    """The last day of ``unit``'s report on ``instance``: the unit's own deadline counted for
    that period, else the period's, else ``None`` (not set)."""
    if unit.deadline is not None:
        return deadline_date(plan, unit.deadline, instance.year, calendar, instance.cutoff)
    return instance.due


def unit_instances(
    plan: Plan, unit: Area | Duty, year: int, calendar: WorkingCalendar
) -> list[PeriodInstance]:
    """The period instances ``unit`` reports on in ``year`` (none in a year it does not fall
    in)."""
    recurrence = unit.recurrence
    if not recurrence.applies(year):
        return []
    out = []
    for period in plan.unit_periods(unit):
        out += series_instances(plan, period, year, calendar)
    return sorted(out, key=_order)


def find_period(plan: Plan, year: int, calendar: WorkingCalendar, ref: str) -> PeriodInstance:
    """The period of ``year`` that ``ref`` names: its id (``2026S1``), or the id of a series
    with exactly one period that year (``six-month``).

    Raises:
        LookupError: no such period in ``year``, or a series with several periods that year;
            the message lists the periods of the year.
    """
    instances = year_instances(plan, year, calendar)
    for inst in instances:
        if inst.id == ref:
            return inst
    of_series = [i for i in instances if i.series == ref]
    if len(of_series) == 1:
        return of_series[0]
    known = ", ".join(f"{i.id} ({i.label})" for i in instances) or "none"
    if of_series:
        raise LookupError(
            f"series {ref!r} has {len(of_series)} periods in {year}; name one: "
            + ", ".join(i.id for i in of_series)
        )
    raise LookupError(f"no period {ref!r} in {year}; the periods of {year}: {known}")
