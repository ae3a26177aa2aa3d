"""What a reporting cycle holds under a plan: the tasks it creates for a year, their ids and
deadlines (pure; the engine's cycle commands are in ``engine/cycles.py``)."""

from __future__ import annotations

import datetime as dt

from plan161_workflow.calendar import WorkingCalendar, deadline_date
from plan161_workflow.model.plan import Area, Duty, Plan
from plan161_workflow.model.task import Task


def task_id(year: int, unit: str, agency: str) -> str:
    """The stable id of a task: ``YEAR/UNIT/AGENCY``."""
    return f"{year}/{unit}/{agency}"


def due_date(plan: Plan, unit: Area | Duty, year: int, calendar: WorkingCalendar) -> dt.date | None:
    """The last day of ``unit``'s task in ``year``, or ``None`` when the plan sets none."""
    return None if unit.deadline is None else deadline_date(plan, unit.deadline, year, calendar)


def plan_tasks(plan: Plan, year: int, calendar: WorkingCalendar) -> list[Task]:
    """Every task of ``year``: one per (area, lead agency) and per (duty falling that year, lead).

    Raises:
        ValueError: ``year`` is outside the plan's years.
    """
    years = plan.info.years
    if year not in years:
        raise ValueError(
            f"{year} is outside the plan's reporting years {years.start}-{years.stop - 1}"
        )
    units: list[Area | Duty] = [*plan.areas]
    units += [d for d in plan.duties if d.recurrence.applies(year)]
    tasks = []
    for unit in units:
        due = due_date(plan, unit, year, calendar)
        coordinating = plan.expand(unit.coordinating)
        for agency in plan.expand(unit.lead):
            tasks.append(
                Task(
                    id=task_id(year, unit.id, agency),
                    year=year,
                    area=unit.id if isinstance(unit, Area) else None,
                    duty=unit.id if isinstance(unit, Duty) else None,
                    agency=agency,
                    coordinating=tuple(c for c in coordinating if c != agency),
                    due=due,
                    state=plan.workflow.initial,
                    version=1,
                    original_agency=agency,
                )
            )
    return tasks
