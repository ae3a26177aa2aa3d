"""Simulate whole reporting cycles on a fake clock, through the public engine API.

Agencies start, coordinating agencies contribute, reports arrive (early, on the last day, late,
never), the consolidator sends some back, consolidates with waivers for the missing, and the
evaluator rates each consolidated task. Behaviour comes from parameters, per agency kind; the
same seed gives the same database, event for event.

What is fired comes from the cycle's workflow (``workflow.script``), so a province's own
workflow is simulated as well.

Time is one schedule for every year and period: a year opens on 2 January whatever the previous
year still has to do (a report of year N due in N+1 is submitted, consolidated and rated while
year N+1 runs), and each period of a year (6-month, quarterly, monthly, one-off, review) is
consolidated on its own dates and rated once its own reports are in. Work within a period is
drawn at the scale of the period (a month's reports start, arrive early and are commented on
within days, a year's within months).
"""

from __future__ import annotations

import datetime as dt
import heapq
import random
from collections import Counter
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

import attrs

from plan161_workflow.clock import FakeClock, today
from plan161_workflow.engine import Engine
from plan161_workflow.errors import Plan161Error, UnfireableStepError
from plan161_workflow.model.period import PeriodInstance
from plan161_workflow.model.plan import Plan
from plan161_workflow.model.task import Task
from plan161_workflow.reporting.metrics import rates
from plan161_workflow.workflow.cycle_plan import plan_tasks
from plan161_workflow.workflow.definition import open_states
from plan161_workflow.workflow.script import (
    Script,
    Step,
    held_roles,
    remaining,
    script_of,
    unfireable,
)


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
    """Actions at moments of simulated time, run in time order (ties in the order they were
    scheduled); an action may schedule more."""

    def __init__(self) -> None:
        self._heap: list[tuple[dt.datetime, int, Action]] = []
        self._count = 0

    def at(self, when: dt.datetime, action: Action) -> None:
        heapq.heappush(self._heap, (when, self._count, action))
        self._count += 1

    def run(self, clock: FakeClock) -> Iterable[None]:
        while self._heap:
            when, _, action = heapq.heappop(self._heap)
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

    Each cycle follows its own workflow (see ``script_of``). Every year opens on 2 January (or
    when the clock gets there), even while an earlier year's reports are still due, consolidated
    or rated; each period is consolidated on its own dates. ``progress`` is called with the
    number of actions done since the last call. A request the engine refuses is recorded in the
    history and counted in ``YearSummary.refused``; the simulation goes on.

    Raises:
        UnfireableStepError: before anything is done, when a step every task must take under a
            cycle's workflow has, on some tasks, no agency to fire it (``unfireable``).
        Plan161Error: the workflow gives the simulation no way through (``script_of``), or the
            engine refused something the simulation cannot continue without.
    """
    params = params or SimulationParams()
    years = list(years)
    _check_fireable(engine, years)
    rng = random.Random(params.seed)
    sched = _Schedule()
    runs = [_Year(engine, clock, year, params, rng, sched) for year in years]
    zone = clock.now.tzinfo
    for run in runs:
        sched.at(dt.datetime.combine(dt.date(run.year, 1, 2), dt.time(0), zone), run.open)
    for _ in sched.run(clock):
        if progress:
            progress(1)
    return [run.summary() for run in runs]


def _check_fireable(engine: Engine, years: list[int]) -> None:
    """Refuse, before a cycle opens, a workflow with a step the simulation must fire on tasks
    where no agency holds its role.

    Raises:
        UnfireableStepError: the first such step, with its tasks in every year of ``years``.
    """
    found: dict[str, tuple[Step, list[str]]] = {}
    for year in years:
        book = engine.cycle_book(year)
        try:
            tasks = plan_tasks(book.plan, year, book.calendar)
        except ValueError:
            continue  # a year outside the plan: open_cycle says so
        script = script_of(book.plan.workflow, held_roles(book.plan))
        for step, location, lacking in unfireable(book.plan, script, tasks):
            found.setdefault(location, (step, []))[1].extend(lacking)
    for location, (step, lacking) in found.items():
        raise UnfireableStepError(step.trigger, location, step.role, lacking)


@attrs.define
class _Period:
    """One period of a simulated year: its reports' main last day and what is left to do."""

    instance: PeriodInstance
    scale: float
    """Its length against a year's (at most 1): how far apart its agencies' actions are."""
    consolidate_on: dt.date = dt.date.min
    """The day it is first consolidated."""
    pending: int = 0
    """Actions scheduled for it not yet done (its evaluation is drawn when none are left)."""

    def days(self, year_days: int) -> int:
        """``year_days`` scaled to the period, at least one."""
        return max(1, int(year_days * self.scale))


class _Year:
    """One simulated year: schedules every agency's actions of each of its periods on the
    shared schedule, and runs them as they come."""

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
        sched: _Schedule,
    ) -> None:
        self.engine, self.clock, self.year, self.params, self.rng = engine, clock, year, params, rng
        self.sched = sched
        self.stats: Counter[str] = Counter()
        self.reports: dict[str, dict[str, Any]] = {}
        self.periods: dict[str, _Period] = {}
        self.outstanding = 0
        """Actions of the year scheduled and not yet done."""
        self.unrated = 0
        """Periods whose evaluation is not yet drawn."""
        self.closing = False

    def when(self, day: dt.date) -> dt.datetime:
        return _moment(day, self.rng).replace(tzinfo=self.clock.now.tzinfo)

    def later(self, when: dt.datetime, action: Action, period: _Period | None = None) -> None:
        """Schedule ``action`` of this year (of ``period``) at ``when``."""
        self.outstanding += 1
        if period is not None:
            period.pending += 1
        self.sched.at(when, partial(self.done_after, action, period))

    def done_after(self, action: Action, period: _Period | None) -> None:
        """Run ``action``; then rate a period with nothing left to do, and close a year with
        nothing left at all."""
        action()
        self.outstanding -= 1
        if period is not None:
            period.pending -= 1
            if not period.pending:
                self.evaluate(period)
        idle = not self.outstanding and not self.unrated
        if idle and self.params.close_cycles and not self.closing:
            self.closing = True
            self.sched.at(self.clock.now + dt.timedelta(days=1), self.close)

    def close(self) -> None:
        self.engine.close_cycle(self.year, actor=self.holder("evaluator"))

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
        """Who fires ``step`` on ``task`` now: the holder of the step's role (``simulate``
        refused up-front a step with no holder on some task)."""
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

    def act(
        self, task: Task, step: Step, actor: str, text: str | None = None, rating: str = ""
    ) -> bool:
        """Fire ``step`` on ``task`` as ``actor``, carrying what the step requires (a text, by
        default, on the task's progress before the report and on the review after it; a grade
        drawn now unless ``rating`` gives it)."""
        kw: dict[str, Any] = {}
        if step.requires == "report":
            kw["report"] = self.reports.get(task.id)
        elif step.requires == "reason":
            kw["reason"] = REASON
        elif step.requires == "rating":
            kw["rating"] = rating or self.rating(task)
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

    def fire_all(
        self, task: Task, steps: tuple[Step, ...], ratings: dict[Step, str] | None = None
    ) -> None:
        """Fire ``steps`` in turn, each by the holder of its role, until one is refused."""
        for step in steps:
            rating = (ratings or {}).get(step, "")
            if not self.act(task, step, self.actor(step, task), rating=rating):
                return

    def contribute(self, task_id: str, coordinator: str, step: Step) -> None:
        task = self.engine.task(task_id)
        self.act(task, step, self.holding(coordinator, task), f"Ý kiến phối hợp của {coordinator}")

    def comment(self, task_id: str, overseer: str, step: Step) -> None:
        self.act(self.engine.task(task_id), step, overseer, COMMENT_TEXT)

    def consolidate(self, period: str, only_if_reported: bool = False) -> None:
        # The reports still under review are reviewed before they are consolidated.
        pending = {step.source for step in self.script.review}
        for task in self.engine.tasks(year=self.year, period=period) if pending else ():
            if task.state in pending:
                self.advance(task.id, self.script.review)
        # Each level first consolidates its members' reports (its own report upward is a task
        # of the province's), then the province the rest.
        for level in (*self.engine.cycle_book(self.year).levels, None):
            self.consolidate_level(period, level, only_if_reported)

    def consolidate_level(
        self, period: str, level: str | None, only_if_reported: bool = False
    ) -> tuple[int, int]:
        """Consolidate ``period`` at ``level`` (``None``: the province) as its consolidator,
        waiving the missing reports, when there is something to do (with ``only_if_reported``,
        something reported); (reports taken, reports missing)."""
        day = today(self.clock.now)
        ready, missing = self.engine.consolidation_candidates(
            self.year, period=period, as_of=day, level=level
        )
        if (ready or missing) and (ready or not only_if_reported):
            waive = sorted({t.agency for t in missing})
            actor = self.engine.cycle_book(self.year).level_holder(level, day)
            self.engine.consolidate(self.year, period, actor=actor, waive=waive, level=level)
        return len(ready), len(missing)

    def report_upward(self, period: str, task_id: str) -> None:
        """A level consolidates its members' reports (waiving the missing) and submits its own
        consolidated report to the province."""
        level = str(self.engine.task(task_id).duty)
        taken, missing = self.consolidate_level(period, level)
        name = self.engine.cycle_book(self.year).levels[level].name.lower()
        summary = f"Tổng hợp báo cáo {name}: {taken} báo cáo, {missing} chưa gửi"
        self.reports[task_id] = {"summary": summary, "indicators": {"bao_cao": taken}}
        self.submit(task_id)

    def plan_task(self, task: Task, period: _Period, main_due: dt.date) -> None:
        plan, rng, params, script = self.plan, self.rng, self.params, self.script
        consolidate_on, instance = period.consolidate_on, period.instance
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
            arrival = due - dt.timedelta(days=rng.randint(1, period.days(60)))
        # A year's work starts from mid-January to mid-June; a shorter period's, as far in.
        started = instance.start + dt.timedelta(days=int(14 * period.scale))
        started += dt.timedelta(days=rng.randint(0, int(150 * period.scale)))
        start = script.start
        if rng.random() >= beh.start_share:  # the agency does not start; others' steps go on
            start = start[: next((i for i, s in enumerate(start) if s.role == "responsible"), None)]
        day = started
        for i, step in enumerate(start):
            day += dt.timedelta(days=rng.randint(1, period.days(20)) if i else 0)
            self.later(self.when(day), partial(self.advance, task.id, (step,)), period)
        for coordinator in task.coordinating:
            if rng.random() < params.contribute_share and script.contribute:
                day = started + dt.timedelta(days=rng.randint(1, period.days(120)))
                act = partial(self.contribute, task.id, coordinator, script.contribute)
                self.later(self.when(day), act, period)
        for overseer in plan.expand(plan.roles.overseers):
            if rng.random() < params.comment_share and script.comment:
                day = started + dt.timedelta(days=rng.randint(1, period.days(200)))
                act = partial(self.comment, task.id, overseer, script.comment)
                self.later(self.when(day), act, period)
        if arrival is None:
            return
        self.reports[task.id] = {
            "summary": f"Báo cáo kết quả thực hiện {task.unit} {instance.label}",
            "indicators": {"hoat_dong": rng.randint(1, 12)},
        }
        submit = partial(self.submit, task.id)
        self.later(self.when(arrival), submit, period)
        early = arrival < consolidate_on - dt.timedelta(days=5)
        if early and script.send_back and rng.random() < params.send_back_share:
            back = arrival + dt.timedelta(days=rng.randint(1, 3))
            self.stats["sent_back"] += 1
            self.later(self.when(back), partial(self.advance, task.id, (script.send_back,)), period)
            arrival = back + dt.timedelta(days=rng.randint(1, 2))
            self.later(self.when(arrival), submit, period)
        if script.review:  # reviewed within days of the last arrival, if before consolidating
            day = arrival + dt.timedelta(days=rng.randint(1, 3))
            self.later(self.when(day), partial(self.advance, task.id, script.review), period)

    def open(self) -> None:
        """Open the year's cycle and schedule the work of each of its periods."""
        engine, clock, params = self.engine, self.clock, self.params
        self.plan = engine.cycle_book(self.year).plan  # the rules the cycle follows
        self.script = script_of(self.plan.workflow, held_roles(self.plan))
        self.opened = frozenset(open_states(self.plan.workflow))
        clock.set(max(clock.now, self.when(dt.date(self.year, 1, 2))))
        tasks = engine.open_cycle(self.year)
        instances = {i.id: i for i in engine.periods(self.year)}
        by_period: dict[str, list[Task]] = {}
        for task in tasks:
            by_period.setdefault(task.period, []).append(task)
        self.unrated = len(by_period)
        for period_id in sorted(by_period, key=list(instances).index):
            instance, its = instances[period_id], by_period[period_id]
            length = (instance.end - instance.start).days + 1
            period = _Period(instance, min(1.0, length / 365))
            self.periods[period_id] = period
            # A level's own report upward is made when the level has consolidated its members'.
            levels = self.engine.cycle_book(self.year).levels
            upward = [t for t in its if t.duty in levels]
            its = [t for t in its if t.duty not in levels]
            dues = [t.due for t in its if t.due]
            # Without a due date, a year's reports are expected by 30/11 (a month before its end).
            fallback = instance.due or instance.end - dt.timedelta(days=period.days(31))
            main_due = max(dues) if dues else fallback
            period.consolidate_on = main_due + dt.timedelta(days=params.consolidate_after_days)
            for task in its:
                self.plan_task(task, period, main_due)
            for task in upward:  # a few days after its members' last day, before its own
                day = min(main_due + dt.timedelta(days=3), task.due or main_due)
                report = partial(self.report_upward, period_id, task.id)
                self.later(self.when(day), report, period)
            consolidate = partial(self.consolidate, period_id)
            self.later(self.when(period.consolidate_on), consolidate, period)
            # Reports that arrive after the consolidation are consolidated once more, later.
            again = main_due + dt.timedelta(days=max(params.consolidate_after_days + 20, 30))
            self.later(self.when(again), partial(consolidate, only_if_reported=True), period)

    def evaluate(self, period: _Period) -> None:
        """Draw when the evaluator rates each consolidated task of ``period`` (one after the
        other, from now) and what grade, and schedule each rating."""
        self.unrated -= 1
        within = self.params.evaluate_within_days
        moment = self.clock.now
        state = self.plan.workflow.consolidated_state
        for task in self.engine.tasks(year=self.year, period=period.instance.id, state=state):
            day = period.consolidate_on + dt.timedelta(days=self.rng.randint(1, within))
            moment = max(moment, self.when(day))
            steps = remaining(self.script.evaluation, task.state)
            ratings = {s: self.rating(task) for s in steps if s.requires == "rating"}
            self.later(moment, partial(self.rate, task.id, steps, ratings))

    def rate(self, task_id: str, steps: tuple[Step, ...], ratings: dict[Step, str]) -> None:
        self.fire_all(self.engine.task(task_id), steps, ratings)

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
