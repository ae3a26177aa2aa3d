"""Reading the record: tasks, counts, history, deadlines, notices, the change feed, integrity."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any, cast

from plan161_workflow.calendar import reminder_date
from plan161_workflow.engine.base import EngineBase
from plan161_workflow.errors import (
    NotFound,
)
from plan161_workflow.model.plan import ROLES, Role
from plan161_workflow.model.task import Event, Notice, Task
from plan161_workflow.store.feed import Change, change_from_row
from plan161_workflow.store.verify import VerifyReport, verify
from plan161_workflow.workflow.definition import open_states


class Queries(EngineBase):
    """Reading the record: tasks, history, deadlines, notices, the change feed, integrity."""

    # -- integrity, integration, backups ------------------------------------------------------
    def verify(self, expect_head: str | None = None) -> VerifyReport:
        """Recompute the hash chain and replay every task from its events.

        ``report.ok`` is True when intact; otherwise ``first_bad_event`` names the first event
        that was changed, inserted or removed, and ``task_problems`` every task whose stored state
        disagrees with its history. ``expect_head`` (a head hash kept elsewhere) also catches a
        history rewritten with recomputed hashes.
        """
        return verify(self.store.conn, expect_head)

    def changes(self, after: int = 0, limit: int = 100) -> list[Change]:
        """Committed changes after cursor ``after``, oldest first, at most ``limit``.

        The cursor is the change's ``seq``: poll with the last one seen to resume without missing
        or repeating a change. Refused attempts are history, not changes, and are not listed.
        """
        if limit < 1:
            raise ValueError(f"limit must be at least 1, not {limit}")
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
        """Tasks per state in ``year`` (every workflow state, zeros included)."""
        rows = self.store.conn.execute(
            "SELECT state, count(*) FROM tasks WHERE year = ? GROUP BY state", (year,)
        )
        found = dict(rows.fetchall())
        return {s: int(found.get(s, 0)) for s in self.plan.workflow.states}

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
        """Tasks not yet reported whose last day is before ``as_of``."""
        states = open_states(self.plan.workflow)
        return self.store.select_tasks(
            f"due < ? AND state IN ({', '.join('?' * len(states))})",
            [as_of.isoformat(), *states],
        )

    def due_soon(self, as_of: dt.date, days: int) -> list[Task]:
        """Tasks not yet reported whose last day falls within ``days`` days from ``as_of``."""
        states = open_states(self.plan.workflow)
        return self.store.select_tasks(
            f"due >= ? AND due <= ? AND state IN ({', '.join('?' * len(states))})",
            [as_of.isoformat(), (as_of + dt.timedelta(days=days)).isoformat(), *states],
        )

    def notices(self, as_of: dt.date) -> list[Notice]:
        """Reminders and escalations due on ``as_of`` for tasks not yet reported.

        A reminder's ``to`` is a role (responsible, consolidator, evaluator, overseer) or an
        agency code; roles resolve to the agencies holding them on that day.
        """
        out: list[Notice] = []
        states = open_states(self.plan.workflow)
        for reminder in self.plan.reminders:
            # The due dates whose reminder falls on as_of (working days stretch the window).
            span = abs(reminder.days) * 3 + 20
            days = (as_of - dt.timedelta(days=d) for d in range(-span, span + 1))
            dues = [
                d.isoformat() for d in days if reminder_date(d, reminder, self.calendar) == as_of
            ]
            if not dues:
                continue
            tasks = self.store.select_tasks(
                f"due IN ({', '.join('?' * len(dues))}) "
                f"AND state IN ({', '.join('?' * len(states))})",
                [*dues, *states],
            )
            for task in tasks:
                assert task.due is not None
                for to in self._recipients(reminder.to, task, as_of):
                    out.append(Notice(task.id, to, as_of, reminder.days, task.due, task.agency))
        return sorted(out, key=lambda n: (n.days, n.task_id, n.to))

    def _recipients(self, to: str, task: Task, on: dt.date) -> tuple[str, ...]:
        """The agencies a notice addressed to ``to`` (a role or an agency code) goes to, under
        the rules of the task's cycle."""
        book = self.cycle_book(task.year)
        if to in ROLES:
            return book.role_holders(cast(Role, to), task, on)
        return (book.succession.holder(to, on),)
