"""Simulate whole reporting cycles on a fake clock, through the public engine API.

Agencies start, coordinating agencies contribute, reports arrive (early, on the last day, late,
never), the consolidator sends some back, consolidates with waivers for the missing, and the
evaluator rates each consolidated task. Behaviour comes from parameters, per agency kind; the
same seed gives the same database, event for event.

What is fired comes from the cycle's workflow (``workflow.script``), so a province's own
workflow is simulated as well.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

import attrs

from plan161_workflow.clock import FakeClock, today
from plan161_workflow.engine import Engine
from plan161_workflow.errors import Plan161Error
from plan161_workflow.model.plan import Plan
from plan161_workflow.model.task import Task
from plan161_workflow.reporting.metrics import rates
from plan161_workflow.workflow.definition import open_states
from plan161_workflow.workflow.script import Script, Step, held_roles, remaining, script_of


@attrs.frozen
class Behaviour:
    """How the agencies of one kind behave; shares are probabilities."""

    late_share: float = 0.2
    """Reports that arrive after the last day."""
    last_day_share: float = 0.2
    """Reports that arrive on the last day."""
    no_show_share: float = 0.05
    """Reports that never arrive."""
    start_share: float = 0.8
    """Tasks started before they are submitted (the rest are submitted straight away)."""
    max_days_late: int = 25
    """Latest arrival, in days after the last day."""


DEFAULT_BEHAVIOUR = Behaviour()
DISTRICT_BEHAVIOUR = Behaviour(late_share=0.3, no_show_share=0.08)


@attrs.frozen
class SimulationParams:
    """Parameters of a simulation; every default is sensible for a provincial plan."""

    seed: int = 161
    """Seed of the random generator: the same seed gives the same database."""
    behaviour: dict[str, Behaviour] = attrs.field(
        factory=lambda: {"district_peoples_committee": DISTRICT_BEHAVIOUR}
    )
    """Behaviour per agency kind; kinds not listed use ``default``."""
    default: Behaviour = DEFAULT_BEHAVIOUR
    """Behaviour of every other kind."""
    send_back_share: float = 0.1
    """Reports the consolidator sends back for revision."""
    contribute_share: float = 0.3
    """Chance that a coordinating agency contributes to a task."""
    comment_share: float = 0.1
    """Chance that an overseer comments on a task."""
    consolidate_after_days: int = 10
    """The consolidator consolidates this many days after the reports' last day."""
    evaluate_within_days: int = 30
    """The evaluator rates within this many days after consolidating."""
    close_cycles: bool = True
    """Close each cycle once evaluated (no change afterwards)."""

    def for_kind(self, kind: str) -> Behaviour:
        """The behaviour of agencies of ``kind``."""
        return self.behaviour.get(kind, self.default)


@attrs.frozen
class YearSummary:
    """What happened in one simulated year. On time, late and missing count the tasks with a
    due date, as the report does; ``no_deadline`` the others."""

    year: int
    tasks: int
    on_time: int
    late: int
    missing: int
    no_deadline: int
    sent_back: int
    evaluated: int
    consolidator: str
    refused: int


# -- the simulation ---------------------------------------------------------------------------

Action = Callable[[], Any]
REASON = "Đề nghị bổ sung số liệu"
REVIEW_TEXT = "Đã kiểm tra, xác nhận báo cáo."
PROGRESS_TEXT = "Cập nhật tình hình triển khai thực hiện nhiệm vụ."
COMMENT_TEXT = "Đề nghị làm rõ kết quả và khó khăn, vướng mắc."


class _Schedule:
    """Actions at moments of simulated time, run in time order (ties in insertion order)."""

    def __init__(self) -> None:
        self._items: list[tuple[dt.datetime, int, Action]] = []

    def at(self, when: dt.datetime, action: Action) -> None:
        self._items.append((when, len(self._items), action))

    def run(self, clock: FakeClock) -> Iterable[None]:
        for when, _, action in sorted(self._items, key=lambda i: (i[0], i[1])):
            clock.set(max(when, clock.now))
            action()
            yield None


def _moment(day: dt.date, rng: random.Random) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(rng.randint(7, 16), rng.randint(0, 59)))


def simulate(
    engine: Engine,
    clock: FakeClock,
    years: Iterable[int],
    params: SimulationParams | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[YearSummary]:
    """Run the reporting cycles of ``years`` on ``engine``, whose clock must be ``clock``.

    Each cycle follows its own workflow (see ``script_of``). ``progress`` is called with the
    number of actions done since the last call. A request the engine refuses is recorded in the
    history and counted in ``YearSummary.refused``; the simulation goes on.

    Raises:
        Plan161Error: the workflow gives the simulation no way through (``script_of``), or the
            engine refused something the simulation cannot continue without.
    """
    params = params or SimulationParams()
    rng = random.Random(params.seed)
    return [_Year(engine, clock, year, params, rng).run(progress) for year in years]


class _Year:
    """One simulated year: schedules every agency's actions, then runs them in time order."""

    plan: Plan
    script: Script
    opened: frozenset[str]
    """The states before the report."""

    def __init__(
        self,
        engine: Engine,
        clock: FakeClock,
        year: int,
        params: SimulationParams,
        rng: random.Random,
    ) -> None:
        self.engine, self.clock, self.year, self.params, self.rng = engine, clock, year, params, rng
        self.stats: Counter[str] = Counter()
        self.sched = _Schedule()
        self.reports: dict[str, dict[str, Any]] = {}

    def when(self, day: dt.date) -> dt.datetime:
        return _moment(day, self.rng).replace(tzinfo=self.clock.now.tzinfo)

    def holder(self, role: str) -> str:
        return self.engine.holder(role, today(self.clock.now), year=self.year)

    def fire(self, task_id: str, trigger: str, actor: str, **kw: Any) -> bool:
        """Fire as ``actor``; whether the engine accepted it."""
        try:
            self.engine.fire(task_id, trigger, actor=actor, **kw)
        except Plan161Error:
            self.stats["refused"] += 1  # recorded in the history; the simulation goes on
            return False
        return True

    def actor(self, step: Step, task: Task) -> str:
        """Who fires ``step`` on ``task`` now: the holder of the step's role."""
        if step.role in ("consolidator", "evaluator"):
            return self.engine.holder(step.role, today(self.clock.now), year=self.year, task=task)
        if step.role == "coordinating" and task.coordinating:
            return self.holding(task.coordinating[0], task)
        if step.role in ("overseer", "participant"):
            overseers = self.plan.expand(self.plan.roles.overseers)
            return overseers[0] if overseers else self.holder("consolidator")
        # The responsible agency on that day: the engine hands an open task of an agency that
        # has ceased to its successor at this very fire, before judging who may act.
        return self.holding(task.agency, task)

    def holding(self, code: str, task: Task) -> str:
        """The agency holding ``code``'s duty for ``task`` today (successors followed)."""
        return self.engine.holder(code, today(self.clock.now), year=self.year, unit=task.unit)

    def act(self, task: Task, step: Step, actor: str, text: str | None = None) -> bool:
        """Fire ``step`` on ``task`` as ``actor``, carrying what the step requires (a text, by
        default, on the task's progress before the report and on the review after it)."""
        kw: dict[str, Any] = {}
        if step.requires == "report":
            kw["report"] = self.reports.get(task.id)
        elif step.requires == "reason":
            kw["reason"] = REASON
        elif step.requires == "rating":
            kw["rating"] = self.rating(task)
        elif step.requires == "text":
            kw["text"] = text or (PROGRESS_TEXT if step.source in self.opened else REVIEW_TEXT)
        return self.fire(task.id, step.trigger, actor, **kw)

    def rating(self, task: Task) -> str:
        ratings = [r.code for r in self.plan.rating_scale]
        late = task.days_late or 0
        # Later reports tend to get lower grades; the scale is listed best first.
        index = min(len(ratings) - 1, int(self.rng.random() * 2) + (1 if late else 0) + late // 15)
        return ratings[index]

    def advance(self, task_id: str, path: tuple[Step, ...]) -> None:
        """Fire the rest of ``path`` from the task's state now (nothing if it is not on it)."""
        task = self.engine.task(task_id)
        self.fire_all(task, remaining(path, task.state))

    def submit(self, task_id: str) -> None:
        task = self.engine.task(task_id)
        # From a state no report leaves, the engine refuses: counted, and shown by the CLI.
        path = self.script.submit_from(task.state) or self.script.submit_from(
            self.plan.workflow.initial
        )
        self.fire_all(task, path)  # the consolidator may accept first

    def fire_all(self, task: Task, steps: tuple[Step, ...]) -> None:
        """Fire ``steps`` in turn, each by the holder of its role, until one is refused."""
        for step in steps:
            if not self.act(task, step, self.actor(step, task)):
                return

    def contribute(self, task_id: str, coordinator: str, step: Step) -> None:
        task = self.engine.task(task_id)
        self.act(task, step, self.holding(coordinator, task), f"Ý kiến phối hợp của {coordinator}")

    def comment(self, task_id: str, overseer: str, step: Step) -> None:
        self.act(self.engine.task(task_id), step, overseer, COMMENT_TEXT)

    def consolidate(self, only_if_reported: bool = False) -> None:
        # The reports still under review are reviewed before they are consolidated.
        pending = {step.source for step in self.script.review}
        for task in self.engine.tasks(year=self.year) if pending else ():
            if task.state in pending:
                self.advance(task.id, self.script.review)
        ready, missing = self.engine.consolidation_candidates(
            self.year, as_of=today(self.clock.now)
        )
        if only_if_reported and not ready:
            return
        waive = sorted({t.agency for t in missing})
        self.engine.consolidate(self.year, actor=self.holder("consolidator"), waive=waive)

    def plan_task(self, task: Task, main_due: dt.date, consolidate_on: dt.date) -> None:
        plan, rng, params, script = self.plan, self.rng, self.params, self.script
        beh = params.for_kind(plan.agency(task.original_agency).kind)
        due = task.due or main_due
        roll = rng.random()
        arrival: dt.date | None
        if roll < beh.no_show_share:
            arrival = None
        elif roll < beh.no_show_share + beh.late_share:
            arrival = due + dt.timedelta(days=rng.randint(1, beh.max_days_late))
        elif roll < beh.no_show_share + beh.late_share + beh.last_day_share:
            arrival = due
        else:
            arrival = due - dt.timedelta(days=rng.randint(1, 60))
        started = dt.date(self.year, 1, 15) + dt.timedelta(days=rng.randint(0, 150))
        start = script.start
        if rng.random() >= beh.start_share:  # the agency does not start; others' steps go on
            start = start[: next((i for i, s in enumerate(start) if s.role == "responsible"), None)]
        day = started
        for i, step in enumerate(start):
            day += dt.timedelta(days=rng.randint(1, 20) if i else 0)
            self.sched.at(self.when(day), partial(self.advance, task.id, (step,)))
        for coordinator in task.coordinating:
            if rng.random() < params.contribute_share and script.contribute:
                day = started + dt.timedelta(days=rng.randint(1, 120))
                act = partial(self.contribute, task.id, coordinator, script.contribute)
                self.sched.at(self.when(day), act)
        for overseer in plan.expand(plan.roles.overseers):
            if rng.random() < params.comment_share and script.comment:
                day = started + dt.timedelta(days=rng.randint(1, 200))
                act = partial(self.comment, task.id, overseer, script.comment)
                self.sched.at(self.when(day), act)
        if arrival is None:
            return
        self.reports[task.id] = {
            "summary": f"Báo cáo kết quả thực hiện {task.unit} năm {self.year}",
            "indicators": {"hoat_dong": rng.randint(1, 12)},
        }
        submit = partial(self.submit, task.id)
        self.sched.at(self.when(arrival), submit)
        early = arrival < consolidate_on - dt.timedelta(days=5)
        if early and script.send_back and rng.random() < params.send_back_share:
            back = arrival + dt.timedelta(days=rng.randint(1, 3))
            self.stats["sent_back"] += 1
            self.sched.at(self.when(back), partial(self.advance, task.id, (script.send_back,)))
            arrival = back + dt.timedelta(days=rng.randint(1, 2))
            self.sched.at(self.when(arrival), submit)
        if script.review:  # reviewed within days of the last arrival, if before consolidating
            day = arrival + dt.timedelta(days=rng.randint(1, 3))
            self.sched.at(self.when(day), partial(self.advance, task.id, script.review))

    def run(self, progress: Callable[[int], None] | None) -> YearSummary:
        engine, clock, params = self.engine, self.clock, self.params
        self.plan = engine.cycle_book(self.year).plan  # the rules the cycle follows
        self.script = script_of(self.plan.workflow, held_roles(self.plan))
        self.opened = frozenset(open_states(self.plan.workflow))
        clock.set(max(clock.now, self.when(dt.date(self.year, 1, 2))))
        tasks = engine.open_cycle(self.year)
        dues = [t.due for t in tasks if t.due]
        main_due = max(dues) if dues else dt.date(self.year, 11, 30)
        consolidate_on = main_due + dt.timedelta(days=params.consolidate_after_days)
        for task in tasks:
            self.plan_task(task, main_due, consolidate_on)
        self.sched.at(self.when(consolidate_on), self.consolidate)
        # Reports that arrive after the consolidation are consolidated once more, later.
        again = main_due + dt.timedelta(days=max(params.consolidate_after_days + 20, 30))
        self.sched.at(self.when(again), partial(self.consolidate, only_if_reported=True))
        for _ in self.sched.run(clock):
            if progress:
                progress(1)
        self.evaluate(consolidate_on)
        if params.close_cycles:
            clock.set(clock.now + dt.timedelta(days=1))
            engine.close_cycle(self.year, actor=self.holder("evaluator"))
        return self.summary()

    def evaluate(self, consolidated_on: dt.date) -> None:
        within = self.params.evaluate_within_days
        for task in self.engine.tasks(year=self.year, state=self.plan.workflow.consolidated_state):
            day = consolidated_on + dt.timedelta(days=self.rng.randint(1, within))
            self.clock.set(max(self.clock.now, self.when(day)))
            self.advance(task.id, self.script.evaluation)

    def summary(self) -> YearSummary:
        tasks = self.engine.tasks(year=self.year)
        final = self.plan.workflow.final
        record = self.engine.consolidations(self.year)
        (figures,) = rates(self.engine.store, years=[self.year])
        return YearSummary(
            year=self.year,
            tasks=len(tasks),
            on_time=figures.on_time,
            late=figures.late,
            missing=figures.missing,
            no_deadline=figures.no_deadline,
            sent_back=self.stats["sent_back"],
            evaluated=sum(1 for t in tasks if t.state == final),
            consolidator=record[-1].actor if record else "",
            refused=self.stats["refused"],
        )
