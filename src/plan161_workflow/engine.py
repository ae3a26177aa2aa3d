"""The façade integrators call: wires rules, workflow, calendar and store.

::

    eng = Engine(load_rules("rules/ha-tinh-161.yaml"))      # in memory
    eng = Engine(plan, db="plan.db")                          # a durable file (WAL)
    eng = Engine.open("plan.db")                              # reopen without the rules file
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any

import attrs

from plan161_workflow.calendar import reminder_date
from plan161_workflow.clock import Clock, system_clock, today
from plan161_workflow.cycle import plan_tasks
from plan161_workflow.errors import (
    ConflictError,
    ConsolidationError,
    CycleClosedError,
    NotFound,
    PayloadError,
    PermissionDenied,
    StoreError,
    WorkflowError,
)
from plan161_workflow.model.plan import Plan
from plan161_workflow.model.task import Event, Notice, Task
from plan161_workflow.rules.convert import CONVERTER
from plan161_workflow.store.chain import canonical
from plan161_workflow.store.feed import Change, change_from_row
from plan161_workflow.store.repo import Store
from plan161_workflow.store.verify import VerifyReport, verify
from plan161_workflow.workflow.decide import Rulebook, decide
from plan161_workflow.workflow.replay import replay

_FILTERS = ("year", "state", "agency", "area", "duty")


def rules_digest(plan: Plan) -> tuple[str, str]:
    """(SHA-256 of the plan's canonical JSON, that JSON)."""
    text = canonical(CONVERTER.unstructure(plan))
    return hashlib.sha256(text.encode("utf-8")).hexdigest(), text


class Engine:
    """Runs a plan's reporting cycles on a SQLite database.

    Args:
        plan: the validated plan (``load_rules``).
        db: ``None`` for an in-memory database, or the path of a database file.
        clock: returns the current time; defaults to the system clock in Vietnam's time zone.
    """

    def __init__(
        self, plan: Plan, db: str | os.PathLike[str] | None = None, clock: Clock | None = None
    ) -> None:
        self.clock: Clock = clock or system_clock
        self.store = Store(db)
        digest, text = rules_digest(plan)
        self.store.save_rules(digest, text, self.clock())
        self._use(plan, digest)

    @classmethod
    def open(cls, path: str | os.PathLike[str], clock: Clock | None = None) -> Engine:
        """Reopen a database with the rules it was last opened with.

        Raises:
            StoreError: the file is missing, not a plan161 database, or holds no rules.
        """
        if not os.path.exists(path):
            raise StoreError(
                f"{os.fspath(path)} does not exist; create it with Engine(plan, db=...)"
                " or 'plan161 simulate'"
            )
        self = cls.__new__(cls)
        self.clock = clock or system_clock
        self.store = Store(path)
        latest = self.store.latest_rules()
        if latest is None:
            self.store.close()
            raise StoreError(f"{os.fspath(path)} holds no rules; open it with Engine(plan, db=...)")
        digest, text = latest
        try:
            plan = CONVERTER.structure(json.loads(text), Plan)
        except Exception as exc:
            self.store.close()
            raise StoreError(
                f"the rules stored in {os.fspath(path)} cannot be read ({type(exc).__name__}); "
                "the file was changed outside plan161 or by a newer version"
            ) from exc
        self._use(plan, digest)
        return self

    def _use(self, plan: Plan, digest: str) -> None:
        self.plan = plan
        self.rules_hash = digest
        self.book = Rulebook(plan)
        self._books: dict[str, Rulebook] = {digest: self.book}
        self._ceased_seen: dict[str, frozenset[str]] = {}
        self.calendar = self.book.calendar

    def book_for(self, digest: str) -> Rulebook:
        """The rulebook of a recorded rules version (each cycle keeps the one it was opened or
        last amended with)."""
        book = self._books.get(digest)
        if book is None:
            plan = CONVERTER.structure(json.loads(self.store.rules_json(digest)), Plan)
            book = self._books[digest] = Rulebook(plan)
        return book

    def cycle_book(self, year: int) -> Rulebook:
        """The rulebook the cycle of ``year`` follows (the current one if not opened yet)."""
        cycle = self.store.cycle(year)
        return self.book_for(cycle["rules_hash"]) if cycle else self.book

    # -- lifecycle of the engine -------------------------------------------------------------
    def close(self) -> None:
        """Close the database connection."""
        self.store.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- cycles ------------------------------------------------------------------------------
    def open_cycle(self, year: int) -> list[Task]:
        """Open the reporting cycle of ``year`` and return its tasks.

        Opening a year again creates only the tasks that are missing (none, with unchanged rules)
        and never touches existing ones; the cycle keeps the rules version it was opened with.

        Raises:
            CycleClosedError: the year is outside the plan's years, or its cycle is closed.
        """
        book = self.cycle_book(year)
        try:
            tasks = plan_tasks(book.plan, year, book.calendar)
        except ValueError as exc:
            raise CycleClosedError(str(exc)) from exc
        now = self.clock()
        with self.store.write():
            cycle = self.store.cycle(year)
            if cycle and cycle["closed_at"]:
                raise CycleClosedError(f"the {year} cycle was closed on {cycle['closed_at']}")
            if cycle is None:
                self.store.insert_cycle(year, self.rules_hash, now)
                self.store.append_event(
                    task_id=f"cycle/{year}",
                    trigger="open_cycle",
                    from_state=None,
                    to_state="open",
                    actor="rules",
                    at=now,
                    outcome="applied",
                    payload={"rules": self.rules_hash, "tasks": len(tasks)},
                )
            for task in tasks:
                if self.store.insert_task(task):
                    self.store.append_event(
                        task_id=task.id,
                        trigger="create",
                        from_state=None,
                        to_state=task.state,
                        actor="rules",
                        at=now,
                        outcome="applied",
                        version=task.version,
                        payload={
                            "agency": task.agency,
                            "due": task.due.isoformat() if task.due else None,
                        },
                    )
            self._apply_succession(now)
        return self.tasks(year=year)

    def close_cycle(self, year: int, *, actor: str) -> None:
        """Close the cycle of ``year``: no task of it can change afterwards.

        A refused attempt is recorded in the history (on ``cycle/YEAR``).

        Raises:
            NotFound: the cycle was never opened.
            CycleClosedError: the cycle is closed already.
            PermissionDenied: ``actor`` is neither the consolidator nor the evaluator.
        """
        now = self.clock()
        with self._cycle_change(year, "close_cycle", actor, now):
            cycle = self.store.cycle(year)
            if cycle is None:
                raise NotFound("cycle", year, "open it with open_cycle(year)")
            if cycle["closed_at"]:
                raise CycleClosedError(f"the {year} cycle was closed on {cycle['closed_at']}")
            book = self.book_for(cycle["rules_hash"])
            holders = {book.holder(r, today(now)) for r in ("consolidator", "evaluator")}
            if actor not in holders:
                raise PermissionDenied(actor, "close_cycle", f"cycle/{year}", sorted(holders))
            self.store.close_cycle(year, now)
            self.store.append_event(
                task_id=f"cycle/{year}",
                trigger="close_cycle",
                from_state="open",
                to_state="closed",
                actor=actor,
                at=now,
                outcome="applied",
                payload={},
            )

    @contextmanager
    def _cycle_change(
        self, year: int, trigger: str, actor: str, now: dt.datetime
    ) -> Iterator[None]:
        """One transaction for a cycle-level change; a refusal is recorded, then raised.

        Every check of a cycle-level change comes before its first write, so recording the
        refusal commits nothing else.
        """
        refusal: WorkflowError | None = None
        with self.store.write():
            try:
                yield
            except WorkflowError as exc:
                refusal = exc
                self.store.append_event(
                    task_id=f"cycle/{year}",
                    trigger=trigger,
                    from_state=None,
                    to_state=None,
                    actor=actor,
                    at=now,
                    outcome="refused",
                    payload={"error": type(exc).__name__, "message": str(exc)},
                )
        if refusal is not None:
            raise refusal

    # -- changes -----------------------------------------------------------------------------
    def fire(
        self,
        task_id: str,
        trigger: str,
        *,
        actor: str,
        report: dict[str, Any] | None = None,
        reason: str | None = None,
        rating: str | None = None,
        text: str | None = None,
        agency: str | None = None,
        expected_version: int | None = None,
        on_conflict: str = "raise",
        request_id: str | None = None,
    ) -> Task:
        """Fire ``trigger`` on a task as agency ``actor`` and return the task afterwards.

        ``report`` goes with ``submit`` (``{"summary": ..., "indicators": {...},
        "attachments": [...]}``), ``reason`` with ``send_back``, ``rating`` with ``evaluate``,
        ``text`` with ``contribute`` and ``comment``, ``agency`` with ``reassign``.

        ``expected_version`` makes the change conditional on the version the caller read: if
        another writer changed the task since, ``ConflictError`` (``on_conflict="raise"``) or the
        trigger is checked again against the fresh state (``on_conflict="retry"``).
        ``request_id`` makes the call idempotent: repeating it returns the first result and writes
        nothing; the same id with other arguments is refused. A refused attempt is recorded in the
        history and changes nothing.

        Raises:
            NotFound: unknown task, trigger or agency.
            PermissionDenied: the actor may not fire this trigger on this task.
            InvalidTransition: the trigger is not allowed in the task's state.
            PayloadError: a missing summary, rating, reason, text or agency; a reused request id.
            CycleClosedError: the task's cycle is closed.
            AgencyCeasedError: the actor no longer exists (the error names its successor).
            ConflictError: ``expected_version`` is not the task's version.
            StoreError: the database could not be written.
        """
        if on_conflict not in ("raise", "retry"):
            raise ValueError(f"on_conflict must be 'raise' or 'retry', not {on_conflict!r}")
        args = {
            "report": report,
            "reason": reason,
            "rating": rating,
            "text": text,
            "agency": agency,
        }
        key = canonical([task_id, trigger, actor, args]) if request_id is not None else None
        now = self.clock()
        refusal: WorkflowError | None = None
        with self.store.write():
            if request_id is not None:
                earlier = self.store.request(request_id)
                if earlier is not None:
                    return self._repeat(request_id, key, *earlier)
            task, cycle_open, digest = self.store.task_for_update(task_id)
            if expected_version not in (None, task.version) and on_conflict == "raise":
                raise ConflictError(task_id, expected_version or 0, task.version)
            book = self.book_for(digest)
            if cycle_open and book.succession.ceased_by(today(now)):
                if self._ceased_seen.get(digest) != book.succession.ceased_by(today(now)):
                    self._apply_succession(now)  # the first write after an agency ceased
                    task, cycle_open, digest = self.store.task_for_update(task_id)
                task = self._succeed(book, task, now)
            try:
                outcome = decide(book, task, trigger, actor, args, now, cycle_open=cycle_open)
            except WorkflowError as exc:
                refusal = exc
                self.store.append_event(
                    task_id=task.id,
                    trigger=trigger,
                    from_state=task.state,
                    to_state=task.state,
                    actor=actor,
                    at=now,
                    outcome="refused",
                    payload={"error": type(exc).__name__, "message": str(exc)},
                    version=task.version,
                )
            else:
                version = self.store.update_task(task, outcome.updates)
                self.store.append_event(
                    task_id=task.id,
                    trigger=trigger,
                    from_state=task.state,
                    to_state=outcome.to_state,
                    actor=actor,
                    at=now,
                    outcome="applied",
                    payload=outcome.payload,
                    version=version,
                    request_id=request_id,
                    request_key=key,
                )
        if refusal is not None:
            raise refusal
        return attrs.evolve(task, version=version, **outcome.updates)

    def _repeat(
        self, request_id: str, key: str | None, task_id: str, first_key: str, seq: int
    ) -> Task:
        if key != first_key:
            raise PayloadError(
                f"request id {request_id!r} was already used for another request "
                f"(on task {task_id!r}); use a new id for a new request"
            )
        return self._task_as_of(task_id, seq)

    def _succeed(self, book: Rulebook, task: Task, now: dt.datetime) -> Task:
        """Pass ``task`` to the successor of its ceased agency (a recorded ``reassign`` by the
        rules, citing the legal document); unchanged while its agency exists."""
        steps = book.succession.chain(task.agency, today(now), unit=task.unit)
        if not steps or task.state == book.plan.workflow.final:
            return task
        holder = steps[-1][0]
        payload = {
            "agency": holder,
            "previous_agency": task.agency,
            "reason": "succession: " + "; ".join(f"{a} ({basis})" for a, basis in steps),
        }
        version = self.store.update_task(task, {"agency": holder})
        self.store.append_event(
            task_id=task.id,
            trigger="reassign",
            from_state=task.state,
            to_state=task.state,
            actor="rules",
            at=now,
            outcome="applied",
            payload=payload,
            version=version,
        )
        return attrs.evolve(task, agency=holder, version=version)

    def apply_succession(self, as_of: dt.datetime | None = None) -> list[Task]:
        """Pass every unfinished task of an open cycle whose agency has ceased to its successor.

        Also done on its own by ``fire``, ``open_cycle`` and ``consolidate``; call it from a
        nightly job so that no task waits with a ceased agency. Returns the tasks reassigned.
        """
        with self.store.write():
            return self._apply_succession(as_of or self.clock())

    def _apply_succession(self, now: dt.datetime) -> list[Task]:
        moved: list[Task] = []
        for cycle in self.store.cycles():
            if cycle["closed_at"]:
                continue
            book = self.book_for(cycle["rules_hash"])
            ceased_set = book.succession.ceased_by(today(now))
            self._ceased_seen[cycle["rules_hash"]] = ceased_set
            ceased = sorted(ceased_set)
            if not ceased:
                continue
            marks = ", ".join("?" * len(ceased))
            for task in self.store.select_tasks(
                f"year = ? AND agency IN ({marks}) AND state != ?",
                [cycle["year"], *ceased, book.plan.workflow.final],
            ):
                after = self._succeed(book, task, now)
                if after is not task:
                    moved.append(after)
        return moved

    def _task_as_of(self, task_id: str, seq: int) -> Task:
        """The task as it was right after event ``seq``, rebuilt from its history."""
        task = self.task(task_id)
        rows = [r for r in self.store.event_rows_of(task_id) if r["seq"] <= seq]
        cols = replay(rows) or {}
        at = cols.get("reported_at")
        return attrs.evolve(
            task,
            state=cols["state"],
            version=cols["version"],
            agency=cols["agency"],
            report=cols["report"],
            rating=cols["rating"],
            days_late=cols["days_late"],
            reported_at=dt.datetime.fromisoformat(at) if at else None,
        )

    def consolidate(self, year: int, *, actor: str, waive: Iterable[str] = ()) -> dict[str, Any]:
        """Consolidate every reported task of ``year`` in one transaction.

        Fails, changing nothing, while tasks are unreported, unless ``waive`` names each of their
        agencies. Returns the consolidated-report record: tasks, missing, waived, recipients.

        Raises:
            PermissionDenied: ``actor`` is not the consolidator on that day.
            ConsolidationError: unreported tasks whose agencies were not waived.
            NotFound: the cycle was never opened.
            CycleClosedError: the cycle is closed.
        """
        waived = set(waive)
        now = self.clock()
        with self._cycle_change(year, "consolidate_cycle", actor, now):
            cycle = self.store.cycle(year)
            if cycle is None:
                raise NotFound("cycle", year, "open it with open_cycle(year)")
            if cycle["closed_at"]:
                raise CycleClosedError(f"the {year} cycle is closed")
            book = self.book_for(cycle["rules_hash"])
            wf = book.plan.workflow
            sources = next(t.source for t in wf.transitions if t.trigger == "consolidate")
            order = {s: i for i, s in enumerate(wf.states)}
            before = {s for s in wf.states if order[s] < min(order[s] for s in sources)}
            self._apply_succession(now)
            holder = book.holder("consolidator", today(now))
            if actor != holder:
                raise PermissionDenied(actor, "consolidate", f"cycle/{year}", [holder])
            tasks = self.store.select_tasks("year = ?", (year,))
            ready = [t for t in tasks if t.state in sources]
            missing = [t for t in tasks if t.state in before]
            unwaived = [(t.id, t.agency) for t in missing if t.agency not in waived]
            if unwaived:
                raise ConsolidationError(year, unwaived)
            unknown = waived - {t.agency for t in missing}
            if unknown:
                raise PayloadError(
                    f"waive names agencies with nothing missing in {year}: "
                    f"{', '.join(sorted(unknown))}"
                )
            for task in ready:
                version = self.store.update_task(task, {"state": wf.consolidated_state})
                self.store.append_event(
                    task_id=task.id,
                    trigger="consolidate",
                    from_state=task.state,
                    to_state=wf.consolidated_state,
                    actor=actor,
                    at=now,
                    outcome="applied",
                    payload={"bulk": True},
                    version=version,
                )
            record = {
                "year": year,
                "tasks": [t.id for t in ready],
                "missing": [{"task": t.id, "agency": t.agency} for t in missing],
                "waived": sorted(waived),
                "recipients": [
                    book.succession.holder(r, today(now), role="recipient")
                    for r in book.plan.expand(book.plan.roles.recipients)
                ],
            }
            seq = self.store.append_event(
                task_id=f"cycle/{year}",
                trigger="consolidate_cycle",
                from_state="open",
                to_state="open",
                actor=actor,
                at=now,
                outcome="applied",
                payload=record,
            )
            self.store.insert_consolidation(seq, year, now, actor, record)
        return record

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
    def task(self, task_id: str) -> Task:
        """One task.

        Raises:
            NotFound: no such task.
        """
        found = self.store.select_tasks("id = ?", (task_id,))
        if not found:
            raise NotFound("task", task_id, "list tasks with Engine.tasks()")
        return found[0]

    def tasks(
        self,
        year: int | None = None,
        state: str | None = None,
        agency: str | None = None,
        area: str | None = None,
        duty: str | None = None,
    ) -> list[Task]:
        """Tasks matching every filter given (SQL, indexed), ordered by year and id."""
        values = (year, state, agency, area, duty)
        where = [f"{name} = ?" for name, v in zip(_FILTERS, values, strict=True) if v is not None]
        params = [v for v in values if v is not None]
        return self.store.select_tasks(" AND ".join(where), params)

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

    def _open_states(self) -> tuple[str, ...]:
        wf = self.plan.workflow
        order = {s: i for i, s in enumerate(wf.states)}
        return tuple(s for s in wf.states if order[s] < order[wf.reported_state])

    def overdue(self, as_of: dt.date) -> list[Task]:
        """Tasks not yet reported whose last day is before ``as_of``."""
        states = self._open_states()
        return self.store.select_tasks(
            f"due < ? AND state IN ({', '.join('?' * len(states))})",
            [as_of.isoformat(), *states],
        )

    def due_soon(self, as_of: dt.date, days: int) -> list[Task]:
        """Tasks not yet reported whose last day falls within ``days`` days from ``as_of``."""
        states = self._open_states()
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
        states = self._open_states()
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
        if to == "responsible":
            return (task.agency,)
        if to == "coordinating":
            return task.coordinating
        if to in ("consolidator", "evaluator"):
            return (self.book.holder(to, on),)
        if to in ("overseer", "participant"):
            return tuple(sorted(self.book.overseers))
        return (self.book.succession.holder(to, on),)
