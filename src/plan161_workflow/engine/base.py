"""The engine's state and the pieces every part of it shares: rules versions, the store, the
clock, and the succession of agencies."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterator
from types import TracebackType
from typing import Any, Self

import attrs

from plan161_workflow import inputs
from plan161_workflow.clock import Clock, system_clock, today
from plan161_workflow.errors import (
    NotFound,
    PayloadError,
    StoreError,
)
from plan161_workflow.model.codec import CONVERTER
from plan161_workflow.model.period import PeriodInstance, year_of
from plan161_workflow.model.plan import RULES_ACTOR, Plan
from plan161_workflow.model.records import Cycle
from plan161_workflow.model.task import Task
from plan161_workflow.periods import find_period, year_instances
from plan161_workflow.store.chain import canonical
from plan161_workflow.store.copy import open_store
from plan161_workflow.store.postgres import is_url, redact
from plan161_workflow.store.replay import replay
from plan161_workflow.store.repo import Store
from plan161_workflow.store.schema import CREATE_HINT
from plan161_workflow.workflow.decide import Rulebook
from plan161_workflow.workflow.definition import open_states

_FILTERS = ("year", "state", "agency", "area", "duty", "period")


def rules_digest(plan: Plan) -> tuple[str, str]:
    """(SHA-256 of the plan's canonical JSON, that JSON)."""
    text = canonical(CONVERTER.unstructure(plan))
    return hashlib.sha256(text.encode("utf-8")).hexdigest(), text


class EngineBase:
    """Runs a plan's reporting cycles on a SQLite or PostgreSQL database.

    Args:
        plan: the validated plan (``load_rules``).
        db: ``None`` for an in-memory database, the path of a SQLite database file, or a
            PostgreSQL URL (``postgresql://user@host/dbname``; ``docs/postgresql.md``).
        clock: returns the current time; defaults to the system clock in Vietnam's time zone.
    """

    def __init__(
        self, plan: Plan, db: str | os.PathLike[str] | None = None, clock: Clock | None = None
    ) -> None:
        plan = inputs.plan(plan)
        if db is not None:
            db = inputs.path(db, "db")
        self.clock: Clock = clock or system_clock
        self.store: Store = open_store(db)
        digest, text = rules_digest(plan)
        self.store.save_rules(digest, text, self._now())
        self._use(plan, digest)

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        clock: Clock | None = None,
        *,
        read_only: bool = False,
    ) -> Self:
        """Reopen an existing database with the rules it was last opened with.

        It never creates a database: a missing or empty file is refused and left as it is
        (``Engine(plan, db=path)`` creates one). An older schema is migrated, unless
        ``read_only``: then nothing is ever written to the file (an older schema is read as it
        is, and any write raises ``StoreError``); a file or folder this process may not write is
        opened with SQLite's ``mode=ro``.

        Raises:
            StoreError: the file is missing or empty, not a plan161 database, holds no rules, or
                cannot be opened (for a read-only folder, the message says it must be writable).
        """
        where = os.fspath(inputs.path(path, "path"))
        if is_url(where):
            where = redact(where)
        self = cls.__new__(cls)
        self.clock = clock or system_clock
        self.store = open_store(path, create=False, read_only=read_only)
        latest = self.store.latest_rules()
        if latest is None:
            self.store.close()
            raise StoreError(
                f"{where} holds no rules: it was created but no plan was ever stored in it; "
                + CREATE_HINT
            )
        digest, text = latest
        try:
            plan = CONVERTER.structure(json.loads(text), Plan)
        except Exception as exc:
            self.store.close()
            raise StoreError(
                f"the rules stored in {where} cannot be read ({type(exc).__name__}); "
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
        last amended with).

        Raises:
            PayloadError: ``digest`` is not text.
            NotFound: no rules version of that digest is recorded.
        """
        digest = inputs.text(digest, "digest")
        book = self._books.get(digest)
        if book is None:
            plan = CONVERTER.structure(json.loads(self.store.rules_json(digest)), Plan)
            book = self._books[digest] = Rulebook(plan)
        return book

    def cycles(self) -> list[Cycle]:
        """Every cycle opened, by year."""
        return [Cycle.from_row(c) for c in self.store.cycles()]

    def holder(
        self,
        code_or_role: str,
        on: dt.date,
        *,
        year: int | None = None,
        unit: str | None = None,
        task: Task | None = None,
    ) -> str:
        """Who acts on day ``on``: for a plan role (``consolidator``, ``evaluator``) its holder,
        or for ``task`` the agency that plays the role on it (the consolidator's own tasks go to
        ``reports_to``, which is also a role here: the agency the consolidator answers to); for
        an agency code, the agency holding its duty (``unit``: an area or duty id), following
        successors. ``year`` picks the rules of that cycle (default: the current rules).
        """
        code_or_role = inputs.text(code_or_role, "code_or_role")
        on = inputs.day(on, "on")
        book = self.cycle_book(inputs.whole(year, "year")) if year is not None else self.book
        if code_or_role in ("consolidator", "evaluator"):
            if task is not None:
                return book.acting(code_or_role, task, on)
            return book.holder(code_or_role, on)
        if code_or_role == "reports_to":
            return book.holder(code_or_role, on)
        role = "recipient" if code_or_role in book.plan.roles.recipients else None
        return book.succession.holder(code_or_role, on, role=role, unit=unit)

    def _now(self) -> dt.datetime:
        """The clock's time in Vietnam's zone (a naive time is taken as Vietnam's): every time
        the engine stores is Vietnam's, so its first ten characters are Vietnam's day, whatever
        the clock's zone.

        Raises:
            PayloadError: the clock gave no datetime, or one outside the years the library
                covers (1901-2099), e.g. ``datetime.max``.
        """
        now = self.clock()
        if not isinstance(now, dt.datetime):
            raise PayloadError(f"the clock must return a datetime, not {type(now).__name__}")
        return inputs.moment(now, "the clock's time")

    def cycle_book(self, year: int) -> Rulebook:
        """The rulebook the cycle of ``year`` follows (the current one if not opened yet).

        Raises:
            PayloadError: ``year`` is not a whole number.
        """
        cycle = self.store.cycle(inputs.whole(year, "year"))
        return self.book_for(cycle["rules_hash"]) if cycle else self.book

    def _year_book(self, year: object) -> tuple[int, Rulebook]:
        """(``year``, the rulebook of its cycle) for a year of the plan or of an opened cycle.

        Raises:
            PayloadError: ``year`` is not a whole number.
            NotFound: no cycle of ``year`` and the rules' years do not include it.
        """
        number = inputs.whole(year, "year")
        book = self.cycle_book(number)
        years = book.plan.info.years
        if number not in years and self.store.cycle(number) is None:
            raise NotFound("reporting year", number, f"the plan's years: {years[0]}-{years[-1]}")
        return number, book

    # -- lifecycle of the engine -------------------------------------------------------------
    def close(self) -> None:
        """Close the database connection."""
        self.store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _succeed(self, book: Rulebook, task: Task, now: dt.datetime) -> Task:
        """Pass ``task`` to the successor of its ceased agency (a recorded ``reassign`` by the
        rules, citing the legal document); unchanged while its agency exists."""
        steps = book.succession.chain(task.agency, today(now), unit=task.unit)
        if not steps or task.state not in open_states(book.plan.workflow):
            return task  # a report that arrived stays with the agency that made it
        holder = steps[-1][0]
        payload = {
            "agency": holder,
            "previous_agency": task.agency,
            "reason": "succession: " + "; ".join(f"{a} ({basis})" for a, basis in steps),
        }
        return self._rules_change(task, "reassign", {"agency": holder}, payload, now)

    def _rules_change(
        self,
        task: Task,
        trigger: str,
        updates: dict[str, Any],
        payload: dict[str, Any],
        now: dt.datetime,
    ) -> Task:
        """A change the rules make (succession, amendment): the row and its event, actor
        ``rules``; returns the task afterwards."""
        return self.store.change(task, updates, trigger, RULES_ACTOR, now, payload)

    def _create_task(self, task: Task, now: dt.datetime, **extra: str) -> bool:
        """Insert a new task with its ``create`` event; False when it exists already."""
        if not self.store.insert_task(task):
            return False
        self.store.append_event(
            task_id=task.id,
            trigger="create",
            from_state=None,
            to_state=task.state,
            actor=RULES_ACTOR,
            at=now,
            outcome="applied",
            version=task.version,
            payload={
                "agency": task.agency,
                "due": task.due.isoformat() if task.due else None,
                "coordinating": list(task.coordinating),  # so that verify can check the row's
                **extra,
            },
        )
        return True

    def apply_succession(self, as_of: dt.datetime | None = None) -> list[Task]:
        """Pass every unfinished task of an open cycle whose agency has ceased to its successor.

        Also done on its own by ``fire``, ``open_cycle`` and ``consolidate``; call it from a
        nightly job so that no task waits with a ceased agency. Returns the tasks reassigned.
        """
        now = self._now() if as_of is None else inputs.moment(as_of)
        with self.store.write():
            return self._apply_succession(now)

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
            states = open_states(book.plan.workflow)
            for task in self.store.tasks_for_update(
                year=cycle["year"], agencies=ceased, states=states
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

    def period_id(self, period: object, year: int | None = None) -> str:
        """The period id that ``period`` names: an id as it is (``2026S1``), or a series id of
        the rules (``six-month``) that has exactly one period in ``year``.

        Raises:
            PayloadError: ``period`` is not text, or a series id without a ``year``.
            NotFound: no such period.
        """
        text = inputs.text(period, "period=")
        try:
            year_of(text)
        except ValueError:
            pass
        else:
            return text
        if year is None:
            raise PayloadError(
                f"period={text!r} is a series id: give the year too, or a period id such as 2026S1"
            )
        return self.period_of(year, text).id

    def period_of(self, year: int, ref: str) -> PeriodInstance:
        """The period of ``year`` named by ``ref`` (an id, or a series with one period that
        year), under the rules of that year's cycle.

        Raises:
            PayloadError: ``year`` is not a whole number, or ``ref`` not text.
            NotFound: no such period that year, or a year outside the plan.
        """
        year, book = self._year_book(year)
        ref = inputs.text(ref, "period=")
        try:
            return find_period(book.plan, year, book.calendar, ref)
        except LookupError as exc:
            raise NotFound("period", ref, str(exc)) from None

    def period_named(self, year: int, period: object, what: str) -> PeriodInstance:
        """The period of ``year`` that ``period`` names (an id, or a series with one period that
        year), or, when ``None``, the only one of a plan with a single period: what a
        consolidation or a report of one period takes (``what`` names it in the error).

        Raises:
            PayloadError: ``period`` is not text, or left out while the plan has several.
            NotFound: no such period in ``year``.
        """
        year, book = self._year_book(year)
        instances = year_instances(book.plan, year, book.calendar)
        if period is None:
            if len(book.plan.period_series()) == 1 and len(instances) == 1:
                return instances[0]
            known = ", ".join(f"{i.id} ({i.label})" for i in instances)
            raise PayloadError(
                f"{what} needs a period (period=, --period): the plan has several; the periods "
                f"of {year}: {known}"
            )
        return self.period_of(year, inputs.text(period, "period="))

    def periods(self, year: int) -> list[PeriodInstance]:
        """The periods of ``year`` under the rules of its cycle, by data cut-off.

        Raises:
            PayloadError: ``year`` is not a whole number.
            NotFound: a year outside the plan (and without a cycle).
        """
        year, book = self._year_book(year)
        return year_instances(book.plan, year, book.calendar)

    def task(self, task_id: str) -> Task:
        """One task.

        Raises:
            NotFound: no such task.
            PayloadError: ``task_id`` is not text.
        """
        found = self.store.find_tasks(id=inputs.text(task_id, "the task id"))
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
        period: str | None = None,
        *,
        limit: int | None = None,
        after: str | None = None,
    ) -> list[Task]:
        """Tasks matching every filter given (indexed), ordered by year and id.

        A page: at most ``limit`` tasks, those after the task ``after`` (the id of the last task
        of the previous page; the order is by year, then id). ``iter_tasks`` walks every page.

        ``period`` is a period id (``2026S1``) or, with ``year``, a period series id of the
        rules that has one period that year (``six-month``).

        Raises:
            PayloadError: ``year`` or ``limit`` is not a whole number (``limit`` from 1), or
                another filter is not text.
            NotFound: ``period`` names no period of the plan.
        """
        return self.store.find_tasks(
            **self._filters(year, state, agency, area, duty, period),
            limit=None if limit is None else inputs.whole(limit, "limit", minimum=1),
            after=None if after is None else inputs.text(after, "after"),
        )

    def _filters(
        self,
        year: object,
        state: object,
        agency: object,
        area: object,
        duty: object,
        period: object,
    ) -> dict[str, Any]:
        """The filters of ``tasks``, checked, as ``Store.find_tasks`` takes them."""
        whole = None if year is None else inputs.whole(year, "year")
        texts = {
            name: None if v is None else inputs.text(v, name)
            for name, v in zip(_FILTERS[1:5], (state, agency, area, duty), strict=True)
        }
        chosen = None if period is None else self.period_id(period, whole)
        return {"year": whole, **texts, "period": chosen}

    def iter_tasks(
        self,
        year: int | None = None,
        state: str | None = None,
        agency: str | None = None,
        area: str | None = None,
        duty: str | None = None,
        period: str | None = None,
        *,
        page: int = 1000,
    ) -> Iterator[Task]:
        """Every task matching the filters (as ``tasks``), streamed a page of ``page`` tasks
        at a time: memory stays bounded however many tasks there are.

        Raises:
            PayloadError: as ``tasks`` (at the call, not at the first task); ``page`` is not a
                whole number from 1.
        """
        size = inputs.whole(page, "page", minimum=1)
        return self._pages(self._filters(year, state, agency, area, duty, period), size)

    def _pages(self, filters: dict[str, Any], page: int) -> Iterator[Task]:
        after: tuple[int, str] | None = None
        while True:
            found = self.store.find_tasks(**filters, limit=page, after=after)
            yield from found
            if len(found) < page:
                return
            after = (found[-1].year, found[-1].id)
