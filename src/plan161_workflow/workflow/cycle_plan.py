"""What a reporting cycle holds under a plan: the tasks it creates for a year, their ids and
deadlines (pure; the engine's cycle commands are in ``engine/cycle_commands.py``).

A cycle is a year; its tasks belong to the periods of that year (``periods.year_instances``):
one task per (period, unit, lead agency).
"""

from __future__ import annotations

import datetime as dt

from plan161_workflow import inputs
from plan161_workflow.calendar import WorkingCalendar
from plan161_workflow.errors import NotFound, PayloadError
from plan161_workflow.model.period import PeriodInstance, year_of
from plan161_workflow.model.plan import Area, Duty, Plan
from plan161_workflow.model.task import Task
from plan161_workflow.periods import unit_due, unit_instances, year_instances


def task_id(period: str | int, unit: str, agency: str) -> str:
    """The stable id of a task: ``PERIOD/UNIT/AGENCY`` (``2024/II.1/so-tttt`` for a yearly
    period, whose id is the year)."""
    return f"{period}/{unit}/{agency}"


def task_year(task_id_: str) -> int:
    """The reporting year of a task id.

    Raises:
        ValueError: the id does not start with a period id.
    """
    return year_of(task_id_.split("/", 1)[0])


def due_date(plan: Plan, unit: Area | Duty, year: int, calendar: WorkingCalendar) -> dt.date | None:
    """The last day of ``unit``'s task in the first period it reports on in ``year``, or
    ``None`` when the plan sets none (or the unit does not fall in ``year``)."""
    instances = unit_instances(plan, unit, year, calendar)
    return unit_due(plan, unit, instances[-1], calendar) if instances else None


def _check_year(plan: Plan, year: int) -> None:
    years = plan.info.years
    if year not in years:
        span = f"{years.start}-{years.stop - 1}"
        raise NotFound(
            "reporting year", year, f"{year} is outside the plan's reporting years {span}"
        )


def plan_tasks(
    plan: Plan, year: int, calendar: WorkingCalendar, period: str | None = None
) -> list[Task]:
    """Every task of ``year`` (of one ``period`` instance id when given): one per (period,
    area or duty falling that year, lead agency), period by period.

    Raises:
        PayloadError: an argument of the wrong type (a plan not from ``load_rules``, a year
            not a whole number, a calendar not a ``WorkingCalendar``, a period not text).
        NotFound: ``year`` is outside the plan's years.
    """
    plan = inputs.plan(plan)
    year = inputs.whole(year, "year")
    if not isinstance(calendar, WorkingCalendar):
        raise PayloadError(f"calendar must be a WorkingCalendar, not {type(calendar).__name__}")
    if period is not None:
        period = inputs.text(period, "period")
    _check_year(plan, year)
    instances = [i for i in year_instances(plan, year, calendar) if period in (None, i.id)]
    tasks = []
    for instance in instances:
        made: list[Task] = []
        for unit in plan.units():
            if instance.series not in {p.id for p in plan.unit_periods(unit)}:
                continue
            if not unit.recurrence.applies(year):
                continue
            made += _unit_tasks(plan, unit, instance, calendar)
        tasks += made
        for level in plan.levels:  # each level reports upward where its members report
            members = set(plan.expand(level.members))
            if any(t.original_agency in members for t in made):
                tasks += _unit_tasks(plan, level.report_unit(plan), instance, calendar)
    return tasks


def _unit_tasks(
    plan: Plan, unit: Area | Duty, instance: PeriodInstance, calendar: WorkingCalendar
) -> list[Task]:
    due = unit_due(plan, unit, instance, calendar)
    coordinating = plan.expand(unit.coordinating)
    return [
        Task(
            id=task_id(instance.id, unit.id, agency),
            year=instance.year,
            area=unit.id if isinstance(unit, Area) else None,
            duty=unit.id if isinstance(unit, Duty) else None,
            agency=agency,
            coordinating=tuple(c for c in coordinating if c != agency),
            due=due,
            state=plan.workflow.initial,
            version=1,
            original_agency=agency,
            period=instance.id,
        )
        for agency in plan.expand(unit.lead)
    ]
