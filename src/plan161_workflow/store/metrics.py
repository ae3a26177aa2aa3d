"""Reporting metrics as monitoring systems such as DHIS2 define them: pure SQL over a store.

Definitions (per reporting year, and per agency or per area when grouped):

* **expected**: tasks with a due date. Tasks whose deadline the plan does not set are counted
  apart (``no_deadline``) and stay out of every rate. As of a day, a task due after that day
  whose report had not arrived by then is not expected yet (``not_due``): a view of June counts
  the June reports, not December's.
* **received**: expected tasks whose report arrived at some point (``tasks.reported_at`` is set
  on first arrival in the workflow's ``reported_state``; a report sent back for revision still
  counts as received).
* **on time**: received with ``days_late = 0`` (judged on first arrival).
* **reporting rate** = received / expected; **on-time rate** = on time / expected (DHIS2's
  "reporting rate on time"); both ``None`` when nothing is expected.
* **median days late**: the median of ``days_late`` over late reports only (``None`` if none).
* **open tasks**: tasks not in the workflow's final state, by state.
* **overdue as of D**: due before D and in a state before ``reported_state`` (as
  ``Engine.overdue``), with ``days late = D - due`` in calendar days.

With ``as_of=D`` (the overdue lists always) a figure is of the record at the end of day D in
Vietnam (``Engine.tasks_as_of``): a report that arrived after D is not received, and its task
may be overdue on D. Without it, of the current state: that of any day after the last event.

Each figure is one SQL aggregation; Python only shapes the rows. By ``agency`` a task counts for the
agency that held it on its due date (``AGENCY_ON_DUE``); ``agency_now`` shows the other view, the
agency responsible now, after successions and reassignments.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

import attrs

from plan161_workflow.errors import PayloadError
from plan161_workflow.model.plan import Workflow
from plan161_workflow.store.asof import AS_OF_DAY, tasks_as_of_sql
from plan161_workflow.store.repo import Store, task_filter

AGENCY_COLUMN = "agency"
"""Column naming the agency responsible now (after reassignment): who is overdue today."""

_AGENCY_ON = """CASE WHEN tasks.due IS NULL THEN tasks.agency ELSE COALESCE((
    SELECT json_extract(e.payload, '$.agency') FROM events e
    WHERE e.task_id = tasks.id AND e.outcome = 'applied'
      AND json_extract(e.payload, '$.agency') IS NOT NULL
      AND substr(e.at, 1, 10) <= {last_day}
    ORDER BY e.seq DESC LIMIT 1), tasks.original_agency) END"""

AGENCY_ON_DUE = _AGENCY_ON.format(last_day="tasks.due")
"""The agency that held a task on its due date (from its events that set one: create, reassign,
or a workflow's own handover action, as replay reads them): rates
count a task for it, so an agency that ceased keeps its record and its successor inherits only
what was still open."""

AGENCY_ON_DUE_AS_OF = _AGENCY_ON.format(last_day=f"min(tasks.due, {AS_OF_DAY})")
"""``AGENCY_ON_DUE`` in a view as of a day: the agency that held the task on its due date, or on
that day if the due date is later (what happened after the day is not known yet)."""

Dimension = Literal["year", "agency", "agency_now", "area"]
DIMENSIONS: tuple[str, ...] = ("year", "agency", "agency_now", "area")

_KEYS: dict[str, str] = {
    "year": "year",
    "agency": AGENCY_ON_DUE,
    "agency_now": AGENCY_COLUMN,
    "area": "COALESCE(area, duty)",  # a duty task is grouped under its duty id
}

Key = tuple[int | str, ...]


_ARRIVAL = ("due", "reported_at", "days_late")
"""The columns set by events that rates and medians read."""


def _source(
    as_of: dt.date | None,
    scope: Scope,
    by: Sequence[str],
    *read: str,
) -> tuple[list[str], str, list[object]]:
    """(common table expressions, the relation to read tasks from, their parameters): the
    ``tasks`` table, or the tasks of ``scope`` (years, periods, members) as recorded at the end of
    ``as_of`` under the name ``tasks`` (so ``tasks.due`` is the due date of that day), with
    the columns set by events that the query reads (``read``, and those of the dimensions
    ``by``; ``tasks_as_of_sql``). The expressions open the statement, so their parameters come
    first."""
    if as_of is None:
        return [], "tasks", []
    where, params = _where(*scope)
    agency = ("agency", "due") if "agency" in by else ("agency",) if "agency_now" in by else ()
    ctes = [tasks_as_of_sql(where, (*read, *agency))]
    return ctes, "tasks_as_of AS tasks", [as_of.isoformat(), *params]


def _with(ctes: Sequence[str]) -> str:
    """A ``WITH`` clause of ``ctes`` (nothing without them)."""
    return f"WITH {', '.join(ctes)}\n" if ctes else ""


@attrs.frozen
class Rates:
    """Reporting figures of one group of tasks."""

    key: Key
    """The group's values, in the order of the dimensions asked for."""
    tasks: int
    """Every task of the group."""
    expected: int
    """Tasks with a due date."""
    received: int
    """Expected tasks whose report arrived."""
    on_time: int
    """Received by the due date."""
    late: int
    """Received after the due date."""
    no_deadline: int
    """Tasks without a due date (out of the rates)."""
    median_days_late: float | None
    """Median days late over late reports; ``None`` without late reports."""
    not_due: int = 0
    """In a view as of a day: tasks due after that day whose report had not arrived (out of
    the rates: nothing was expected of them yet)."""

    @property
    def reporting_rate(self) -> float | None:
        """received / expected, or ``None`` when nothing is expected."""
        return self.received / self.expected if self.expected else None

    @property
    def on_time_rate(self) -> float | None:
        """on time / expected, or ``None`` when nothing is expected."""
        return self.on_time / self.expected if self.expected else None

    @property
    def missing(self) -> int:
        """Expected tasks not received (yet)."""
        return self.expected - self.received


@attrs.frozen
class Overdue:
    """A task not reported although its last day has passed."""

    task_id: str
    """The task."""
    year: int
    """Reporting year."""
    agency: str
    """Agency responsible on the as-of day (``AGENCY_COLUMN``)."""
    unit: str
    """Area or duty id."""
    due: dt.date
    """Last day to report (as recorded on the as-of day)."""
    state: str
    """State at the end of the as-of day."""
    days_late: int
    """Calendar days from the due date to the as-of date."""
    period: str
    """Its reporting period (``Task.period``)."""


Scope = tuple[Sequence[int] | None, Sequence[str] | None, Sequence[str] | None]
"""Which tasks a figure counts: those of (years, periods, members: the agencies the tasks were
first given to, a consolidation level's), each when not ``None``."""


def _where(
    years: Sequence[int] | None,
    periods: Sequence[str] | None = None,
    members: Sequence[str] | None = None,
) -> tuple[str, list[object]]:
    """(SQL condition, parameters): the tasks of ``years``, of ``periods`` and first given to
    one of ``members`` (each when given)."""
    return task_filter(among={"year": years, "period": periods, "original_agency": members})


def _group(by: Sequence[str], as_of: dt.date | None = None) -> tuple[str, str]:
    """(SELECT expressions, GROUP BY expressions) for dimensions ``by`` (in a view as of a day
    when ``as_of`` is given).

    Raises:
        PayloadError: an unknown dimension.
    """
    unknown = [d for d in by if d not in _KEYS]
    if unknown:
        raise PayloadError(f"unknown dimension(s) {unknown}; expected some of {DIMENSIONS}")
    keys = _KEYS if as_of is None else {**_KEYS, "agency": AGENCY_ON_DUE_AS_OF}
    exprs = [keys[d] for d in by]
    if not exprs:
        return "", ""
    select = ", ".join(f"{e} AS k{i}" for i, e in enumerate(exprs)) + ", "
    return select, " GROUP BY " + ", ".join(f"k{i}" for i in range(len(exprs)))


def _chosen(
    by: Sequence[str],
    scope: Scope,
    as_of: dt.date | None,
) -> tuple[list[str], list[object]]:
    """(common table expressions ending with ``chosen``, their parameters): each task's group
    keys ``k0``, ``k1``... (dimensions ``by``), due date and first arrival."""
    where, params = _where(*scope)
    select, _ = _group(by, as_of)
    ctes, source, first = _source(as_of, scope, by, *_ARRIVAL)
    chosen = f"chosen AS (SELECT {select}{', '.join(_ARRIVAL)} FROM {source} WHERE {where})"
    return [*ctes, chosen], [*first, *params]


def _medians(keys: Sequence[str]) -> list[str]:
    """Common table expressions after ``_chosen`` ending with ``medians``: the group ``keys`` and
    median days late of each group with late reports (without keys: one row, NULL if none). SQLite
    has no median: rows are numbered in each group and the middle one (or two, averaged) kept."""
    partition = f"PARTITION BY {', '.join(keys)} " if keys else ""
    return [
        f"""late AS (
            SELECT {"".join(f"{k}, " for k in keys)}days_late AS d FROM chosen
            WHERE due IS NOT NULL AND reported_at IS NOT NULL AND days_late > 0
        )""",
        f"""ranked AS (
            SELECT *, ROW_NUMBER() OVER ({partition}ORDER BY d) AS rn,
                   COUNT(*) OVER ({partition.strip()}) AS n
            FROM late
        )""",
        f"""medians AS (
            SELECT {"".join(f"{k}, " for k in keys)}AVG(d) AS median FROM ranked
            WHERE rn IN ((n + 1) / 2, (n + 2) / 2)
            {"GROUP BY " + ", ".join(keys) if keys else ""}
        )""",
    ]


def rates(
    store: Store,
    *,
    years: Sequence[int] | None = None,
    periods: Sequence[str] | None = None,
    members: Sequence[str] | None = None,
    by: Sequence[str] = ("year",),
    as_of: dt.date | None = None,
) -> list[Rates]:
    """Reporting figures per group of ``by`` (``year``, ``agency``, ``area``), for ``years``
    and ``periods`` (every one when ``None``), ordered by group key; as recorded at the end of
    ``as_of`` if given: a report counts as received if it first arrived by then, and a task is
    expected if it was due by then or its report had arrived (the others are ``not_due``).

    One statement: the tasks are read once for the counts and the medians.

    Raises:
        PayloadError: an unknown dimension in ``by``.
    """
    ctes, params = _chosen(by, (years, periods, members), as_of)
    keys = [f"k{i}" for i in range(len(by))]
    select = "".join(f"{k}, " for k in keys)
    has = "due IS NOT NULL AND reported_at IS NOT NULL"
    waiting = "1 = 0" if as_of is None else f"due > {AS_OF_DAY} AND reported_at IS NULL"
    counts = f"""counts AS (
        SELECT {select}
            count(*) AS tasks,
            count(*) FILTER (WHERE due IS NOT NULL AND NOT ({waiting})) AS expected,
            count(*) FILTER (WHERE {has}) AS received,
            count(*) FILTER (WHERE {has} AND days_late = 0) AS on_time,
            count(*) FILTER (WHERE {has} AND days_late > 0) AS late,
            count(*) FILTER (WHERE due IS NULL) AS no_deadline,
            count(*) FILTER (WHERE due IS NOT NULL AND {waiting}) AS not_due
        FROM chosen{" GROUP BY " + ", ".join(keys) if keys else ""}
    )"""
    same = " AND ".join(f"m.{k} IS NOT DISTINCT FROM c.{k}" for k in keys) or "1 = 1"
    sql = f"""
        {_with([*ctes, *_medians(keys), counts])}
        SELECT {"".join(f"c.{k}, " for k in keys)}
            c.tasks, c.expected, c.received, c.on_time, c.late, c.no_deadline, c.not_due,
            m.median
        FROM counts c LEFT JOIN medians m ON {same}
        ORDER BY {", ".join(f"c.{k}" for k in keys) or "1"}
    """
    out = []
    for row in store.query(sql, params):
        key: Key = tuple(row[: len(by)])
        tasks, expected, received, on_time, late, no_deadline, not_due = (
            int(v) for v in row[len(by) : -1]
        )
        out.append(
            Rates(
                key=key,
                tasks=tasks,
                expected=expected,
                received=received,
                on_time=on_time,
                late=late,
                no_deadline=no_deadline,
                not_due=not_due,
                median_days_late=None if row[-1] is None else float(row[-1]),
            )
        )
    return out


def state_counts(
    store: Store,
    workflow: Workflow,
    *,
    years: Sequence[int] | None = None,
    periods: Sequence[str] | None = None,
    members: Sequence[str] | None = None,
    by: Sequence[str] = (),
    as_of: dt.date | None = None,
) -> dict[Key, dict[str, int]]:
    """Tasks per state for each group: every workflow state, in workflow order, zeros included
    ; as recorded at the end of ``as_of`` if given.

     Raises:
         PayloadError: an unknown dimension in ``by``.
    """
    where, params = _where(years, periods, members)
    select, group = _group(by, as_of)
    ctes, source, first = _source(as_of, (years, periods, members), by)
    group = group + ", state" if group else " GROUP BY state"
    states = list(workflow.states)
    sql = f"{_with(ctes)}SELECT {select}state, count(*) FROM {source} WHERE {where}{group}"
    out: dict[Key, dict[str, int]] = {}
    for row in store.query(sql, [*first, *params]):
        key: Key = tuple(row[: len(by)])
        counts = out.setdefault(key, dict.fromkeys(states, 0))
        if row[-2] in counts:
            counts[row[-2]] = int(row[-1])
    if not by and () not in out:
        out[()] = dict.fromkeys(states, 0)
    return dict(sorted(out.items()))


def _overdue(
    workflow: Workflow,
    as_of: dt.date,
    scope: Scope,
    select: str,
    rest: str,
) -> tuple[str, list[object]]:
    """(SQL, parameters) selecting ``select`` from the tasks overdue on ``as_of`` as recorded
    at the end of that day, then ``rest`` (grouping, order)."""
    where, params = _where(*scope)
    states = workflow.states[: workflow.states.index(workflow.reported_state)]  # open ones
    ctes, source, first = _source(as_of, scope, ("agency_now",), "due")
    sql = f"""
        {_with(ctes)}SELECT {select} FROM {source}
        WHERE {where} AND due < {AS_OF_DAY} AND state IN ({", ".join("?" * len(states))}) {rest}
    """
    return sql, [*first, *params, *states]


def overdue(
    store: Store,
    workflow: Workflow,
    as_of: dt.date,
    *,
    years: Sequence[int] | None = None,
    periods: Sequence[str] | None = None,
    members: Sequence[str] | None = None,
) -> list[Overdue]:
    """Tasks overdue on ``as_of`` as recorded at the end of that day (state, due date and agency
    of that day), most days late first, then by task id."""
    select = (
        f"id, year, {AGENCY_COLUMN}, COALESCE(area, duty), due, state, "
        f"CAST(julianday({AS_OF_DAY}) - julianday(due) AS INTEGER) AS late, period"
    )
    order = "ORDER BY late DESC, id"
    rows = store.query(*_overdue(workflow, as_of, (years, periods, members), select, order))
    return [
        Overdue(r[0], int(r[1]), r[2], r[3], dt.date.fromisoformat(r[4]), r[5], int(r[6]), r[7])
        for r in rows
    ]


@attrs.frozen
class OverdueAgency:
    """One agency's overdue tasks on a date."""

    agency: str
    """Agency code."""
    tasks: int
    """How many tasks are overdue."""
    max_days_late: int
    """The longest delay, in calendar days."""


def overdue_by_agency(
    store: Store,
    workflow: Workflow,
    as_of: dt.date,
    *,
    years: Sequence[int] | None = None,
    periods: Sequence[str] | None = None,
    members: Sequence[str] | None = None,
) -> list[OverdueAgency]:
    """Agencies with overdue tasks on ``as_of`` as recorded at the end of that day (as
    ``overdue``): count and longest delay, by agency code."""
    select = (
        f"{AGENCY_COLUMN}, count(*), CAST(max(julianday({AS_OF_DAY}) - julianday(due)) AS INTEGER)"
    )
    rest = f"GROUP BY {AGENCY_COLUMN} ORDER BY {AGENCY_COLUMN}"
    rows = store.query(*_overdue(workflow, as_of, (years, periods, members), select, rest))
    return [OverdueAgency(r[0], int(r[1]), int(r[2])) for r in rows]


GridStatus = Literal["on_time", "late", "missing", "not_due", "no_deadline"]
GRID_STATUSES: tuple[str, ...] = ("on_time", "late", "missing", "not_due", "no_deadline")


def agency_year_grid(
    store: Store,
    as_of: dt.date,
    *,
    years: Sequence[int] | None = None,
    periods: Sequence[str] | None = None,
    members: Sequence[str] | None = None,
) -> dict[tuple[str, int], str]:
    """The worst status of each (agency, year) with tasks, as of ``as_of``; a task counts for
    the agency that held it on its due date, as in ``rates``.

    ``missing`` (a report not received after its due date) > ``late`` (received late) >
    ``not_due`` (not received, due date not passed) > ``on_time``; ``no_deadline`` when none of the
    agency's tasks that year has a due date. Absent pairs had no task. Only the tasks of
    ``periods`` count when given.
    """
    where, params = _where(years, periods, members)
    sql = f"""
        SELECT {AGENCY_ON_DUE} AS holder, year,
            CASE
                WHEN count(*) FILTER (WHERE due IS NOT NULL AND reported_at IS NULL AND due < ?) > 0
                    THEN 'missing'
                WHEN count(*) FILTER (WHERE due IS NOT NULL AND days_late > 0) > 0 THEN 'late'
                WHEN count(*) FILTER (WHERE due IS NOT NULL AND reported_at IS NULL) > 0
                    THEN 'not_due'
                WHEN count(*) FILTER (WHERE due IS NOT NULL) > 0 THEN 'on_time'
                ELSE 'no_deadline'
            END
        FROM tasks WHERE {where}
        GROUP BY holder, year
    """
    rows = store.query(sql, [as_of.isoformat(), *params])
    return {(r[0], int(r[1])): r[2] for r in rows}
