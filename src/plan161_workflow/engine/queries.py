"""Reading the record: tasks, counts, history, deadlines, notices, the change feed, integrity.

Deadlines and notices read the record as it stood at the end of a day (``tasks_as_of_sql``): what
was recorded later, a report that arrived or an agency that took a task over, does not leak into
a view of an earlier day.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Sequence
from typing import Any, cast

from plan161_workflow import inputs
from plan161_workflow.calendar import reminded_dues
from plan161_workflow.engine.base import EngineBase
from plan161_workflow.errors import (
    NotFound,
)
from plan161_workflow.model.plan import ROLES, Reminder, Role
from plan161_workflow.model.records import Consolidation, Cycle
from plan161_workflow.model.task import Event, Notice, Task
from plan161_workflow.store.feed import Change, change_from_row
from plan161_workflow.store.replay import REPLAYED
from plan161_workflow.store.repo import TASK_COLUMNS, row_to_task
from plan161_workflow.store.verify import VerifyReport, verify
from plan161_workflow.workflow.decide import Rulebook
from plan161_workflow.workflow.definition import open_states

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
    return f"instr(e.payload, '\"{key}\":') AND json_type(e.payload, '$.{key}') IS NOT NULL"


def _value(key: str) -> str:
    """SQL: the value of ``key`` in the last event of ``task_events`` that set it since the
    task's last ``create`` (a task withdrawn and created again starts afresh)."""
    return (
        f"(SELECT json_extract(x.payload, '$.{key}') FROM events x "
        f"WHERE x.seq = s.{key}_seq AND s.{key}_seq >= s.born)"
    )


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
    as replaying them rebuilds (``store.replay``). Area, duty, original agency and coordinating
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
    return f"""as_of(day) AS (SELECT ?),
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
    WITH as_of(day) AS (SELECT ?)
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


class Queries(EngineBase):
    """Reading the record: tasks, history, deadlines, notices, the change feed, integrity."""

    # -- integrity, integration, backups ------------------------------------------------------
    def verify(self, expect_head: str | None = None) -> VerifyReport:
        """Recompute the hash chain and replay every task from its events.

        ``report.ok`` is True when intact; otherwise ``first_bad_event`` names the first event
        that was changed, inserted or removed, and ``task_problems`` every task whose stored state
        disagrees with its history. ``expect_head`` (a head hash kept elsewhere, whole or its
        first 16 or more hex digits) also catches a history rewritten with recomputed hashes.

        Raises:
            PayloadError: ``expect_head`` is not such a hash or prefix, or matches two events.
        """
        return verify(self.store.conn, expect_head)

    def changes(self, after: int = 0, limit: int = 100) -> list[Change]:
        """Committed changes after cursor ``after``, oldest first, at most ``limit``.

        The cursor is the change's ``seq``: poll with the last one seen to resume without missing
        or repeating a change. Refused attempts are history, not changes, and are not listed.

        Raises:
            PayloadError: ``after`` is not a whole number from 0, or ``limit`` not one from 1
                (either up to what SQLite stores).
        """
        after = inputs.whole(after, "after", minimum=0)
        limit = inputs.whole(limit, "limit", minimum=1)
        rows = self.store.event_rows(after=after, limit=limit, applied_only=True)
        return [change_from_row(r) for r in rows]

    def backup(self, target: str | os.PathLike[str]) -> None:
        """Write a consistent copy of the database to ``target`` while writers may run.

        Raises:
            StoreError: ``target`` exists already (never written over), or the copy could not
                be written.
            PayloadError: ``target`` is not a file path.
        """
        self.store.backup(inputs.path(target, "target"))

    # -- queries -----------------------------------------------------------------------------
    def counts(self, year: int) -> dict[str, int]:
        """Tasks per state in ``year``: every state of the cycle's workflow, zeros included.

        Raises:
            PayloadError: ``year`` is not a whole number.
        """
        year = inputs.whole(year, "year")
        rows = self.store.conn.execute(
            "SELECT state, count(*) FROM tasks WHERE year = ? GROUP BY state", (year,)
        )
        found = dict(rows.fetchall())
        states = self.cycle_book(year).plan.workflow.states
        return {s: int(found.get(s, 0)) for s in (*states, *sorted(found.keys() - set(states)))}

    def history(self, task_id: str) -> list[Event]:
        """The events of a task, oldest first, refused attempts included.

        Raises:
            NotFound: no such task.
            PayloadError: ``task_id`` is not text.
        """
        events = self.store.events(inputs.text(task_id, "the task id"))
        if not events:
            raise NotFound("task", task_id)
        return events

    def consolidations(self, year: int) -> list[Consolidation]:
        """Consolidated-report records of ``year``, oldest first.

        Raises:
            PayloadError: ``year`` is not a whole number.
        """
        rows = self.store.consolidations(inputs.whole(year, "year"))
        return [Consolidation.from_row(r) for r in rows]

    def tasks_as_of(self, as_of: dt.date, year: int | None = None) -> list[Task]:
        """The tasks (of ``year``, or of every cycle) as recorded at the end of day ``as_of``
        in Vietnam, by year and id.

        A task is listed if it was created by then; state, version, agency, due date, report,
        first arrival and rating are those its events by then recorded (``tasks_as_of_sql``). On a
        day after the last event this is ``tasks(year=year)``; before a cycle opened, nothing.

        Raises:
            PayloadError: ``as_of`` is not a date or datetime; ``year`` is not a whole number.
        """
        day = inputs.day(as_of)
        if year is None:
            return self._tasks_as_of(day, "1 = 1", [])
        return self._tasks_as_of(day, "year = ?", [inputs.whole(year, "year")])

    def cycle_as_of(self, year: int, as_of: dt.date) -> Cycle | None:
        """The cycle of ``year`` as recorded at the end of day ``as_of``: its ``rules_hash`` is
        the rules it followed then, its ``closed_at`` is ``None`` unless closed by then; ``None``
        when it was not open by then.

        Raises:
            PayloadError: ``year`` is not a whole number, or ``as_of`` not a date or datetime.
        """
        year = inputs.whole(year, "year")
        found = [c for c in self._cycles_as_of(inputs.day(as_of)) if c["year"] == year]
        return Cycle.from_row(found[0]) if found else None

    def overdue(self, as_of: dt.date) -> list[Task]:
        """Tasks not yet reported whose last day is before ``as_of``, as recorded at the end of
        that day.

        ``as_of`` is a date, or a datetime taken as Vietnam's day at that instant. The record
        is read as it stood at the end of that day (``tasks_as_of``): a task counts if it was
        created by then, with the state and due date its events by then left, and is returned
        as it was then (state, version, agency, report); a report that arrived later does not
        hide it. "Not yet reported" follows the rules each cycle followed on that day.

        Raises:
            PayloadError: ``as_of`` is not a date or datetime.
        """
        day = inputs.day(as_of)
        return self._open_tasks(day, "due < ?", [day.isoformat()])

    def due_soon(self, as_of: dt.date, days: int) -> list[Task]:
        """Tasks not yet reported whose last day falls within ``days`` days from ``as_of``, as
        recorded at the end of day ``as_of`` (as ``overdue``).

        Raises:
            PayloadError: ``as_of`` is not a date or datetime; ``days`` is not a whole number
                of at least 0.
        """
        day = inputs.day(as_of)
        days = inputs.whole(days, "days", minimum=0, maximum=inputs.MAX_DAYS)
        last = day + dt.timedelta(days=days)
        return self._open_tasks(day, "due >= ? AND due <= ?", [day.isoformat(), last.isoformat()])

    def notices(self, as_of: dt.date) -> list[Notice]:
        """Reminders and escalations due on ``as_of`` for tasks not yet reported by the end of
        that day.

        The record is read as it stood at the end of that day, as in ``overdue``: a task
        counts if it was created and not reported by then, with the due date and agency it had
        then (a notice's ``agency``). A reminder's ``to`` is a role (responsible, coordinating,
        consolidator, evaluator, overseer; ``participant`` goes to the overseers) or an agency
        code; roles resolve to the agencies holding them on that day. Each cycle follows the
        rules it followed on that day: reminders, calendar and workflow.

        Raises:
            PayloadError: ``as_of`` is not a date or datetime.
        """
        day = inputs.day(as_of)
        out: list[Notice] = []
        for book, years in self._rulebooks(day):
            # The due dates whose reminders fall on that day (working days stretch the window).
            reminders: dict[str, list[Reminder]] = {}
            for reminder in book.plan.reminders:
                for due in reminded_dues(day, reminder, book.calendar):
                    reminders.setdefault(due.isoformat(), []).append(reminder)
            if not reminders:
                continue
            dues = list(reminders)
            for task in self._open_tasks(day, f"due IN ({_marks(dues)})", dues, [(book, years)]):
                assert task.due is not None
                for reminder in reminders[task.due.isoformat()]:
                    for to in self._recipients(book, reminder.to, task, day):
                        out.append(Notice(task.id, to, day, reminder.days, task.due, task.agency))
        return sorted(out, key=lambda n: (n.days, n.task_id, n.to))

    def _cycles_as_of(self, day: dt.date) -> list[dict[str, Any]]:
        """Cycles open by the end of ``day`` (``_CYCLES_AS_OF``), by year."""
        rows = self.store.conn.execute(_CYCLES_AS_OF + " ORDER BY c.year", (day.isoformat(),))
        keys = ("year", "rules_hash", "opened_at", "closed_at")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def _rulebooks(self, day: dt.date) -> list[tuple[Rulebook, list[int]]]:
        """Each rules version that cycles followed at the end of ``day``, with the years of
        those cycles (cycles not opened by then are left out)."""
        years: dict[str, list[int]] = {}
        for cycle in self._cycles_as_of(day):
            years.setdefault(cycle["rules_hash"], []).append(cycle["year"])
        return [(self.book_for(digest), ys) for digest, ys in years.items()]

    def _tasks_as_of(self, day: dt.date, chosen: str, params: Sequence[Any]) -> list[Task]:
        """The tasks that ``chosen`` (a SQL condition on the ``tasks`` table) selects, as
        recorded at the end of ``day``, by year and id."""
        sql = (
            f"WITH {tasks_as_of_sql(chosen)} SELECT {', '.join(TASK_COLUMNS)} FROM tasks_as_of "
            "ORDER BY year, id"
        )
        rows = self.store.conn.execute(sql, [day.isoformat(), *params])
        return [row_to_task(r) for r in rows]

    def _open_tasks(
        self,
        day: dt.date,
        where: str,
        params: Sequence[Any],
        books: list[tuple[Rulebook, list[int]]] | None = None,
    ) -> list[Task]:
        """Tasks as recorded at the end of ``day`` that match a SQL condition on their due date
        and were not yet reported then under their cycle's workflow, by year and id.

        First the ids, from a view with the due date alone, then those tasks whole: the events
        of the others are read once, not once per column."""
        ids: list[str] = []
        for book, years in self._rulebooks(day) if books is None else books:
            states = open_states(book.plan.workflow)
            chosen = tasks_as_of_sql(f"year IN ({_marks(years)})", ("due",))
            sql = (
                f"WITH {chosen} SELECT id FROM tasks_as_of "
                f"WHERE {where} AND state IN ({_marks(states)})"
            )
            rows = self.store.conn.execute(sql, [day.isoformat(), *years, *params, *states])
            ids += (str(r[0]) for r in rows)
        if not ids:
            return []
        return self._tasks_as_of(day, "id IN (SELECT value FROM json_each(?))", [json.dumps(ids)])

    def _recipients(self, book: Rulebook, to: str, task: Task, on: dt.date) -> tuple[str, ...]:
        """The agencies a notice addressed to ``to`` (a role or an agency code) goes to, under
        ``book``, the rules the task's cycle followed on day ``on``."""
        if to == "participant":
            to = "overseer"  # a notice to "everyone with a role" would go to every agency
        if to in ROLES:
            return book.role_holders(cast(Role, to), task, on)
        return (book.succession.holder(to, on),)


def _marks(values: Sequence[object]) -> str:
    """SQL placeholders for ``values``."""
    return ", ".join("?" * len(values))
