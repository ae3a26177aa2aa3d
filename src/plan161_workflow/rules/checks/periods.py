"""Reporting periods: ids, the fields of each kind, unique instance ids, deadlines on or after
each period's cut-off, the periods areas and duties report in, and one-off dates on units that
recur."""

from __future__ import annotations

from collections.abc import Iterator

from plan161_workflow.calendar import WorkingCalendar
from plan161_workflow.hints import suggest
from plan161_workflow.model.period import PARTS, SERIES_ID, Period, PeriodInstance
from plan161_workflow.model.plan import Area, Duty, Plan
from plan161_workflow.periods import series_instances, unit_due
from plan161_workflow.rules.checks.common import Found, duplicates, repeated
from plan161_workflow.rules.checks.dates import NEEDS


def period_problems(plan: Plan) -> Iterator[Found]:
    """Every problem of the declared periods and of the units' use of them."""
    yield from duplicates((p.id for p in plan.periods), "periods", "id", "period id")
    deadlines = {d.id: d for d in plan.deadlines}
    for i, period in enumerate(plan.periods):
        here = ("periods", i)
        if not SERIES_ID.fullmatch(period.id):
            yield (
                (*here, "id"),
                f"period id {period.id!r} must be lower-case ASCII letters, digits and '-', "
                "starting with a letter (e.g. 'six-month')",
            )
        yield from _fields(plan, period, here)
        if period.deadline is not None and period.deadline not in deadlines:
            yield (
                (*here, "deadline"),
                f"unknown deadline {period.deadline!r}" + suggest(period.deadline, deadlines),
            )
        elif (
            period.deadline is not None
            and deadlines[period.deadline].kind == "fixed"
            and period.kind != "once"
        ):
            yield (
                (*here, "deadline"),
                f"deadline {period.deadline!r} is a fixed date, but period {period.id!r} "
                "recurs; give it a deadline that counts from each period (yearly_before, "
                "after_cutoff, ...), or make the period kind: once",
            )
    yield from _instance_problems(plan)
    for i, area in enumerate(plan.areas):
        yield from _unit(plan, area, ("areas", i))
    for i, duty in enumerate(plan.duties):
        yield from _unit(plan, duty, ("duties", i))


def _fields(plan: Plan, period: Period, here: tuple[str, int]) -> Iterator[Found]:
    kind = period.kind
    multi = kind in ("half_year", "quarter", "month")
    if period.parts and not multi:
        yield (*here, "parts"), f"'parts' does not apply to a {kind!r} period; remove it"
    for j, part in enumerate(period.parts):
        if multi and not 1 <= part <= PARTS[kind]:
            yield (*here, "parts", j), f"a {kind!r} period has parts 1 to {PARTS[kind]}, not {part}"
    yield from repeated(map(str, period.parts), (*here, "parts"))
    if kind == "once":
        if (period.date is None) == (period.within is None):
            yield (
                here,
                f"a one-off period needs exactly one of 'date' (a fixed date) or 'within' "
                f"({{quarter: Q, year: Y}}); period {period.id!r} has "
                f"{'both' if period.date else 'neither'}",
            )
        if period.cutoff_day is not None:
            yield (*here, "cutoff_day"), "'cutoff_day' does not apply to a one-off period"
    else:
        for key in ("date", "within"):
            if getattr(period, key) is not None:
                yield (
                    (*here, key),
                    f"a one-off date does not apply to a recurring {kind!r} period; remove "
                    f"{key!r}, or make the period kind: once",
                )
    if period.recurrence is not None and kind != "review":
        yield (*here, "recurrence"), f"'recurrence' applies to review periods, not {kind!r}"
    if period.cutoff_day is not None and not 1 <= period.cutoff_day <= 31:
        yield (*here, "cutoff_day"), f"day {period.cutoff_day} of a month: expected 1 to 31"
    if kind in ("once", "review") and period.name is None:
        yield (
            (*here, "name"),
            f"a {kind} period needs a Vietnamese 'name' for its report (e.g. 'sơ kết 3 năm')",
        )
    years = plan.info.years
    if period.date is not None and period.date.year not in years:
        yield (
            (*here, "date"),
            f"{period.date} is outside the plan's years {years.start}-{years.stop - 1}",
        )
    if period.within is not None:
        if not 1 <= period.within.quarter <= 4:
            yield (*here, "within", "quarter"), f"quarter {period.within.quarter}: expected 1-4"
        if period.within.year not in years:
            yield (
                (*here, "within", "year"),
                f"year {period.within.year} is outside the plan's years "
                f"{years.start}-{years.stop - 1}",
            )


def _calendar(plan: Plan) -> WorkingCalendar | None:
    try:
        return WorkingCalendar(plan.calendar, ())
    except ValueError:
        return None  # the calendar's own check says why


def _instances(plan: Plan, period: Period, calendar: WorkingCalendar) -> Iterator[PeriodInstance]:
    for year in plan.info.years:
        try:
            yield from series_instances(plan, period, year, calendar)
        except ValueError:
            return  # a broken deadline: the deadline checks say why


def _instance_problems(plan: Plan) -> Iterator[Found]:
    """Instance ids unique across series; each period's own deadline on or after its cut-off."""
    calendar = _calendar(plan)
    if calendar is None or _sound_deadlines(plan) is False:
        return
    owner: dict[str, str] = {}
    for i, period in enumerate(plan.periods):
        for inst in _instances(plan, period, calendar):
            if inst.id in owner and owner[inst.id] != period.id:
                yield (
                    ("periods", i, "kind"),
                    f"periods {owner[inst.id]!r} and {period.id!r} both name {inst.id}; a plan "
                    f"has one period of each kind and part per year",
                )
                break
            owner[inst.id] = period.id
            if inst.due is not None and inst.due < inst.cutoff:
                yield (
                    ("periods", i, "deadline"),
                    f"period {inst.id}: its deadline {inst.due} is before its data cut-off "
                    f"{inst.cutoff}; a report cannot be due before its data are cut off",
                )
                break


def _sound_deadlines(plan: Plan) -> bool:
    """True when every deadline has the fields its kind needs (else dates cannot be computed)."""
    return all(getattr(d, key) is not None for d in plan.deadlines for key in NEEDS[d.kind])


def _unit(plan: Plan, unit: Area | Duty, here: tuple[str, int]) -> Iterator[Found]:
    known = {p.id for p in plan.period_series()}
    for j, ref in enumerate(unit.periods):
        if ref not in known:
            declared = ", ".join(p.id for p in plan.periods) or "none declared"
            yield (
                (*here, "periods", j),
                f"unknown period {ref!r}{suggest(ref, known)} (periods: {declared})",
            )
    yield from repeated(unit.periods, (*here, "periods"))
    if not unit.periods and not plan.unit_periods(unit):
        yield (
            here,
            f"{unit.id!r} names no 'periods' and the plan declares no 'year' period; list the "
            "periods it reports in",
        )
    yield from _recurrence(plan, unit, here)
    deadline = {d.id: d for d in plan.deadlines}.get(unit.deadline or "")
    if deadline is None:
        return
    series = plan.unit_periods(unit)
    recurs = unit.recurrence.recurring or any(p.kind != "once" for p in series)
    if deadline.kind == "fixed" and recurs:
        yield (
            (*here, "deadline"),
            f"{unit.id!r} recurs but its deadline {deadline.id!r} is a one-off date "
            f"({deadline.date}); it would fall due on that day in every period. Give it a "
            "recurring deadline (yearly_before, after_cutoff, ...), or make it a one-off "
            "(recurrence: {once: YEAR}, or a period of kind once)",
        )
        return
    calendar = _calendar(plan)
    if calendar is None or not _sound_deadlines(plan) or not plan.periods:
        return  # the implicit yearly period declares no cut-off to check against
    yield from _unit_cutoffs(plan, unit, series, calendar, (*here, "deadline"))


def _unit_cutoffs(
    plan: Plan,
    unit: Area | Duty,
    series: tuple[Period, ...],
    calendar: WorkingCalendar,
    where: tuple[str, int, str],
) -> Iterator[Found]:
    for period in series:
        for inst in _instances(plan, period, calendar):
            if not unit.recurrence.applies(inst.year):
                continue
            try:
                due = unit_due(plan, unit, inst, calendar)
            except ValueError:
                return
            if due is not None and due < inst.cutoff:
                yield (
                    where,
                    f"{unit.id!r} in period {inst.id}: its deadline {due} is before the "
                    f"period's data cut-off {inst.cutoff}; count the deadline from the "
                    "period (kind: after_cutoff), or give each period its own deadline",
                )
                return


def _recurrence(plan: Plan, unit: Area | Duty, here: tuple[str, int]) -> Iterator[Found]:
    rec = unit.recurrence
    years = plan.info.years
    span = f"{years.start}-{years.stop - 1}"
    where = (*here, "recurrence")
    if rec.kind == "years":
        for j, year in enumerate(rec.years):
            if year not in years:
                yield (*where, "years", j), f"year {year} is outside the plan's years {span}"
        yield from repeated(map(str, rec.years), (*where, "years"))
    if rec.kind == "once" and isinstance(unit, Area) and rec.year not in years:
        yield (*where, "once"), f"year {rec.year} is outside the plan's years {span}"
    if rec.kind == "every" and rec.year is not None and rec.year not in years:
        yield (*where, "from"), f"year {rec.year} is outside the plan's years {span}"
