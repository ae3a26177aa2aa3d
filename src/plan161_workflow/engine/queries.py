"""Reading the record: tasks, counts, history, deadlines, notices, the change feed, integrity."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from typing import Any, cast

from plan161_workflow import inputs
from plan161_workflow.calendar import reminder_date
from plan161_workflow.engine.base import EngineBase
from plan161_workflow.errors import (
    NotFound,
)
from plan161_workflow.model.plan import ROLES, Role
from plan161_workflow.model.task import Event, Notice, Task
from plan161_workflow.store.feed import Change, change_from_row
from plan161_workflow.store.verify import VerifyReport, verify
from plan161_workflow.workflow.decide import Rulebook
from plan161_workflow.workflow.definition import open_states


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
            StoreError: the copy could not be written.
        """
        self.store.backup(target)

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
        """
        events = self.store.events(task_id)
        if not events:
            raise NotFound("task", task_id)
        return events

    def consolidations(self, year: int) -> list[dict[str, Any]]:
        """Consolidated-report records of ``year``, oldest first."""
        return self.store.consolidations(year)

    def overdue(self, as_of: dt.date) -> list[Task]:
        """Tasks not yet reported whose last day is before ``as_of``.

        ``as_of`` is a date, or a datetime taken as Vietnam's day at that instant. "Not yet
        reported" follows each cycle's own workflow.

        Raises:
            PayloadError: ``as_of`` is not a date or datetime.
        """
        day = inputs.day(as_of)
        return self._open_tasks("due < ?", [day.isoformat()])

    def due_soon(self, as_of: dt.date, days: int) -> list[Task]:
        """Tasks not yet reported whose last day falls within ``days`` days from ``as_of``.

        Raises:
            PayloadError: ``as_of`` is not a date or datetime; ``days`` is not a whole number
                of at least 0.
        """
        day = inputs.day(as_of)
        days = inputs.whole(days, "days", minimum=0)
        last = day + dt.timedelta(days=days)
        return self._open_tasks("due >= ? AND due <= ?", [day.isoformat(), last.isoformat()])

    def notices(self, as_of: dt.date) -> list[Notice]:
        """Reminders and escalations due on ``as_of`` for tasks not yet reported.

        A reminder's ``to`` is a role (responsible, coordinating, consolidator, evaluator,
        overseer; ``participant`` goes to the overseers) or an agency code; roles resolve to the
        agencies holding them on that day. Each cycle follows its own rules: reminders, calendar
        and workflow.

        Raises:
            PayloadError: ``as_of`` is not a date or datetime.
        """
        day = inputs.day(as_of)
        out: list[Notice] = []
        for book, years in self._rulebooks():
            for reminder in book.plan.reminders:
                # The due dates whose reminder falls on that day (working days stretch the window).
                span = abs(reminder.days) * 3 + 20
                candidates = (day - dt.timedelta(days=d) for d in range(-span, span + 1))
                dues = [
                    d.isoformat()
                    for d in candidates
                    if reminder_date(d, reminder, book.calendar) == day
                ]
                if not dues:
                    continue
                tasks = self._open_tasks(f"due IN ({_marks(dues)})", dues, [(book, years)])
                for task in tasks:
                    assert task.due is not None
                    for to in self._recipients(reminder.to, task, day):
                        out.append(Notice(task.id, to, day, reminder.days, task.due, task.agency))
        return sorted(out, key=lambda n: (n.days, n.task_id, n.to))

    def _rulebooks(self) -> list[tuple[Rulebook, list[int]]]:
        """Each rules version that cycles follow, with the years of those cycles."""
        years: dict[str, list[int]] = {}
        for cycle in self.store.cycles():
            years.setdefault(cycle["rules_hash"], []).append(cycle["year"])
        return [(self.book_for(digest), ys) for digest, ys in years.items()]

    def _open_tasks(
        self,
        where: str,
        params: Sequence[Any],
        books: list[tuple[Rulebook, list[int]]] | None = None,
    ) -> list[Task]:
        """Tasks matching a SQL condition that are not yet reported under their cycle's
        workflow, by year and id."""
        out: list[Task] = []
        for book, years in self._rulebooks() if books is None else books:
            states = open_states(book.plan.workflow)
            out += self.store.select_tasks(
                f"{where} AND year IN ({_marks(years)}) AND state IN ({_marks(states)})",
                [*params, *years, *states],
            )
        return sorted(out, key=lambda t: (t.year, t.id))

    def _recipients(self, to: str, task: Task, on: dt.date) -> tuple[str, ...]:
        """The agencies a notice addressed to ``to`` (a role or an agency code) goes to, under
        the rules of the task's cycle."""
        book = self.cycle_book(task.year)
        if to == "participant":
            to = "overseer"  # a notice to "everyone with a role" would go to every agency
        if to in ROLES:
            return book.role_holders(cast(Role, to), task, on)
        return (book.succession.holder(to, on),)


def _marks(values: Sequence[object]) -> str:
    """SQL placeholders for ``values``."""
    return ", ".join("?" * len(values))
