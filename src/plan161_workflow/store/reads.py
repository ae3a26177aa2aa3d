"""Read models of the consolidated report: a cycle's task results, its shortfalls (late and
missing reports on a day) and the comments made on its tasks, as typed rows.

The report (``reporting.report``) shapes and sorts them; the SQL lives here, beside the store.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from typing import Any

import attrs

from plan161_workflow.store.metrics import AGENCY_COLUMN
from plan161_workflow.store.repo import Store, task_filter


@attrs.frozen
class TaskResultRow:
    """A task of a cycle as the report lists it."""

    task_id: str
    """The task."""
    unit: str
    """Its area or duty id."""
    agency: str
    """The agency responsible now."""
    original_agency: str | None
    """The agency it was first given to."""
    state: str
    """Its state."""
    due: dt.date | None
    """Its last day, if the plan sets one."""
    reported_on: dt.date | None
    """The day its report first arrived."""
    days_late: int | None
    """Days late on first arrival."""
    summary: str | None
    """The report's summary."""
    indicators: dict[str, Any]
    """The report's indicators."""
    rating: str | None
    """Its rating code."""


@attrs.frozen
class ShortfallRow:
    """A task of a cycle reported late, or not reported although due before a day."""

    agency: str
    """The agency responsible now."""
    original_agency: str | None
    """The agency it was first given to."""
    unit: str
    """Its area or duty id."""
    due: dt.date
    """Its last day."""
    missing: bool
    """Not reported (else reported late)."""
    days_late: int
    """Days late: on first arrival, or from the due date to the day when missing."""


@attrs.frozen
class RemarkRow:
    """A comment made on a task of a cycle."""

    agency: str
    """Who commented."""
    task_id: str
    """The task."""
    unit: str
    """Its area or duty id."""
    on: dt.date
    """The day (in Vietnam) of the comment."""
    text: str
    """The comment."""


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _of(
    year: int, period: str | None, members: Sequence[str] | None, prefix: str = ""
) -> tuple[str, list[object]]:
    """(SQL condition, parameters): the tasks of ``year``, of ``period`` and first given to one
    of ``members`` (a consolidation level's), each when given."""
    equal = {"year": year, "period": period}
    return task_filter(prefix, equal=equal, among={"original_agency": members})


def task_results(
    store: Store, year: int, period: str | None = None, members: Sequence[str] | None = None
) -> Iterator[TaskResultRow]:
    """The tasks of ``year`` (of ``period``, of ``members``, when given), by id, streamed."""
    where, params = _of(year, period, members)
    rows = store.query(
        f"""SELECT id, COALESCE(area, duty), {AGENCY_COLUMN}, state, due,
                   substr(reported_at, 1, 10), days_late, json_extract(report, '$.summary'), rating,
                   json_extract(report, '$.indicators'), original_agency
            FROM tasks WHERE {where} ORDER BY id""",
        params,
    )
    for r in rows:
        yield TaskResultRow(
            task_id=r[0],
            unit=r[1],
            agency=r[2],
            original_agency=r[10],
            state=r[3],
            due=_date(r[4]),
            reported_on=_date(r[5]),
            days_late=r[6],
            summary=r[7],
            indicators=json.loads(r[9]) if r[9] else {},
            rating=r[8],
        )


def shortfalls(
    store: Store,
    year: int,
    on: dt.date,
    period: str | None = None,
    members: Sequence[str] | None = None,
) -> Iterator[ShortfallRow]:
    """The tasks of ``year`` (of ``period`` when given) with a due date reported late, or not
    reported and due before ``on``, streamed."""
    where, params = _of(year, period, members)
    rows = store.query(
        f"""SELECT {AGENCY_COLUMN}, COALESCE(area, duty), due, days_late,
                   reported_at IS NULL,
                   CAST(julianday(?) - julianday(due) AS INTEGER), original_agency
            FROM tasks
            WHERE {where} AND due IS NOT NULL
              AND (days_late > 0 OR (reported_at IS NULL AND due < ?))""",
        (on.isoformat(), *params, on.isoformat()),
    )
    for agency, unit, due, days, absent, overdue, original in rows:
        yield ShortfallRow(
            agency=agency,
            original_agency=original,
            unit=unit,
            due=dt.date.fromisoformat(due),
            missing=bool(absent),
            days_late=int(overdue if absent else days),
        )


def remarks(
    store: Store,
    year: int,
    triggers: Sequence[str],
    period: str | None = None,
    members: Sequence[str] | None = None,
) -> Iterator[RemarkRow]:
    """The applied events of ``triggers`` (comments) on the tasks of ``year`` (of ``period``
    when given), oldest first, streamed."""
    if not triggers:
        return
    where, params = _of(year, period, members, "t.")
    rows = store.query(
        f"""SELECT e.actor, e.task_id, COALESCE(t.area, t.duty), substr(e.at, 1, 10),
                   json_extract(e.payload, '$.text')
            FROM events e JOIN tasks t ON t.id = e.task_id
            WHERE e.trigger IN ({", ".join("?" * len(triggers))}) AND e.outcome = 'applied'
              AND {where}
            ORDER BY e.seq""",
        (*triggers, *params),
    )
    for r in rows:
        yield RemarkRow(
            agency=r[0], task_id=r[1], unit=r[2], on=dt.date.fromisoformat(r[3]), text=r[4]
        )
