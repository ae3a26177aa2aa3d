"""Reading the record: tasks, counts, history, deadlines, notices, the change feed, integrity.

Deadlines and notices read the record as it stood at the end of a day (the store's read models,
``store.asof``): what was recorded later, a report that arrived or an agency that took a task
over, does not leak into a view of an earlier day.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from typing import Any, cast

from plan161_workflow import inputs
from plan161_workflow.calendar import reminded_dues
from plan161_workflow.engine.base import EngineBase
from plan161_workflow.errors import (
    NotFound,
    PayloadError,
)
from plan161_workflow.model.plan import ROLES, Reminder, Role
from plan161_workflow.model.records import Consolidation, Cycle
from plan161_workflow.model.task import Event, Notice, Task
from plan161_workflow.store import asof
from plan161_workflow.store.anchor import Anchor, head_of
from plan161_workflow.store.feed import Change, change_from_row
from plan161_workflow.store.verify import VerifyReport, verify
from plan161_workflow.workflow.decide import Rulebook
from plan161_workflow.workflow.definition import open_states

MAX_WAIT = 86_400
"""The longest ``wait_for_changes`` waits, in seconds (a day)."""


class Queries(EngineBase):
    """Reading the record: tasks, history, deadlines, notices, the change feed, integrity."""

    # -- integrity, integration, backups ------------------------------------------------------
    def head(self) -> Anchor:
        """The anchor of the history: its head hash and event count, to publish or sign
        (``str(anchor)`` is ``HEAD:COUNT``, what ``verify(expect_head=...)`` takes back).

        Raises:
            StoreError: no events yet (nothing to anchor), or the chain's numbering is broken.
        """
        return head_of(self.store.conn, self.store.path or "the database")

    def verify(
        self, expect_head: str | None = None, expect_count: int | None = None
    ) -> VerifyReport:
        """Recompute the hash chain and replay every task from its events.

        ``report.ok`` is True when intact; otherwise ``report.verdict`` says ``tampered`` or
        ``corrupt``, ``first_bad_event`` names the first event that was changed, inserted or
        removed, ``task_problems`` every task whose stored state disagrees with its history or
        whose events do not follow on, and ``record_problems`` the rules, cycle, consolidation
        and request rows that disagree with it. ``expect_head``, an anchor kept elsewhere
        (``HEAD:COUNT`` as ``head()`` gives it, or a head hash, whole or its first 16 or more hex
        digits), also catches a history rewritten with recomputed hashes or cut short;
        ``expect_count`` the number of events it must hold at least.

        Raises:
            PayloadError: ``expect_head`` is not such an anchor (the chain's starting value,
                zeros, is none), or matches two events; ``expect_count`` is not a whole number
                from 1.
        """
        return verify(self.store, expect_head, expect_count)

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

    def wait_for_changes(
        self, after: int = 0, timeout: float = 30.0, limit: int = 100
    ) -> list[Change]:
        """The committed changes after cursor ``after`` (as ``changes``), waiting up to
        ``timeout`` seconds for one when there is none yet; ``[]`` on timeout.

        On PostgreSQL the server tells (``LISTEN``/``NOTIFY`` on channel ``plan161_changes``):
        a host hears of a change from any process or host as it commits, without polling. On a
        SQLite file this looks for another connection's commit every 50 ms.

        Raises:
            PayloadError: ``after`` or ``limit`` as in ``changes``; ``timeout`` not a number of
                seconds from 0 to ``MAX_WAIT`` (a day).
        """
        if (
            isinstance(timeout, bool)
            or not isinstance(timeout, int | float)
            or not 0 <= timeout <= MAX_WAIT
        ):
            raise PayloadError(
                f"timeout must be a number of seconds from 0 to {MAX_WAIT}, not {timeout!r}"
            )
        self.store.watch()  # before looking: a change committed after the look is heard
        found = self.changes(after, limit)
        deadline = time.monotonic() + timeout
        while not found:
            left = deadline - time.monotonic()
            if left <= 0 or not self.store.wait(left):
                return []
            found = self.changes(after, limit)
        return found

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
        found = self.store.state_counts(year)
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

    def consolidations(self, year: int, period: str | None = None) -> list[Consolidation]:
        """Consolidated-report records of ``year`` (of one ``period`` when given: an id, or a
        series with one period that year), oldest first; each names its ``period``.

        Raises:
            PayloadError: ``year`` is not a whole number, or ``period`` is not text.
            NotFound: ``period`` names no period of ``year``.
        """
        year = inputs.whole(year, "year")
        chosen = None if period is None else self.period_id(period, year)
        out = []
        for row in self.store.consolidations(year, chosen):
            try:
                inst = self.period_of(year, str(row["period"]))
            except NotFound:  # a period the cycle's rules no longer name
                out.append(Consolidation.from_row(row))
                continue
            due = inst.due.isoformat() if inst.due else None
            out.append(Consolidation.from_row({**row, "label": inst.label, "due": due}))
        return out

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
            return asof.tasks_as_of(self.store, day)
        return asof.tasks_as_of(self.store, day, year=inputs.whole(year, "year"))

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
        return self._open_tasks(day, due_before=day)

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
        return self._open_tasks(day, due_from=day, due_to=last)

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
            dues = [dt.date.fromisoformat(d) for d in reminders]
            for task in self._open_tasks(day, books=[(book, years)], due_in=dues):
                assert task.due is not None
                for reminder in reminders[task.due.isoformat()]:
                    for to in self._recipients(book, reminder.to, task, day):
                        out.append(
                            Notice(
                                task.id,
                                to,
                                day,
                                reminder.days,
                                task.due,
                                task.agency,
                                reminder.unit,
                            )
                        )
        return sorted(out, key=lambda n: (n.days, n.day_unit, n.task_id, n.to))

    def _cycles_as_of(self, day: dt.date) -> list[dict[str, Any]]:
        """Cycles open by the end of ``day`` (``store.asof.cycles_as_of``), by year."""
        return asof.cycles_as_of(self.store, day)

    def _rulebooks(self, day: dt.date) -> list[tuple[Rulebook, list[int]]]:
        """Each rules version that cycles followed at the end of ``day``, with the years of
        those cycles (cycles not opened by then are left out)."""
        years: dict[str, list[int]] = {}
        for cycle in self._cycles_as_of(day):
            years.setdefault(cycle["rules_hash"], []).append(cycle["year"])
        return [(self.book_for(digest), ys) for digest, ys in years.items()]

    def _open_tasks(
        self,
        day: dt.date,
        books: list[tuple[Rulebook, list[int]]] | None = None,
        **due: Any,
    ) -> list[Task]:
        """Tasks as recorded at the end of ``day`` whose due date then matches ``due``
        (``store.asof.open_task_ids``' conditions) and that were not yet reported then under
        their cycle's workflow, by year and id.

        First the ids, from a view with the due date alone, then those tasks whole: the events
        of the others are read once, not once per column."""
        ids: list[str] = []
        for book, years in self._rulebooks(day) if books is None else books:
            states = open_states(book.plan.workflow)
            ids += asof.open_task_ids(self.store, day, years, states, **due)
        if not ids:
            return []
        return asof.tasks_as_of(self.store, day, ids=ids)

    def _recipients(self, book: Rulebook, to: str, task: Task, on: dt.date) -> tuple[str, ...]:
        """The agencies a notice addressed to ``to`` (a role or an agency code) goes to, under
        ``book``, the rules the task's cycle followed on day ``on``."""
        if to == "participant":
            to = "overseer"  # a notice to "everyone with a role" would go to every agency
        if to in ROLES:
            return book.role_holders(cast(Role, to), task, on)
        return (book.succession.holder(to, on),)
