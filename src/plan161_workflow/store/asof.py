"""Read models of the record "as of a day": the tasks and cycles as they stood at the end of a
day in Vietnam, rebuilt in SQL from the events (the engine's ``tasks_as_of``, ``overdue``,
``notices``, ``cycle_as_of`` and the metrics read them).

What was recorded later, a report that arrived or an agency that took a task over, does not leak
into a view of an earlier day.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from plan161_workflow.model.task import Task
from plan161_workflow.store.replay import REPLAYED
from plan161_workflow.store.repo import TASK_COLUMNS, Store, row_to_task, task_filter

AS_OF_DAY = "(SELECT day FROM as_of)"
"""SQL for the day of a view as of a day (the ``as_of`` expression of ``tasks_as_of_sql``)."""

PAYLOAD_KEYS = tuple(k for k in REPLAYED if k not in ("state", "version"))
"""The task columns that events set from their payload: agency, due date, report, first arrival
(``reported_at``, ``days_late``) and rating."""


def _day(at: str) -> str:
    """SQL: the Vietnam day of an event time (the store writes ``at`` in Vietnam's zone, so its
    first ten characters are that day)."""
    return f"substr({at}, 1, 10)"


def _names(key: str) -> str:
    """SQL: the event ``e``'s payload has the top-level key ``key`` (a JSON null included).
    ``instr`` passes over, without parsing, the many payloads that do not name it."""
    return f"instr(e.payload, '\"{key}\":') > 0 AND json_type(e.payload, '$.{key}') IS NOT NULL"


_INTEGERS = frozenset({"days_late"})
"""The ``PAYLOAD_KEYS`` columns of whole numbers."""


def _value(key: str) -> str:
    """SQL: the value of ``key`` in the last event of ``task_events`` that set it since the
    task's last ``create`` (a task withdrawn and created again starts afresh)."""
    value = f"json_extract(x.payload, '$.{key}')"
    if key in _INTEGERS:  # one type per column on every backend (JSON gives text on PostgreSQL)
        value = f"CAST({value} AS INTEGER)"
    return f"(SELECT {value} FROM events x WHERE x.seq = s.{key}_seq AND s.{key}_seq >= s.born)"


def tasks_as_of_sql(where: str = "1 = 1", keys: Sequence[str] = PAYLOAD_KEYS) -> str:
    """Common table expressions, to put after ``WITH``: ``as_of``, the day, and ``tasks_as_of``,
    the tasks that ``where`` (a SQL condition on the ``tasks`` table) selects, as recorded at the
    end of that day in Vietnam, with the columns of ``tasks``; of the ``PAYLOAD_KEYS`` columns
    only those in ``keys`` (each costs a look at the events of the tasks, so a query names those
    it reads; reading one it did not name is an error).

    Parameters, first in the statement: the day (ISO text), then those of ``where``.

    A task is there if it was created by then (and not withdrawn since); its state and version
    are those its last applied event by then left, and its agency, due date, report, first
    arrival (``reported_at``, ``days_late``) and rating those its applied events by then recorded,
    as replaying them rebuilds (``workflow.replay``). Area, duty, original agency and coordinating
    agencies are the task row's: events do not record the coordinating agencies a task was
    created with, so an amendment's later change shows. A task an amendment withdrew later has no
    row any more and is left out.

    A task without events after that day is its row (the row is the replay of its history, as
    ``verify`` checks): looking for such events reads the ``at`` of its events on the
    ``events_task`` index. The events of the other tasks are read once, then one event per
    column by its ``seq``. So a view of today costs little more than the ``tasks`` table.

    Raises:
        ValueError: ``keys`` names a column that events do not set.
    """
    unknown = set(keys) - set(PAYLOAD_KEYS)
    if unknown:
        raise ValueError(f"unknown key(s) {sorted(unknown)}; expected some of {PAYLOAD_KEYS}")
    chosen = [k for k in PAYLOAD_KEYS if k in keys]
    seqs = "".join(f",\n max(CASE WHEN {_names(k)} THEN e.seq END) AS {k}_seq" for k in chosen)
    replayed = {
        **{c: f"t.{c}" for c in TASK_COLUMNS if c not in PAYLOAD_KEYS},
        **{k: _value(k) for k in chosen},
        "state": "last.to_state",
        "version": "last.version",
    }
    columns = [c for c in TASK_COLUMNS if c in replayed]
    return f"""as_of(day) AS (SELECT CAST(? AS TEXT)),
settled_tasks AS (
    SELECT t.id AS id, NOT EXISTS (
        SELECT 1 FROM events e WHERE e.task_id = t.id AND {_day("e.at")} > {AS_OF_DAY}
    ) AS settled
    FROM tasks t WHERE {where}
),
task_events AS (
    SELECT e.task_id AS id, max(e.seq) AS last,
        max(CASE WHEN e.trigger = 'create' THEN e.seq END) AS born{seqs}
    FROM events e
    WHERE e.task_id IN (SELECT id FROM settled_tasks WHERE NOT settled)
      AND e.outcome = 'applied' AND {_day("e.at")} <= {AS_OF_DAY}
    GROUP BY e.task_id
),
tasks_as_of AS (
    SELECT {", ".join(f"t.{c} AS {c}" for c in columns)}
    FROM settled_tasks c JOIN tasks t ON t.id = c.id WHERE c.settled
    UNION ALL
    SELECT {", ".join(f"{replayed[c]} AS {c}" for c in columns)}
    FROM task_events s JOIN tasks t ON t.id = s.id JOIN events last ON last.seq = s.last
    WHERE last.to_state IS NOT NULL
)"""


_CYCLES_AS_OF = f"""
    WITH as_of(day) AS (SELECT CAST(? AS TEXT))
    SELECT c.year, COALESCE(json_extract(e.payload, '$.rules'), c.rules_hash), c.opened_at,
        CASE WHEN EXISTS (
            SELECT 1 FROM events x
            WHERE x.task_id = 'cycle/' || c.year AND x.trigger = 'close_cycle'
              AND x.outcome = 'applied' AND {_day("x.at")} <= {AS_OF_DAY}
        ) THEN c.closed_at END
    FROM cycles c JOIN events e ON e.seq = (
        SELECT max(x.seq) FROM events x
        WHERE x.task_id = 'cycle/' || c.year AND x.outcome = 'applied'
          AND x.trigger IN ('open_cycle', 'amend_cycle') AND {_day("x.at")} <= {AS_OF_DAY})
"""
"""Cycles opened by the end of a day, with the rules they followed then (the last
``open_cycle`` or ``amend_cycle`` event by then), and their closing time if closed by then."""


def cycles_as_of(store: Store, day: dt.date) -> list[dict[str, Any]]:
    """Cycles open by the end of ``day`` (``_CYCLES_AS_OF``), by year: year, rules_hash (the
    rules followed then), opened_at, closed_at (``None`` unless closed by then)."""
    rows = store.query(_CYCLES_AS_OF + " ORDER BY c.year", (day.isoformat(),))
    keys = ("year", "rules_hash", "opened_at", "closed_at")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def tasks_as_of(
    store: Store,
    day: dt.date,
    *,
    year: int | None = None,
    ids: Sequence[str] | None = None,
) -> list[Task]:
    """The tasks (of ``year``, or those of ``ids``, or every task) as recorded at the end of
    ``day``, by year and id."""
    where, params = "1 = 1", list[Any]()
    if year is not None:
        where, params = "year = ?", [year]
    if ids is not None:
        where, params = "id IN (SELECT value FROM json_each(?))", [json.dumps(list(ids))]
    sql = (
        f"WITH {tasks_as_of_sql(where)} SELECT {', '.join(TASK_COLUMNS)} FROM tasks_as_of "
        "ORDER BY year, id"
    )
    return [row_to_task(r) for r in store.query(sql, [day.isoformat(), *params])]


def open_task_ids(
    store: Store,
    day: dt.date,
    years: Sequence[int],
    states: Sequence[str],
    *,
    due_from: dt.date | None = None,
    due_before: dt.date | None = None,
    due_to: dt.date | None = None,
    due_in: Sequence[dt.date] | None = None,
) -> list[str]:
    """Ids of the tasks of ``years`` as recorded at the end of ``day`` that were in one of
    ``states`` then and whose due date then was on or after ``due_from``, before
    ``due_before``, on or before ``due_to`` and among ``due_in`` (each when given), by year and
    id. Only the due date is rebuilt from the events, so this costs less than whole tasks."""
    conditions, params = [], list[Any]()
    for op, value in ((">=", due_from), ("<", due_before), ("<=", due_to)):
        if value is not None:
            conditions.append(f"due {op} ?")
            params.append(value.isoformat())
    if due_in is not None:
        conditions.append(f"due IN ({_marks(due_in)})")
        params += [d.isoformat() for d in due_in]
    chosen = tasks_as_of_sql(f"year IN ({_marks(years)})", ("due",))
    sql = (
        f"WITH {chosen} SELECT id FROM tasks_as_of "
        f"WHERE {' AND '.join(conditions) or '1 = 1'} AND state IN ({_marks(states)}) "
        "ORDER BY year, id"
    )
    rows = store.query(sql, [day.isoformat(), *years, *params, *states])
    return [str(r[0]) for r in rows]


def no_deadline_ids(
    store: Store,
    year: int,
    as_of: dt.date | None = None,
    periods: Sequence[str] | None = None,
    members: Sequence[str] | None = None,
) -> list[str]:
    """Ids of the tasks of ``year`` (of ``periods``, first given to one of ``members``, when
    given) without a due date (as recorded at the end of ``as_of`` when given), by id."""
    among = {"period": periods, "original_agency": members}
    where, params = task_filter(equal={"year": year}, among=among)
    if as_of is None:
        rows = store.query(
            f"SELECT id FROM tasks WHERE {where} AND due IS NULL ORDER BY id", params
        )
    else:
        rows = store.query(
            f"WITH {tasks_as_of_sql(where, ('due',))} "
            "SELECT id FROM tasks_as_of WHERE due IS NULL ORDER BY id",
            (as_of.isoformat(), *params),
        )
    return [str(r[0]) for r in rows]


def _marks(values: Sequence[object]) -> str:
    """SQL placeholders for ``values``."""
    return ", ".join("?" * len(values))
