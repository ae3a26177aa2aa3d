"""Random triggers by random agencies on random tasks of the 2024 Hà Tĩnh cycle, with the
engine's invariants checked after every step."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, Phase, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from plan161_workflow.calendar import days_late
from plan161_workflow.clock import VIETNAM, FakeClock
from plan161_workflow.engine import Engine
from plan161_workflow.errors import (
    ConsolidationError,
    InvalidTransition,
    NotFound,
    PayloadError,
    PermissionDenied,
    Plan161Error,
)
from plan161_workflow.model.task import Event, Task
from plan161_workflow.rules import load_rules

PLAN = load_rules(Path(__file__).resolve().parent.parent / "rules" / "ha-tinh-161.yaml")
WORKFLOW = PLAN.workflow
TASKS = (
    "2024/II.1/so-gddt",  # coordinating so-tp
    "2024/II.1/ubnd-h-can-loc",  # coordinating so-tp
    "2024/II.2/so-ldtbxh",  # the consolidator's own task; districts coordinate
    "2024/II.4/so-yt",  # districts coordinate
    "2024/V.3/so-tc",  # a duty without a deadline; so-ldtbxh coordinates
    "2024/V.6/ubmttq-tinh",  # the overseer's own duty
)
ACTORS = (
    "so-gddt",
    "ubnd-h-can-loc",
    "so-ldtbxh",
    "so-yt",
    "so-tc",
    "ubmttq-tinh",
    "ubnd-tinh",
    "so-tp",
    "so-khong-ton-tai",
)
TRIGGERS = (
    *(t.trigger for t in WORKFLOW.transitions),
    *(a.trigger for a in WORKFLOW.actions),
    "approve",
)
AGENCIES = frozenset(a.code for a in PLAN.agencies)
PARTICIPANTS = PLAN.participants()
ACTIONS = tuple(a.trigger for a in WORKFLOW.actions)
DEST = {t.trigger: t.dest for t in WORKFLOW.transitions}
ROLES = {t.trigger: t.role for t in (*WORKFLOW.transitions, *WORKFLOW.actions)}
NEEDS = {t.trigger: t.requires for t in (*WORKFLOW.transitions, *WORKFLOW.actions)}
REPORTED_OR_LATER = frozenset(WORKFLOW.states[WORKFLOW.states.index(WORKFLOW.reported_state) :])

VALID = {
    "report": st.fixed_dictionaries(
        {"summary": st.sampled_from(["Báo cáo năm", "Đã hoàn thành"])},
        optional={
            "indicators": st.dictionaries(
                st.sampled_from(["hoi-nghi", "ty-le", "ghi-chu"]),
                st.one_of(st.integers(0, 100), st.sampled_from([0.5, "đạt"])),
                max_size=2,
            ),
            "attachments": st.lists(st.sampled_from(["a.pdf", "b.docx"]), max_size=2),
        },
    ),
    "reason": st.sampled_from(["Thiếu số liệu", "Sai mẫu"]),
    "rating": st.sampled_from([r.code for r in PLAN.rating_scale]),
    "text": st.sampled_from(["Ý kiến", "Số liệu phối hợp"]),
    "agency": st.sampled_from(["so-tp", "so-yt", "so-gddt", "ubnd-h-can-loc", "so-tc"]),
}
JUNK = st.one_of(
    st.none(),
    st.sampled_from(["", "   ", "hoan-thanh-tuyet-voi", "so-khong-ton-tai", "ubnd-cap-huyen"]),
    st.integers(-2, 2),
    st.lists(st.sampled_from(["x", ""]), max_size=2),
    st.fixed_dictionaries(
        {},
        optional={
            "summary": st.sampled_from(["", " ", "ok", None]),
            "indicators": st.sampled_from(
                [{"a": True}, ["a"], {"b": 2}, {1: 1}, {"c": float("nan")}, {"d": -float("inf")}]
            ),
            "attachments": st.sampled_from([[""], "a.pdf", [1], ["a.pdf"]]),
            "extra": st.just(1),
        },
    ),
)
ARG_NAMES = ("report", "reason", "rating", "text", "agency")


@st.composite
def arguments(draw: st.DrawFn, trigger: str) -> tuple[dict[str, Any], bool]:
    """Mostly what ``trigger`` needs, sometimes junk, a missing value or an extra argument;
    and whether the arguments are certainly valid."""
    need = NEEDS.get(trigger)
    out: dict[str, Any] = {}
    clean = True
    if need is not None and draw(st.integers(0, 3)) > 0:
        out[need] = draw(VALID[need])
    elif need is not None:
        out[need] = draw(JUNK)
        clean = False
    if draw(st.integers(0, 9)) == 0:
        extra = draw(st.sampled_from(ARG_NAMES))
        out[extra] = draw(st.one_of(JUNK, VALID[extra]))
        clean = clean and extra != need and out[extra] is None
    return out, clean


def moves(state: str) -> tuple[str, ...]:
    """The state-changing triggers the workflow allows in ``state``."""
    return tuple(t.trigger for t in WORKFLOW.transitions if state in t.source)


def permitted(task: Task, trigger: str, actor: str) -> bool:
    """Whether ``actor`` plays the role ``trigger`` needs on ``task`` (the brief's table)."""
    role = ROLES[trigger]
    if role == "responsible":
        return actor == task.agency
    if role == "coordinating":
        return actor in task.coordinating
    if role == "consolidator":
        # the consolidator's own tasks answer to the PPC (it is not its own subordinate)
        return actor == ("ubnd-tinh" if task.agency == "so-ldtbxh" else "so-ldtbxh")
    if role == "evaluator":
        return actor == "ubnd-tinh"
    assert role == "participant"
    return actor in PARTICIPANTS


def expected_refusal(task: Task, trigger: str, actor: str) -> type[Plan161Error] | None:
    """The error the request must raise whatever its arguments; ``None``: it depends on them."""
    if trigger not in ROLES or actor not in AGENCIES:
        return NotFound
    if not permitted(task, trigger, actor):
        return PermissionDenied
    if task.state == WORKFLOW.final or trigger not in (*moves(task.state), *ACTIONS):
        return InvalidTransition
    return None


def right_actor(task: Task, trigger: str) -> str:
    """The agency that may fire ``trigger`` on ``task`` in the Hà Tĩnh plan."""
    role = ROLES.get(trigger, "responsible")
    if role == "coordinating":
        return task.coordinating[0] if task.coordinating else task.agency
    return {
        "responsible": task.agency,
        "consolidator": "ubnd-tinh" if task.agency == "so-ldtbxh" else "so-ldtbxh",
        "evaluator": "ubnd-tinh",
        "participant": "ubmttq-tinh",
    }[role]


def replay(events: list[Event]) -> tuple[str | None, int, str | None]:
    """(state, version, agency) reached by applying the applied events from the create event."""
    applied = [e for e in events if e.outcome == "applied"]
    assert applied[0].trigger == "create"
    state: str | None = None
    agency: str | None = None
    for e in applied:
        assert e.from_state == state
        state = e.to_state
        if e.trigger == "create":
            agency = e.payload["agency"]
        elif e.trigger == "reassign":
            assert e.payload["previous_agency"] == agency
            agency = e.payload["agency"]
    return state, len(applied), agency


class EngineMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = FakeClock(dt.date(2024, 1, 10))
        self.engine = Engine(PLAN, clock=self.clock)
        self.engine.open_cycle(2024)
        self.refused = 0
        self.applied = 0

    def teardown(self) -> None:
        self.engine.close()

    def row(self, task_id: str) -> dict[str, Any]:
        return attrs.asdict(self.engine.task(task_id))

    # Three rules fire triggers (and one each consolidates and moves the clock), so that most
    # steps fire and tasks get far into the lifecycle.
    @rule(task_id=st.sampled_from(TASKS), data=st.data())
    def fire(self, task_id: str, data: st.DataObject) -> None:
        self.fire_one(task_id, data)

    @rule(task_id=st.sampled_from(TASKS), data=st.data())
    def fire_more(self, task_id: str, data: st.DataObject) -> None:
        self.fire_one(task_id, data)

    @rule(task_id=st.sampled_from(TASKS), data=st.data())
    def fire_again(self, task_id: str, data: st.DataObject) -> None:
        self.fire_one(task_id, data)

    def fire_one(self, task_id: str, data: st.DataObject) -> None:
        before = self.row(task_id)
        task = self.engine.task(task_id)
        # Half the draws lean towards what may succeed, so tasks get far into the lifecycle.
        likely = moves(task.state) or TRIGGERS
        trigger = data.draw(
            st.one_of(st.sampled_from(TRIGGERS), st.sampled_from(likely)), label="trigger"
        )
        actor = data.draw(
            st.one_of(st.sampled_from(ACTORS), st.just(right_actor(task, trigger))), label="actor"
        )
        kwargs, clean = data.draw(arguments(trigger), label="arguments")
        expected = expected_refusal(task, trigger, actor)
        if trigger == "reassign" and kwargs.get("agency") == task.agency:
            clean = False  # the task is already held by that agency
        events = len(self.engine.history(task_id))
        error: Plan161Error | None = None
        try:
            after = self.engine.fire(task_id, trigger, actor=actor, **kwargs)
        except Plan161Error as exc:  # anything else fails the test
            error = exc
        if expected is not None:
            assert type(error) is expected
        elif clean:
            assert error is None
        else:
            assert error is None or type(error) is PayloadError
        if error is not None:
            self.refused += 1
            assert self.row(task_id) == before
            history = self.engine.history(task_id)
            assert len(history) == events + 1
            last = history[-1]
            assert (last.outcome, last.trigger, last.actor) == ("refused", trigger, actor)
            assert last.from_state == last.to_state == before["state"]
            assert last.payload["error"] == type(error).__name__
        else:
            self.applied += 1
            assert trigger in TRIGGERS[:-1]
            assert after.version == before["version"] + 1
            assert attrs.asdict(after) == self.row(task_id)
            last = self.engine.history(task_id)[-1]
            assert (last.outcome, last.trigger, last.actor) == ("applied", trigger, actor)
            assert (last.from_state, last.to_state) == (before["state"], after.state)
            assert after.state == DEST.get(trigger, before["state"])

    @rule(
        actor=st.sampled_from(ACTORS),
        waive_all=st.booleans(),
        waive=st.lists(st.sampled_from(ACTORS), max_size=3),
    )
    def consolidate_year(self, actor: str, waive_all: bool, waive: list[str]) -> None:
        tasks = self.engine.tasks(year=2024)
        if waive_all:
            waive = sorted({t.agency for t in tasks if t.state in ("assigned", "in_progress")})
        consolidations = len(self.engine.consolidations(2024))
        error: Plan161Error | None = None
        try:
            record = self.engine.consolidate(2024, actor=actor, waive=waive)
        except Plan161Error as exc:  # anything else fails the test
            error = exc
        if error is not None:
            self.refused += 1
            assert [attrs.asdict(t) for t in self.engine.tasks(year=2024)] == [
                attrs.asdict(t) for t in tasks
            ]
            assert len(self.engine.consolidations(2024)) == consolidations
            if isinstance(error, ConsolidationError):
                assert {a for _, a in error.missing} - set(waive)
        else:
            after = {t.id: t for t in self.engine.tasks(year=2024)}
            reported = [t.id for t in tasks if t.state == "reported"]
            assert len(self.engine.consolidations(2024)) == consolidations + 1
            assert list(record.tasks) == reported
            assert record.recipients == ("ubnd-tinh", "bo-ldtbxh")
            for t in tasks:
                expected = "consolidated" if t.id in reported else t.state
                assert after[t.id].state == expected
            event(f"consolidated the year: {len(reported)} task(s)")

    @rule(days=st.integers(0, 120))
    def advance(self, days: int) -> None:
        self.clock.advance(days=days)

    @invariant()
    def tasks_are_consistent(self) -> None:
        tasks = self.engine.tasks(year=2024)
        assert {t.state for t in tasks} <= set(WORKFLOW.states)
        # the 29 tasks no rule fires on stay as created
        assert {(t.state, t.version) for t in tasks if t.id not in TASKS} == {("assigned", 1)}
        for task in (t for t in tasks if t.id in TASKS):
            event(f"state {task.state}")
            assert task.state in WORKFLOW.states
            history = self.engine.history(task.id)
            assert replay(history) == (task.state, task.version, task.agency)
            if task.state in REPORTED_OR_LATER:
                assert task.report is not None
                assert task.report["summary"].strip()
                json.dumps(task.report, allow_nan=False)  # stored as standard JSON
                assert task.reported_at is not None
                due = task.due
                arrived = task.reported_at.astimezone(VIETNAM).date()
                assert task.days_late == (days_late(due, arrived) if due else 0)
            else:
                assert task.report is None or task.days_late is not None
            if task.state == "evaluated":
                applied = [e.to_state for e in history if e.outcome == "applied"]
                assert "consolidated" in applied
                assert applied.index("consolidated") < applied.index("evaluated")
                assert task.rating in {r.code for r in PLAN.rating_scale}
            else:
                assert task.rating is None

    @invariant()
    def remembered_rows_are_the_stored_rows(self) -> None:
        # The store answers fire() from the rows it remembers: they never differ from the database.
        for task_id, task in self.engine.store._tasks.items():
            assert attrs.asdict(task) == self.row(task_id)

    @invariant()
    def counts_add_up(self) -> None:
        counts = self.engine.counts(2024)
        assert set(counts) == set(WORKFLOW.states)
        assert sum(counts.values()) == 35


EngineMachine.TestCase.settings = settings(
    max_examples=80,
    stateful_step_count=60,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    suppress_health_check=[HealthCheck.too_slow],
)
TestEngineMachine = EngineMachine.TestCase
TestEngineMachine.pytestmark = [pytest.mark.slow]  # a long hypothesis.stateful run
