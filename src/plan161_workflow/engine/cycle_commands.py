"""The commands that change a reporting cycle: open, consolidate and close it, and amend the
rules it follows (``Engine.cycles()``, a read, is in ``base.py``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from plan161_workflow import inputs, limits
from plan161_workflow.amendment import Amendment, TaskChange, diff_tasks
from plan161_workflow.clock import today
from plan161_workflow.engine.base import EngineBase, rules_digest
from plan161_workflow.errors import (
    ConsolidationError,
    CycleClosedError,
    NotFound,
    PayloadError,
    WorkflowError,
)
from plan161_workflow.model.plan import RULES_ACTOR, Plan
from plan161_workflow.model.records import Consolidation
from plan161_workflow.model.task import Task, cycle_id
from plan161_workflow.workflow.cycle_plan import plan_tasks, task_year
from plan161_workflow.workflow.decide import Rulebook, decide_cycle
from plan161_workflow.workflow.definition import consolidation_states


def _not_yet_due(task: Task, day: dt.date) -> bool:
    """The task's report has not arrived, and its last day is after ``day``."""
    return task.reported_at is None and task.due is not None and task.due > day


class CycleCommands(EngineBase):
    """The commands that change a reporting cycle: open, consolidate, close, amend."""

    # -- cycles ------------------------------------------------------------------------------
    def open_cycle(self, year: int) -> list[Task]:
        """Open the reporting cycle of ``year`` and return its tasks.

        Opening a year again creates only the tasks that are missing (none, with unchanged rules)
        and never touches existing ones; the cycle keeps the rules version it was opened with.

        Raises:
            NotFound: the year is outside the plan's years.
            CycleClosedError: its cycle is closed.
            PayloadError: ``year`` is not a whole number.
        """
        year = inputs.whole(year, "year")
        book = self.cycle_book(year)
        try:
            tasks = plan_tasks(book.plan, year, book.calendar)
        except ValueError as exc:
            raise NotFound("reporting year", year, str(exc)) from exc
        now = self._now()
        with self.store.write():
            cycle = self.store.cycle(year)
            if cycle and cycle["closed_at"]:
                raise CycleClosedError(f"the {year} cycle was closed on {cycle['closed_at']}")
            if cycle is None:
                self.store.insert_cycle(year, self.rules_hash, now)
                self._cycle_event(
                    year,
                    "open_cycle",
                    RULES_ACTOR,
                    now,
                    (None, "open"),
                    {"rules": self.rules_hash, "tasks": len(tasks)},
                )
            for task in tasks:
                self._create_task(task, now)
            self._apply_succession(now)
        return self.tasks(year=year)

    def close_cycle(self, year: int, *, actor: str) -> None:
        """Close the cycle of ``year``: no task of it can change afterwards.

        A refused attempt is recorded in the history (on ``cycle/YEAR``).

        Raises:
            NotFound: the cycle was never opened.
            CycleClosedError: the cycle is closed already.
            PermissionDenied: ``actor`` is neither the consolidator nor the evaluator.
            PayloadError: ``year`` or ``actor`` of the wrong type.
        """
        year = inputs.whole(year, "year")
        actor = inputs.text(actor, "actor=", f" (closing the {year} cycle)")
        limits.name(actor, "actor=")
        now = self._now()
        with self._cycle_change(year, "close_cycle", actor, now):
            book = self._open_cycle_book(year)
            book.known_agency(actor, "as actor")
            decide_cycle(book, year, "close_cycle", actor, today(now))
            self.store.close_cycle(year, now)
            self._cycle_event(year, "close_cycle", actor, now, ("open", "closed"), {})

    def consolidation_candidates(
        self,
        year: int,
        period: str | None = None,
        as_of: dt.date | None = None,
        level: str | None = None,
    ) -> tuple[list[Task], list[Task]]:
        """(tasks ``consolidate`` would consolidate, tasks still missing, whose agencies must be
        waived) in the cycle of ``year`` (of one ``period`` when given: an id or a series with
        one period that year), under the cycle's workflow, as ``consolidate`` would see them on
        ``as_of`` (default: today by the engine's clock): a task whose report has not arrived
        and whose due date is after that day is not missing (nor consolidated: it is left for a
        later consolidation). With consolidation levels, those of ``level`` (its members'), or
        of the province (``None``: every other task).

        Raises:
            PayloadError: ``year`` is not a whole number, ``period`` or ``level`` not text.
            NotFound: ``period`` names no period of ``year``; ``level`` no level of the plan.
        """
        year = inputs.whole(year, "year")
        day = today(self._now()) if as_of is None else inputs.day(as_of)
        book = self.cycle_book(year)
        if level is not None:
            book.level_holder(inputs.text(level, "level="), day)  # a known level
        chosen = None if period is None else self.period_of(year, inputs.text(period, "period="))
        tasks = self.store.find_tasks(year=year, period=None if chosen is None else chosen.id)
        return self._candidates(year, _of_level(book, tasks, level), day)

    def _candidates(
        self, year: int, tasks: list[Task], day: dt.date
    ) -> tuple[list[Task], list[Task]]:
        """``consolidation_candidates`` among ``tasks``, the tasks of ``year``, on ``day``."""
        ready_states, missing_states = consolidation_states(self.cycle_book(year).plan.workflow)
        missing = [t for t in tasks if t.state in missing_states and not _not_yet_due(t, day)]
        return [t for t in tasks if t.state in ready_states], missing

    def _open_cycle_book(self, year: int) -> Rulebook:
        """The rulebook of an open cycle.

        Raises:
            NotFound: the cycle was never opened.
            CycleClosedError: the cycle is closed.
        """
        cycle = self.store.cycle(year)
        if cycle is None:
            raise NotFound("cycle", year, "open it with open_cycle(year)")
        if cycle["closed_at"]:
            raise CycleClosedError(f"the {year} cycle was closed on {cycle['closed_at']}")
        return self.book_for(cycle["rules_hash"])

    def _cycle_event(
        self,
        year: int,
        trigger: str,
        actor: str,
        now: dt.datetime,
        states: tuple[str | None, str | None],
        payload: dict[str, Any],
        outcome: str = "applied",
    ) -> int:
        """An event of the cycle itself (``cycle/YEAR``): opened, consolidated, amended, closed,
        or a refused attempt at one of these; returns its sequence number."""
        return self.store.append_event(
            task_id=cycle_id(year),
            trigger=trigger,
            from_state=states[0],
            to_state=states[1],
            actor=actor,
            at=now,
            outcome=outcome,
            payload=payload,
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
                self._cycle_event(
                    year,
                    trigger,
                    actor,
                    now,
                    (None, None),
                    {"error": type(exc).__name__, "message": limits.message(exc)},
                    outcome="refused",
                )
        if refusal is not None:
            raise refusal

    def consolidate(
        self,
        year: int,
        period: str | None = None,
        *,
        actor: str,
        waive: Iterable[str] = (),
        level: str | None = None,
    ) -> Consolidation:
        """Consolidate the reported tasks of one period of ``year`` in one transaction.

        In a plan with consolidation levels, ``level`` names one: its consolidator takes its
        members' tasks only; without it the plan's consolidator takes the rest, the levels' own
        upward reports among them (so the province consolidates once each level has reported,
        or with that level's consolidator waived).

        ``period`` is a period id (``2026S1``) or a series id with one period that year
        (``six-month``); it may be left out only when the plan has a single period series with
        one period in ``year`` (the yearly report of a plan without periods). Only that period's
        tasks are taken; a task not yet due today is never missing. Fails, changing nothing,
        while due tasks are unreported, unless ``waive`` names each of their agencies; a waiver
        belongs to this consolidation only (``ConsolidationError.missing`` lists each task still
        missing with its agency). Returns the consolidated-report record (also in
        ``consolidations(year, period)``), with its ``period``, ``label`` and ``due``.

        Raises:
            PermissionDenied: ``actor`` is not the consolidator on that day.
            ConsolidationError: due unreported tasks whose agencies were not waived.
            NotFound: the cycle was never opened; an unknown period; an unknown agency as actor
                or in ``waive``.
            CycleClosedError: the cycle is closed.
            PayloadError: ``year``, ``period``, ``actor`` or ``waive`` of the wrong type; no
                ``period`` while the plan has several; ``waive`` naming an agency with nothing
                missing.
        """
        year = inputs.whole(year, "year")
        actor = inputs.text(actor, "actor=", f" (consolidating {year})")
        limits.name(actor, "actor=")
        waive = inputs.codes(waive, "waive=")
        limits.codes(waive, "waive=")
        waived = set(waive)
        level = None if level is None else inputs.text(level, "level=")
        if level is not None:
            limits.name(level, "level=")
        now = self._now()
        with self._cycle_change(year, "consolidate_cycle", actor, now):
            book = self._open_cycle_book(year)
            instance = self.period_named(year, period, f"consolidate({year})")
            book.known_agency(actor, "as actor")
            for code in sorted(waived):
                book.known_agency(code, "in waive=")
            wf = book.plan.workflow
            self._apply_succession(now)
            decide_cycle(book, year, "consolidate", actor, today(now), level)
            # Acting on them: each row is checked against its history first.
            tasks = self.store.tasks_for_update(year=year, period=instance.id)
            ready, missing = self._candidates(year, _of_level(book, tasks, level), today(now))
            label = str(year) if instance.id == str(year) else f"{instance.label} ({instance.id})"
            if level is not None:
                label += f", {book.levels[level].name}"
            if not ready and not missing:
                raise PayloadError(
                    f"nothing to consolidate in {label}: every due task is "
                    "consolidated already or further along"
                )
            unwaived = [t for t in missing if t.agency not in waived]
            if unwaived:
                raise ConsolidationError(
                    year,
                    [(t.id, t.agency) for t in unwaived],
                    ready=consolidation_states(wf)[0],
                    found=sorted({t.state for t in unwaived}, key=wf.states.index),
                    period=instance.id,
                )
            unknown = waived - {t.agency for t in missing}
            if unknown:
                raise PayloadError(
                    f"waive names agencies with nothing missing in {label}: "
                    f"{', '.join(sorted(unknown))}"
                )
            for task in ready:
                state = {"state": wf.consolidated_state}
                self.store.change(task, state, "consolidate", actor, now, {"bulk": True})
            record: dict[str, Any] = {
                "year": year,
                "period": instance.id,
                "label": instance.label,
                "due": instance.due.isoformat() if instance.due else None,
                "tasks": [t.id for t in ready],
                "missing": [{"task": t.id, "agency": t.agency} for t in missing],
                "waived": sorted(waived),
                "recipients": [
                    book.succession.holder(r, today(now), role="recipient")
                    for r in book.plan.expand(book.plan.roles.recipients)
                ]
                if level is None
                else [book.level_holder(None, today(now))],  # a level reports to the province
            }
            if level is not None:
                record["level"] = level
            seq = self._cycle_event(year, "consolidate_cycle", actor, now, ("open", "open"), record)
            self.store.insert_consolidation(seq, year, now, actor, record)
        return Consolidation.from_row({**record, "seq": seq, "at": now.isoformat(), "actor": actor})

    # -- amendments --------------------------------------------------------------------------
    def amend(
        self,
        plan: Plan,
        *,
        scope: str = "open",
        dry_run: bool = True,
        as_of: dt.date | None = None,
    ) -> Amendment:
        """Change the rules mid-course: list (``dry_run``) or apply what changes in open tasks.

        ``scope="open"`` applies the amended plan to every open cycle, in one transaction with
        one event per task changed: new due dates and coordinating agencies, new tasks, withdrawn
        tasks; a task whose report has arrived is never rewritten. ``scope="future"`` leaves open
        cycles on the rules they follow and makes the amended plan the one new cycles open with.
        ``as_of`` (default: today) is the day on which 'becomes overdue' is judged.

        Raises:
            PayloadError: an unknown scope, a plan that is not a ``Plan``, an ``as_of`` that is
                not a day; with ``scope="open"``, an amended workflow without a
                state that tasks of an open cycle are in.
        """
        if scope not in ("open", "future"):
            raise PayloadError(f"scope must be 'open' or 'future', not {scope!r}")
        plan = inputs.plan(plan)
        now = self._now()
        day = today(now) if as_of is None else inputs.day(as_of)
        digest, text = rules_digest(plan)
        book = Rulebook(plan)
        cycles = [c for c in self.store.cycles() if not c["closed_at"]]
        changes: list[TaskChange] = []
        if scope == "open":
            for cycle in cycles:
                if plan.info.first_year <= cycle["year"] <= plan.info.last_year:
                    amended = plan_tasks(plan, cycle["year"], book.calendar)
                else:
                    amended = []
                current = self.store.find_tasks(year=cycle["year"])
                stranded = sorted({t.state for t in current} - set(plan.workflow.states))
                if stranded:
                    raise PayloadError(
                        f"the amended workflow has no state {', '.join(map(repr, stranded))}, "
                        f"in which tasks of the open {cycle['year']} cycle are; keep the "
                        "state(s) in the workflow, or amend with scope='future'"
                    )
                cycle_workflow = self.book_for(cycle["rules_hash"]).plan.workflow
                changes += diff_tasks(current, amended, cycle_workflow, day)
        result = Amendment(
            digest, scope, tuple(c["year"] for c in cycles), tuple(changes), applied=not dry_run
        )
        if dry_run:
            return result
        with self.store.write():
            self.store.save_rules(digest, text, now)
            if scope == "open":
                self._apply_amendment(plan, book, digest, changes, now)
        self._use(plan, digest)
        return result

    def _apply_amendment(
        self, plan: Plan, book: Rulebook, digest: str, changes: list[TaskChange], now: dt.datetime
    ) -> None:
        by_task: dict[str, list[TaskChange]] = {}
        for change in changes:
            if not change.skipped:
                by_task.setdefault(change.task_id, []).append(change)
        new_tasks = {
            t.id: t
            for y in {task_year(i) for i in by_task}
            for t in plan_tasks(plan, y, book.calendar)
        }
        for task_id, items in sorted(by_task.items()):
            kinds = {c.kind for c in items}
            if "new" in kinds:
                self._create_task(new_tasks[task_id], now, rules=digest)
                continue
            task = self.store.task_for_update(task_id)[0]
            if "withdrawn" in kinds:
                self.store.delete_task(task)
                self.store.append_event(
                    task_id=task.id,
                    trigger="withdraw",
                    from_state=task.state,
                    to_state=None,
                    actor=RULES_ACTOR,
                    at=now,
                    outcome="applied",
                    version=task.version + 1,
                    payload={"rules": digest},
                )
                continue
            target = new_tasks[task_id]
            updates: dict[str, Any] = {}
            payload: dict[str, Any] = {"rules": digest}
            if "due" in kinds:
                updates["due"] = target.due
                payload["due"] = target.due.isoformat() if target.due else None
                payload["previous_due"] = task.due.isoformat() if task.due else None
            if "coordinating" in kinds:
                updates["coordinating"] = target.coordinating
                payload["coordinating"] = list(target.coordinating)
            self._rules_change(task, "amend", updates, payload, now)
        for year in sorted({c["year"] for c in self.store.cycles() if not c["closed_at"]}):
            self.store.set_cycle_rules(year, digest)
            self._cycle_event(
                year,
                "amend_cycle",
                RULES_ACTOR,
                now,
                ("open", "open"),
                {"rules": digest, "tasks_changed": len(by_task)},
            )


def _of_level(book: Rulebook, tasks: list[Task], level: str | None) -> list[Task]:
    """The ``tasks`` a consolidation of ``level`` takes: its members' (by the agency each task
    was first given to), or, for the province (``None``), every other."""
    if not book.levels:
        return tasks
    chosen = None if level is None else book.levels[level]
    return [t for t in tasks if book.level_of.get(t.original_agency) is chosen]
