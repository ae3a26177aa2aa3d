"""Simulate whole reporting cycles on a fake clock, through the public engine API.

Agencies start, coordinating agencies contribute, reports arrive (early, on the last day, late,
never), the consolidator sends some back, consolidates with waivers for the missing, and the
evaluator rates each consolidated task. Behaviour comes from parameters, per agency kind; the
same seed gives the same database, event for event.
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
from plan161_workflow.model.task import Task


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
    """What happened in one simulated year."""

    year: int
    tasks: int
    on_time: int
    late: int
    missing: int
    sent_back: int
    evaluated: int
    consolidator: str
    refused: int


Action = Callable[[], Any]


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

    ``progress`` is called with the number of actions done since the last call.

    Raises:
        Plan161Error: the engine refused something the simulation cannot continue without.
    """
    params = params or SimulationParams()
    rng = random.Random(params.seed)
    return [_Year(engine, clock, year, params, rng).run(progress) for year in years]


class _Year:
    """One simulated year: schedules every agency's actions, then runs them in time order."""

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

    def when(self, day: dt.date) -> dt.datetime:
        return _moment(day, self.rng).replace(tzinfo=self.clock.now.tzinfo)

    def holder(self, role: str) -> str:
        return self.engine.holder(role, today(self.clock.now), year=self.year)

    def fire(self, task_id: str, trigger: str, actor: str | None = None, **kw: Any) -> None:
        """Fire as ``actor``, or as the task's responsible agency at that moment."""
        try:
            who = actor or self.engine.task(task_id).agency
            self.engine.fire(task_id, trigger, actor=who, **kw)
        except Plan161Error:
            self.stats["refused"] += 1  # recorded in the history; the simulation goes on

    def contribute(self, task_id: str, coordinator: str) -> None:
        unit = self.engine.task(task_id).unit
        who = self.engine.holder(coordinator, today(self.clock.now), year=self.year, unit=unit)
        self.fire(task_id, "contribute", who, text=f"Ý kiến phối hợp của {coordinator}")

    def send_back(self, task_id: str) -> None:
        self.fire(
            task_id, "send_back", self.holder("consolidator"), reason="Đề nghị bổ sung số liệu"
        )

    def consolidate(self, only_if_reported: bool = False) -> None:
        ready, missing = self.engine.consolidation_candidates(self.year)
        if only_if_reported and not ready:
            return
        waive = sorted({t.agency for t in missing})
        self.engine.consolidate(self.year, actor=self.holder("consolidator"), waive=waive)

    def plan_task(self, task: Task, main_due: dt.date, consolidate_on: dt.date) -> None:
        plan, rng, params = self.engine.plan, self.rng, self.params
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
        if rng.random() < beh.start_share:
            self.sched.at(self.when(started), partial(self.fire, task.id, "start"))
        for coordinator in task.coordinating:
            if rng.random() < params.contribute_share:
                day = started + dt.timedelta(days=rng.randint(1, 120))
                self.sched.at(self.when(day), partial(self.contribute, task.id, coordinator))
        for overseer in plan.expand(plan.roles.overseers):
            if rng.random() < params.comment_share:
                day = started + dt.timedelta(days=rng.randint(1, 200))
                self.sched.at(
                    self.when(day),
                    partial(
                        self.fire,
                        task.id,
                        "comment",
                        overseer,
                        text="Đề nghị làm rõ kết quả và khó khăn, vướng mắc.",
                    ),
                )
        if arrival is None:
            return
        report = {
            "summary": f"Báo cáo kết quả thực hiện {task.unit} năm {self.year}",
            "indicators": {"hoat_dong": rng.randint(1, 12)},
        }
        submit = partial(self.fire, task.id, "submit", report=report)
        self.sched.at(self.when(arrival), submit)
        early = arrival < consolidate_on - dt.timedelta(days=5)
        if early and rng.random() < params.send_back_share:
            back = arrival + dt.timedelta(days=rng.randint(1, 3))
            self.stats["sent_back"] += 1
            self.sched.at(self.when(back), partial(self.send_back, task.id))
            self.sched.at(self.when(back + dt.timedelta(days=rng.randint(1, 2))), submit)

    def run(self, progress: Callable[[int], None] | None) -> YearSummary:
        engine, clock, params = self.engine, self.clock, self.params
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
        _evaluate(engine, clock, self.year, params, self.rng, consolidate_on)
        if params.close_cycles:
            clock.set(clock.now + dt.timedelta(days=1))
            engine.close_cycle(self.year, actor=self.holder("evaluator"))
        return _summary(engine, self.year, self.stats)


def _evaluate(
    engine: Engine,
    clock: FakeClock,
    year: int,
    params: SimulationParams,
    rng: random.Random,
    consolidated_on: dt.date,
) -> None:
    ratings = [r.code for r in engine.plan.rating_scale]
    tz = clock.now.tzinfo
    for task in engine.tasks(year=year, state=engine.plan.workflow.consolidated_state):
        day = consolidated_on + dt.timedelta(days=rng.randint(1, params.evaluate_within_days))
        clock.set(max(clock.now, _moment(day, rng).replace(tzinfo=tz)))
        late = task.days_late or 0
        # Later reports tend to get lower grades; the scale is listed best first.
        index = min(len(ratings) - 1, int(rng.random() * 2) + (1 if late else 0) + late // 15)
        engine.fire(
            task.id,
            "evaluate",
            actor=engine.holder("evaluator", today(clock.now), year=year),
            rating=ratings[index],
        )


def _summary(engine: Engine, year: int, stats: Counter[str]) -> YearSummary:
    tasks = engine.tasks(year=year)
    final = engine.plan.workflow.final
    record = engine.consolidations(year)
    return YearSummary(
        year=year,
        tasks=len(tasks),
        on_time=sum(1 for t in tasks if t.days_late == 0),
        late=sum(1 for t in tasks if t.days_late),
        missing=sum(1 for t in tasks if t.reported_at is None),
        sent_back=stats["sent_back"],
        evaluated=sum(1 for t in tasks if t.state == final),
        consolidator=record[-1]["actor"] if record else "",
        refused=stats["refused"],
    )
