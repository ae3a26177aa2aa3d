"""The engine on the Hà Tĩnh plan: cycles, the lifecycle, permissions, refusals, consolidation,
history, queries, custom workflows and durable databases."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import attrs
import pytest

from ha_tinh_plan import DISTRICTS, II1_DEPARTMENTS
from plan161_workflow.clock import FakeClock
from plan161_workflow.engine import Engine
from plan161_workflow.errors import (
    ConsolidationError,
    CycleClosedError,
    InvalidTransition,
    NotFound,
    PayloadError,
    PermissionDenied,
    StoreError,
)
from plan161_workflow.model.plan import (
    Agency,
    Plan,
)
from plan161_workflow.model.task import Event, Task
from plan161_workflow.rules import load_rules
from plan161_workflow.workflow.definition import DEFAULT_WORKFLOW, workflow_problems
from workflows import VERIFIED

CONSOLIDATOR = "so-ldtbxh"
EVALUATOR = "ubnd-tinh"
OVERSEER = "ubmttq-tinh"
AREA_TASKS_2024 = frozenset(
    [f"2024/II.1/{a}" for a in (*II1_DEPARTMENTS, *DISTRICTS)]
    + ["2024/II.2/so-ldtbxh", "2024/II.3/so-tnmt"]
    + [f"2024/II.4/{a}" for a in ("so-khcn", "so-nv", "so-yt", "so-ldtbxh")]
    + ["2024/II.5/so-tttt", "2024/II.5/so-gddt"]
)
YEARLY_DUTY_TASKS_2024 = frozenset(
    {"2024/V.3/so-tc", "2024/V.4/so-khdt", "2024/V.5/so-ngv", "2024/V.6/ubmttq-tinh"}
)
REPORT = {
    "summary": "Đã tổ chức 3 hội nghị tuyên truyền",
    "indicators": {"hoi-nghi": 3, "ty-le": 0.85, "ghi-chu": "đạt"},
    "attachments": ["bao-cao-2024.pdf"],
}
GDDT = "2024/II.1/so-gddt"  # responsible so-gddt, coordinating so-tp


def snapshot(engine: Engine, task_id: str) -> dict[str, Any]:
    """Every field of a task, report included (``Task.__eq__`` ignores the report)."""
    return attrs.asdict(engine.task(task_id))


def last_event(engine: Engine, task_id: str) -> Event:
    return engine.history(task_id)[-1]


def bring_to(engine: Engine, task_id: str, state: str) -> Task:
    """Move a task of the default workflow to ``state`` with the right agencies."""
    task = engine.task(task_id)
    path = {
        "assigned": [],
        "in_progress": ["start"],
        "reported": ["submit"],
        "consolidated": ["submit", "consolidate"],
        "evaluated": ["submit", "consolidate", "evaluate"],
    }[state]
    for trigger in path:
        if trigger in ("start", "submit"):
            kwargs: dict[str, Any] = {"actor": task.agency}
            if trigger == "submit":
                kwargs["report"] = REPORT
        elif trigger == "consolidate":
            kwargs = {"actor": CONSOLIDATOR}
        else:
            kwargs = {"actor": EVALUATOR, "rating": "hoan-thanh"}
        task = engine.fire(task_id, trigger, **kwargs)
    assert task.state == state
    return task


def assert_refusal_recorded(
    engine: Engine, task_id: str, before: dict[str, Any], trigger: str, actor: str, error: str
) -> None:
    """The task is unchanged and the refused attempt is the last event of its history."""
    assert snapshot(engine, task_id) == before
    event = last_event(engine, task_id)
    assert event.outcome == "refused"
    assert event.trigger == trigger
    assert event.actor == actor
    assert event.from_state == before["state"]
    assert event.to_state == before["state"]
    assert event.payload["error"] == error


# -- cycles ------------------------------------------------------------------------------------


def test_open_cycle_2024_creates_31_area_tasks_and_4_yearly_duty_tasks(engine: Engine) -> None:
    tasks = engine.open_cycle(2024)

    assert len(tasks) == 35
    area_tasks = [t for t in tasks if t.area is not None]
    assert len(area_tasks) == 31
    assert {t.id for t in area_tasks} == AREA_TASKS_2024
    assert {t.id for t in tasks if t.duty is not None} == YEARLY_DUTY_TASKS_2024
    for t in tasks:
        assert t.year == 2024
        assert t.state == "assigned"
        assert t.version == 1
        assert t.original_agency == t.agency
        assert t.id == f"2024/{t.unit}/{t.agency}"
        assert (t.report, t.reported_at, t.days_late, t.on_time, t.rating) == (
            None,
            None,
            None,
            None,
            None,
        )
    for t in area_tasks:
        assert t.due == dt.date(2024, 11, 30)
        assert t.duty is None
    for t in tasks:
        if t.duty is not None:
            assert t.due is None  # the plan sets no deadline for section V duties
            assert t.area is None


def test_tasks_know_their_coordinating_agencies(engine: Engine) -> None:
    engine.open_cycle(2024)

    assert engine.task("2024/II.1/so-gddt").coordinating == ("so-tp",)
    assert engine.task("2024/II.1/ubnd-h-can-loc").coordinating == ("so-tp",)
    assert engine.task("2024/II.2/so-ldtbxh").coordinating == DISTRICTS
    assert engine.task("2024/II.4/so-yt").coordinating == DISTRICTS
    assert engine.task("2024/V.3/so-tc").coordinating == ("so-ldtbxh",)
    assert engine.task("2024/V.4/so-khdt").coordinating == ()


def test_open_cycle_2025_adds_the_two_once_duties(engine: Engine) -> None:
    tasks = engine.open_cycle(2025)

    assert len(tasks) == 37
    duties = {t.id: t for t in tasks if t.duty is not None}
    assert set(duties) == {
        "2025/V.1-final-evaluation/so-ldtbxh",
        "2025/V.2-summary/so-ldtbxh",
        "2025/V.3/so-tc",
        "2025/V.4/so-khdt",
        "2025/V.5/so-ngv",
        "2025/V.6/ubmttq-tinh",
    }
    assert {t.due for t in tasks if t.area is not None} == {dt.date(2025, 11, 30)}
    assert len(engine.open_cycle(2023)) == 35
    assert engine.tasks(duty="V.1-final-evaluation") == [
        duties["2025/V.1-final-evaluation/so-ldtbxh"]
    ]


def test_opening_a_year_twice_never_duplicates_tasks(engine: Engine, clock: FakeClock) -> None:
    first = engine.open_cycle(2024)
    engine.fire(GDDT, "start", actor="so-gddt")
    before = engine.history(GDDT)
    clock.advance(days=3)

    again = engine.open_cycle(2024)

    assert len(again) == 35
    assert [t.id for t in again] == [t.id for t in first]
    assert engine.task(GDDT).state == "in_progress"
    assert engine.task(GDDT).version == 2
    assert engine.history(GDDT) == before
    assert engine.counts(2024)["assigned"] == 34
    opens = [e for e in engine.history("cycle/2024") if e.trigger == "open_cycle"]
    assert len(opens) == 1
    assert opens[0].payload["tasks"] == 35


@pytest.mark.parametrize("year", [2022, 2026, 1999])
def test_a_year_outside_the_plan_is_refused(engine: Engine, year: int) -> None:
    with pytest.raises(CycleClosedError) as info:
        engine.open_cycle(year)

    assert f"{year} is outside the plan's reporting years 2023-2025" in str(info.value)
    assert engine.tasks() == []
    assert engine.tasks(year=year) == []
    assert engine.store.cycle(year) is None


def test_create_event_starts_every_history(engine: Engine, clock: FakeClock) -> None:
    engine.open_cycle(2024)

    (event,) = engine.history(GDDT)
    assert event.trigger == "create"
    assert event.outcome == "applied"
    assert event.from_state is None
    assert event.to_state == "assigned"
    assert event.actor == "rules"
    assert event.at == clock()
    assert event.payload == {"agency": "so-gddt", "due": "2024-11-30"}


# -- the lifecycle -----------------------------------------------------------------------------

# area -> (task, responsible, a coordinating agency)
WALK = {
    "II.1": ("2024/II.1/so-gddt", "so-gddt", "so-tp"),
    "II.2": ("2024/II.2/so-ldtbxh", "so-ldtbxh", "ubnd-h-can-loc"),
    "II.3": ("2024/II.3/so-tnmt", "so-tnmt", "ubnd-tp-ha-tinh"),
    "II.4": ("2024/II.4/so-yt", "so-yt", "ubnd-h-vu-quang"),
    "II.5": ("2024/II.5/so-tttt", "so-tttt", "ubnd-tx-hong-linh"),
}


def test_walk_covers_every_area(plan: Plan) -> None:
    assert set(WALK) == {a.id for a in plan.areas}


def test_one_task_of_every_area_walks_the_whole_lifecycle(engine: Engine, clock: FakeClock) -> None:
    engine.open_cycle(2024)
    for area, (tid, responsible, coordinator) in WALK.items():
        clock.set(dt.date(2024, 3, 1))
        t = engine.fire(tid, "start", actor=responsible)
        assert (t.state, t.version) == ("in_progress", 2)

        t = engine.fire(tid, "contribute", actor=coordinator, text=f"Số liệu phối hợp {area}")
        assert (t.state, t.version) == ("in_progress", 3)

        t = engine.fire(tid, "comment", actor=OVERSEER, text="Đề nghị bổ sung số liệu")
        assert (t.state, t.version) == ("in_progress", 4)

        clock.set(dt.date(2024, 11, 15))
        t = engine.fire(tid, "submit", actor=responsible, report=REPORT)
        assert (t.state, t.version) == ("reported", 5)
        assert t.report == REPORT
        assert t.reported_at == clock()
        assert (t.days_late, t.on_time) == (0, True)

        t = engine.fire(tid, "send_back", actor=CONSOLIDATOR, reason="Thiếu phụ lục")
        assert (t.state, t.version) == ("in_progress", 6)

        revised = {"summary": "Bản sửa", "indicators": {"hoi-nghi": 4}}
        t = engine.fire(tid, "submit", actor=responsible, report=revised)
        assert (t.state, t.version) == ("reported", 7)
        assert t.report == {"summary": "Bản sửa", "indicators": {"hoi-nghi": 4}, "attachments": []}

        t = engine.fire(tid, "consolidate", actor=CONSOLIDATOR)
        assert (t.state, t.version) == ("consolidated", 8)

        t = engine.fire(tid, "evaluate", actor=EVALUATOR, rating="hoan-thanh-tot")
        assert (t.state, t.version, t.rating) == ("evaluated", 9, "hoan-thanh-tot")

        history = engine.history(tid)
        assert [e.trigger for e in history] == [
            "create",
            "start",
            "contribute",
            "comment",
            "submit",
            "send_back",
            "submit",
            "consolidate",
            "evaluate",
        ]
        assert [e.actor for e in history] == [
            "rules",
            responsible,
            coordinator,
            OVERSEER,
            responsible,
            CONSOLIDATOR,
            responsible,
            CONSOLIDATOR,
            EVALUATOR,
        ]
        assert [e.to_state for e in history] == [
            "assigned",
            "in_progress",
            "in_progress",
            "in_progress",
            "reported",
            "in_progress",
            "reported",
            "consolidated",
            "evaluated",
        ]
        assert {e.outcome for e in history} == {"applied"}
        assert history[2].payload == {"text": f"Số liệu phối hợp {area}"}
        assert history[5].payload == {"reason": "Thiếu phụ lục"}
        assert history[8].payload == {"rating": "hoan-thanh-tot"}

    counts = engine.counts(2024)
    assert counts == {
        "assigned": 30,
        "in_progress": 0,
        "reported": 0,
        "consolidated": 0,
        "evaluated": 5,
    }


def test_submit_straight_from_assigned(engine: Engine) -> None:
    engine.open_cycle(2024)

    t = engine.fire("2024/V.6/ubmttq-tinh", "submit", actor=OVERSEER, report={"summary": "Đã"})

    assert t.state == "reported"
    assert t.report == {"summary": "Đã", "indicators": {}, "attachments": []}
    assert t.days_late == 0  # a duty without a deadline is never late
    assert t.on_time is True


# -- permissions -------------------------------------------------------------------------------

# (trigger, wrong actor, state the task must be in, arguments, who is allowed)
WRONG_ACTORS = [
    ("start", "so-tp", "assigned", {}, ("so-gddt",)),
    ("start", CONSOLIDATOR, "assigned", {}, ("so-gddt",)),
    ("submit", "so-tp", "in_progress", {"report": REPORT}, ("so-gddt",)),
    ("submit", EVALUATOR, "assigned", {"report": REPORT}, ("so-gddt",)),
    ("contribute", "so-tttt", "in_progress", {"text": "ý kiến"}, ("so-tp",)),
    ("contribute", "so-gddt", "in_progress", {"text": "ý kiến"}, ("so-tp",)),
    ("send_back", EVALUATOR, "reported", {"reason": "thiếu"}, (CONSOLIDATOR,)),
    ("send_back", "so-gddt", "reported", {"reason": "thiếu"}, (CONSOLIDATOR,)),
    ("consolidate", EVALUATOR, "reported", {}, (CONSOLIDATOR,)),
    ("consolidate", OVERSEER, "reported", {}, (CONSOLIDATOR,)),
    ("reassign", "so-gddt", "in_progress", {"agency": "so-yt"}, (CONSOLIDATOR,)),
    ("reassign", EVALUATOR, "assigned", {"agency": "so-yt"}, (CONSOLIDATOR,)),
    ("evaluate", CONSOLIDATOR, "consolidated", {"rating": "hoan-thanh"}, (EVALUATOR,)),
    ("evaluate", OVERSEER, "consolidated", {"rating": "hoan-thanh"}, (EVALUATOR,)),
]


@pytest.mark.parametrize(
    ("trigger", "actor", "state", "kwargs", "allowed"),
    WRONG_ACTORS,
    ids=[f"{w[0]}-by-{w[1]}" for w in WRONG_ACTORS],
)
def test_a_wrong_agency_is_denied_and_the_attempt_recorded(
    engine: Engine,
    trigger: str,
    actor: str,
    state: str,
    kwargs: dict[str, Any],
    allowed: tuple[str, ...],
) -> None:
    engine.open_cycle(2024)
    bring_to(engine, GDDT, state)
    before = snapshot(engine, GDDT)

    with pytest.raises(PermissionDenied) as info:
        engine.fire(GDDT, trigger, actor=actor, **kwargs)

    err = info.value
    assert (err.actor, err.trigger, err.task_id, err.allowed) == (actor, trigger, GDDT, allowed)
    assert str(err) == (
        f"agency {actor!r} may not {trigger!r} task {GDDT!r}; allowed: {', '.join(allowed)}"
    )
    assert_refusal_recorded(engine, GDDT, before, trigger, actor, "PermissionDenied")


def test_comment_is_open_to_every_agency_with_a_role_overseer_included(engine: Engine) -> None:
    engine.open_cycle(2024)
    for actor in (OVERSEER, "bo-ldtbxh", EVALUATOR, "so-tc", "ubnd-h-vu-quang", "so-gddt"):
        engine.fire(GDDT, "comment", actor=actor, text=f"ý kiến của {actor}")

    history = engine.history(GDDT)
    assert [e.actor for e in history[1:]] == [
        OVERSEER,
        "bo-ldtbxh",
        EVALUATOR,
        "so-tc",
        "ubnd-h-vu-quang",
        "so-gddt",
    ]
    assert engine.task(GDDT).state == "assigned"
    assert engine.task(GDDT).version == 7


def test_comment_by_an_agency_without_a_role_is_denied(plan: Plan, clock: FakeClock) -> None:
    outsider = Agency(
        code="so-xd",
        name="Sở Xây dựng",
        name_en="Department of Construction",
        kind="department",
        source="added: an agency the plan gives no role",
    )
    engine = Engine(attrs.evolve(plan, agencies=(*plan.agencies, outsider)), clock=clock)
    engine.open_cycle(2024)
    before = snapshot(engine, GDDT)

    with pytest.raises(PermissionDenied) as info:
        engine.fire(GDDT, "comment", actor="so-xd", text="ý kiến")

    assert (info.value.actor, info.value.trigger, info.value.task_id) == ("so-xd", "comment", GDDT)
    assert_refusal_recorded(engine, GDDT, before, "comment", "so-xd", "PermissionDenied")


def test_overseer_can_only_comment_on_others_tasks(engine: Engine) -> None:
    engine.open_cycle(2024)

    for trigger, kwargs in [
        ("start", {}),
        ("submit", {"report": REPORT}),
        ("contribute", {"text": "x"}),
        ("reassign", {"agency": "so-yt"}),
    ]:
        with pytest.raises(PermissionDenied):
            engine.fire(GDDT, trigger, actor=OVERSEER, **kwargs)

    assert [e.outcome for e in engine.history(GDDT)] == ["applied"] + ["refused"] * 4
    assert engine.task(GDDT).version == 1


# -- other refusals ----------------------------------------------------------------------------


def test_unknown_agency_is_refused_and_recorded(engine: Engine) -> None:
    engine.open_cycle(2024)
    before = snapshot(engine, GDDT)

    with pytest.raises(NotFound) as info:
        engine.fire(GDDT, "start", actor="so-khong-co")

    assert (info.value.kind, info.value.key) == ("agency", "so-khong-co")
    assert "unknown agency 'so-khong-co'" in str(info.value)
    assert_refusal_recorded(engine, GDDT, before, "start", "so-khong-co", "NotFound")


def test_unknown_task_is_not_found(engine: Engine) -> None:
    engine.open_cycle(2024)

    with pytest.raises(NotFound) as info:
        engine.fire("2024/II.9/so-gddt", "start", actor="so-gddt")
    assert (info.value.kind, info.value.key) == ("task", "2024/II.9/so-gddt")
    with pytest.raises(NotFound):
        engine.task("2024/II.9/so-gddt")
    with pytest.raises(NotFound):
        engine.history("2024/II.9/so-gddt")

    assert engine.counts(2024)["assigned"] == 35


def test_unknown_trigger_is_refused_and_recorded(engine: Engine) -> None:
    engine.open_cycle(2024)
    before = snapshot(engine, GDDT)

    with pytest.raises(NotFound) as info:
        engine.fire(GDDT, "approve", actor=CONSOLIDATOR)

    assert (info.value.kind, info.value.key) == ("trigger", "approve")
    assert_refusal_recorded(engine, GDDT, before, "approve", CONSOLIDATOR, "NotFound")


def test_trigger_not_allowed_in_state_names_state_trigger_and_allowed(engine: Engine) -> None:
    engine.open_cycle(2024)
    before = snapshot(engine, GDDT)

    with pytest.raises(InvalidTransition) as info:
        engine.fire(GDDT, "evaluate", actor=EVALUATOR, rating="hoan-thanh")

    err = info.value
    assert (err.task_id, err.state, err.trigger) == (GDDT, "assigned", "evaluate")
    assert err.allowed == ("start", "submit", "contribute", "comment", "reassign")
    assert str(err) == (
        f"cannot 'evaluate' task {GDDT!r} in state 'assigned'; "
        "allowed triggers: start, submit, contribute, comment, reassign"
    )
    assert_refusal_recorded(engine, GDDT, before, "evaluate", EVALUATOR, "InvalidTransition")


@pytest.mark.parametrize(
    ("state", "trigger", "actor", "kwargs"),
    [
        ("in_progress", "start", "so-gddt", {}),
        ("reported", "submit", "so-gddt", {"report": REPORT}),
        ("assigned", "send_back", CONSOLIDATOR, {"reason": "x"}),
        ("in_progress", "consolidate", CONSOLIDATOR, {}),
        ("reported", "evaluate", EVALUATOR, {"rating": "hoan-thanh"}),
        ("consolidated", "send_back", CONSOLIDATOR, {"reason": "x"}),
    ],
)
def test_each_trigger_out_of_its_state_is_an_invalid_transition(
    engine: Engine, state: str, trigger: str, actor: str, kwargs: dict[str, Any]
) -> None:
    engine.open_cycle(2024)
    bring_to(engine, GDDT, state)
    before = snapshot(engine, GDDT)

    with pytest.raises(InvalidTransition) as info:
        engine.fire(GDDT, trigger, actor=actor, **kwargs)

    assert (info.value.state, info.value.trigger) == (state, trigger)
    assert trigger not in info.value.allowed
    assert_refusal_recorded(engine, GDDT, before, trigger, actor, "InvalidTransition")


def test_nothing_is_allowed_in_the_final_state(engine: Engine) -> None:
    engine.open_cycle(2024)
    bring_to(engine, GDDT, "evaluated")
    before = snapshot(engine, GDDT)

    with pytest.raises(InvalidTransition) as info:
        engine.fire(GDDT, "comment", actor=OVERSEER, text="sau đánh giá")

    assert info.value.allowed == ()
    assert "allowed triggers: none (final state)" in str(info.value)
    assert_refusal_recorded(engine, GDDT, before, "comment", OVERSEER, "InvalidTransition")


@pytest.mark.parametrize(
    "report",
    [
        None,
        {},
        {"summary": ""},
        {"summary": "   \n"},
        {"summary": None},
        {"indicators": {"a": 1}, "attachments": ["x.pdf"]},
        "chỉ một chuỗi",
        {"summary": "ok", "unexpected": 1},
        {"summary": "ok", "indicators": {"a": True}},
        {"summary": "ok", "indicators": ["a"]},
        {"summary": "ok", "indicators": {"ty-le": float("nan")}},  # not storable as JSON
        {"summary": "ok", "indicators": {"ty-le": float("inf")}},
        {"summary": "ok", "indicators": {1: 2}},
        {"summary": "ok", "attachments": "x.pdf"},
        {"summary": "ok", "attachments": [""]},
    ],
)
def test_submit_without_a_valid_report_is_a_payload_error(engine: Engine, report: Any) -> None:
    engine.open_cycle(2024)
    before = snapshot(engine, GDDT)

    with pytest.raises(PayloadError):
        engine.fire(GDDT, "submit", actor="so-gddt", report=report)

    assert_refusal_recorded(engine, GDDT, before, "submit", "so-gddt", "PayloadError")
    assert engine.task(GDDT).report is None


def test_submit_without_summary_message_names_the_summary(engine: Engine) -> None:
    engine.open_cycle(2024)

    with pytest.raises(PayloadError) as info:
        engine.fire(GDDT, "submit", actor="so-gddt", report={"summary": ""})

    assert str(info.value) == f"'submit' on task {GDDT!r} needs a report with a non-empty summary"


@pytest.mark.parametrize("rating", [None, "", "xuat-sac", "Hoàn thành tốt nhiệm vụ", "HOAN-THANH"])
def test_evaluate_without_a_rating_from_the_scale_is_a_payload_error(
    engine: Engine, rating: str | None
) -> None:
    engine.open_cycle(2024)
    bring_to(engine, GDDT, "consolidated")
    before = snapshot(engine, GDDT)

    with pytest.raises(PayloadError) as info:
        engine.fire(GDDT, "evaluate", actor=EVALUATOR, rating=rating)

    assert "hoan-thanh-xuat-sac, hoan-thanh-tot, hoan-thanh, khong-hoan-thanh" in str(info.value)
    assert_refusal_recorded(engine, GDDT, before, "evaluate", EVALUATOR, "PayloadError")
    assert engine.task(GDDT).rating is None


@pytest.mark.parametrize(
    ("state", "trigger", "actor", "kwargs"),
    [
        ("reported", "send_back", CONSOLIDATOR, {}),
        ("reported", "send_back", CONSOLIDATOR, {"reason": "  "}),
        ("assigned", "contribute", "so-tp", {}),
        ("assigned", "comment", OVERSEER, {"text": ""}),
        ("assigned", "reassign", CONSOLIDATOR, {}),
        ("assigned", "reassign", CONSOLIDATOR, {"agency": "so-khong-co"}),
        ("assigned", "reassign", CONSOLIDATOR, {"agency": "ubnd-cap-huyen"}),  # a group
        ("assigned", "reassign", CONSOLIDATOR, {"agency": "so-gddt"}),  # already holds it
        ("assigned", "reassign", CONSOLIDATOR, {"agency": ["so-yt"]}),
        ("assigned", "start", "so-gddt", {"text": "không cần"}),
    ],
)
def test_other_missing_or_wrong_arguments_are_payload_errors(
    engine: Engine, state: str, trigger: str, actor: str, kwargs: dict[str, Any]
) -> None:
    engine.open_cycle(2024)
    bring_to(engine, GDDT, state)
    before = snapshot(engine, GDDT)

    with pytest.raises(PayloadError):
        engine.fire(GDDT, trigger, actor=actor, **kwargs)

    assert_refusal_recorded(engine, GDDT, before, trigger, actor, "PayloadError")


# -- closed cycles -----------------------------------------------------------------------------


def test_no_change_in_a_closed_cycle(engine: Engine, clock: FakeClock) -> None:
    engine.open_cycle(2024)
    engine.open_cycle(2025)
    bring_to(engine, GDDT, "reported")
    clock.set(dt.date(2025, 1, 15))
    engine.close_cycle(2024, actor=CONSOLIDATOR)
    before = snapshot(engine, GDDT)

    with pytest.raises(CycleClosedError) as info:
        engine.fire(GDDT, "consolidate", actor=CONSOLIDATOR)
    assert "the 2024 cycle is closed" in str(info.value)
    assert_refusal_recorded(engine, GDDT, before, "consolidate", CONSOLIDATOR, "CycleClosedError")

    with pytest.raises(CycleClosedError):
        engine.fire("2024/II.3/so-tnmt", "submit", actor="so-tnmt", report=REPORT)
    with pytest.raises(CycleClosedError):
        engine.consolidate(2024, actor=CONSOLIDATOR, waive=["so-tnmt"])
    with pytest.raises(CycleClosedError):
        engine.open_cycle(2024)

    assert engine.counts(2024) == {
        "assigned": 34,
        "in_progress": 0,
        "reported": 1,
        "consolidated": 0,
        "evaluated": 0,
    }
    assert engine.consolidations(2024) == []
    cycle_events = engine.history("cycle/2024")
    refused = cycle_events[-1]  # the refused consolidation is history too
    assert (refused.trigger, refused.outcome, refused.actor) == (
        "consolidate_cycle",
        "refused",
        CONSOLIDATOR,
    )
    closing = next(e for e in cycle_events if e.trigger == "close_cycle")
    assert (closing.trigger, closing.from_state, closing.to_state, closing.actor) == (
        "close_cycle",
        "open",
        "closed",
        CONSOLIDATOR,
    )
    # the other year is untouched
    t = engine.fire("2025/II.3/so-tnmt", "start", actor="so-tnmt")
    assert t.state == "in_progress"


def test_close_cycle_by_another_agency_is_denied(engine: Engine) -> None:
    engine.open_cycle(2024)

    with pytest.raises(PermissionDenied) as info:
        engine.close_cycle(2024, actor="so-tp")
    assert (info.value.actor, info.value.trigger, info.value.task_id) == (
        "so-tp",
        "close_cycle",
        "cycle/2024",
    )
    with pytest.raises(NotFound):
        engine.close_cycle(2025, actor=CONSOLIDATOR)

    t = engine.fire(GDDT, "start", actor="so-gddt")
    assert t.state == "in_progress"


# -- reassignment ------------------------------------------------------------------------------


def test_reassign_moves_the_task_and_keeps_who_held_it(engine: Engine, clock: FakeClock) -> None:
    engine.open_cycle(2024)
    engine.fire(GDDT, "start", actor="so-gddt")
    clock.advance(days=2)

    t = engine.fire(GDDT, "reassign", actor=CONSOLIDATOR, agency="so-vhttdl")

    assert (t.id, t.agency, t.original_agency, t.state, t.version) == (
        GDDT,
        "so-vhttdl",
        "so-gddt",
        "in_progress",
        3,
    )
    event = last_event(engine, GDDT)
    assert (event.trigger, event.actor, event.from_state, event.to_state) == (
        "reassign",
        CONSOLIDATOR,
        "in_progress",
        "in_progress",
    )
    assert event.payload == {"agency": "so-vhttdl", "previous_agency": "so-gddt"}
    assert [x.id for x in engine.tasks(year=2024, agency="so-vhttdl")] == [
        GDDT,
        "2024/II.1/so-vhttdl",
    ]
    assert [x.id for x in engine.tasks(year=2024, agency="so-gddt")] == ["2024/II.5/so-gddt"]

    before = snapshot(engine, GDDT)
    with pytest.raises(PermissionDenied) as info:
        engine.fire(GDDT, "submit", actor="so-gddt", report=REPORT)
    assert info.value.allowed == ("so-vhttdl",)
    assert_refusal_recorded(engine, GDDT, before, "submit", "so-gddt", "PermissionDenied")

    t = engine.fire(GDDT, "submit", actor="so-vhttdl", report=REPORT)
    assert (t.state, t.agency, t.original_agency) == ("reported", "so-vhttdl", "so-gddt")
    assert last_event(engine, GDDT).actor == "so-vhttdl"


# -- consolidation of a year -------------------------------------------------------------------

LEFT_OUT = {
    "2024/II.1/ubnd-h-vu-quang": "ubnd-h-vu-quang",
    "2024/II.5/so-gddt": "so-gddt",
    "2024/V.6/ubmttq-tinh": "ubmttq-tinh",
}


def report_all_but(engine: Engine, left_out: dict[str, str]) -> list[str]:
    """Submit every 2024 task except ``left_out`` (starting II.5/so-gddt if left out)."""
    submitted = []
    for t in engine.tasks(year=2024):
        if t.id in left_out:
            continue
        engine.fire(t.id, "submit", actor=t.agency, report=REPORT)
        submitted.append(t.id)
    if "2024/II.5/so-gddt" in left_out:
        engine.fire("2024/II.5/so-gddt", "start", actor="so-gddt")
    return submitted


def test_consolidation_fails_listing_the_missing_agencies(engine: Engine) -> None:
    engine.open_cycle(2024)
    report_all_but(engine, LEFT_OUT)
    before = engine.counts(2024)

    with pytest.raises(ConsolidationError) as info:
        engine.consolidate(2024, actor=CONSOLIDATOR)

    err = info.value
    assert err.year == 2024
    assert err.missing == tuple(sorted(LEFT_OUT.items()))
    assert str(err) == (
        "cannot consolidate 2024: 3 task(s) not yet reported (still assigned, in_progress), "
        "of so-gddt, ubmttq-tinh, ubnd-h-vu-quang; wait for them or pass waive=[...] naming "
        "each agency"
    )
    assert (
        engine.counts(2024)
        == before
        == {
            "assigned": 2,
            "in_progress": 1,
            "reported": 32,
            "consolidated": 0,
            "evaluated": 0,
        }
    )
    assert engine.consolidations(2024) == []

    with pytest.raises(ConsolidationError) as info:
        engine.consolidate(2024, actor=CONSOLIDATOR, waive=["so-gddt", "ubmttq-tinh"])
    assert info.value.missing == (("2024/II.1/ubnd-h-vu-quang", "ubnd-h-vu-quang"),)
    assert engine.counts(2024) == before


def test_consolidation_succeeds_when_every_missing_agency_is_waived(
    engine: Engine, clock: FakeClock
) -> None:
    engine.open_cycle(2024)
    submitted = report_all_but(engine, LEFT_OUT)
    clock.set(dt.date(2024, 12, 5))

    record = engine.consolidate(
        2024, actor=CONSOLIDATOR, waive=["ubnd-h-vu-quang", "so-gddt", "ubmttq-tinh"]
    )

    assert record["year"] == 2024
    assert record["tasks"] == sorted(submitted)
    assert len(record["tasks"]) == 32
    assert record["missing"] == [{"task": k, "agency": v} for k, v in sorted(LEFT_OUT.items())]
    assert record["waived"] == ["so-gddt", "ubmttq-tinh", "ubnd-h-vu-quang"]
    assert record["recipients"] == ["ubnd-tinh", "bo-ldtbxh"]
    assert engine.counts(2024) == {
        "assigned": 2,
        "in_progress": 1,
        "reported": 0,
        "consolidated": 32,
        "evaluated": 0,
    }
    (stored,) = engine.consolidations(2024)
    assert stored["actor"] == CONSOLIDATOR
    assert stored["at"] == clock().isoformat()
    for key in ("tasks", "missing", "waived", "recipients"):
        assert stored[key] == record[key]
    cycle_event = engine.history("cycle/2024")[-1]
    assert cycle_event.trigger == "consolidate_cycle"
    assert cycle_event.seq == stored["seq"]
    assert cycle_event.payload == record

    bulk = last_event(engine, "2024/II.2/so-ldtbxh")
    assert (bulk.trigger, bulk.actor, bulk.from_state, bulk.to_state) == (
        "consolidate",
        CONSOLIDATOR,
        "reported",
        "consolidated",
    )
    assert bulk.payload == {"bulk": True}
    assert engine.task("2024/II.5/so-gddt").state == "in_progress"
    # a bulk-consolidated task can then be evaluated
    t = engine.fire("2024/II.2/so-ldtbxh", "evaluate", actor=EVALUATOR, rating="hoan-thanh")
    assert t.state == "evaluated"


def test_consolidation_of_a_fully_reported_year_needs_no_waiver(engine: Engine) -> None:
    engine.open_cycle(2024)
    report_all_but(engine, {})
    engine.fire("2024/II.5/so-gddt", "consolidate", actor=CONSOLIDATOR)

    record = engine.consolidate(2024, actor=CONSOLIDATOR)

    assert len(record["tasks"]) == 34  # the one consolidated before is not counted again
    assert "2024/II.5/so-gddt" not in record["tasks"]
    assert record["missing"] == []
    assert record["waived"] == []
    assert engine.counts(2024)["consolidated"] == 35


def test_consolidation_by_a_non_consolidator_is_denied(engine: Engine) -> None:
    engine.open_cycle(2024)
    report_all_but(engine, {})
    before = engine.counts(2024)

    with pytest.raises(PermissionDenied) as info:
        engine.consolidate(2024, actor=EVALUATOR)

    assert (info.value.actor, info.value.trigger, info.value.task_id) == (
        EVALUATOR,
        "consolidate",
        "cycle/2024",
    )
    assert info.value.allowed == (CONSOLIDATOR,)
    assert engine.counts(2024) == before
    assert engine.consolidations(2024) == []


def test_waiving_an_agency_with_nothing_missing_is_a_payload_error(engine: Engine) -> None:
    engine.open_cycle(2024)
    report_all_but(engine, LEFT_OUT)

    with pytest.raises(PayloadError) as info:
        engine.consolidate(2024, actor=CONSOLIDATOR, waive=[*LEFT_OUT.values(), "so-tp"])

    assert "nothing missing in 2024: so-tp" in str(info.value)
    assert engine.counts(2024)["consolidated"] == 0


def test_waiving_an_unknown_agency_is_not_found(engine: Engine) -> None:
    engine.open_cycle(2024)
    report_all_but(engine, LEFT_OUT)

    with pytest.raises(NotFound) as info:
        engine.consolidate(2024, actor=CONSOLIDATOR, waive=[*LEFT_OUT.values(), "so-khong-co"])

    assert (info.value.kind, info.value.key) == ("agency", "so-khong-co")
    assert "in waive=" in str(info.value)
    assert engine.counts(2024)["consolidated"] == 0
    assert engine.history("cycle/2024")[-1].outcome == "refused"


def test_consolidating_an_unopened_year_is_not_found(engine: Engine) -> None:
    with pytest.raises(NotFound) as info:
        engine.consolidate(2024, actor=CONSOLIDATOR)
    assert (info.value.kind, info.value.key) == ("cycle", 2024)


# -- transactions ------------------------------------------------------------------------------


def test_a_failing_write_leaves_the_task_unchanged(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine.open_cycle(2024)
    before = snapshot(engine, GDDT)
    events = len(engine.history(GDDT))

    def broken(*_: Any, **__: Any) -> int:  # the event, after the task row was updated
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(engine.store, "append_event", broken)
    with pytest.raises(StoreError) as info:
        engine.fire(GDDT, "submit", actor="so-gddt", report=REPORT)
    monkeypatch.undo()

    assert "disk I/O error" in str(info.value)
    assert snapshot(engine, GDDT) == before
    assert len(engine.history(GDDT)) == events
    assert engine.store.conn.in_transaction is False


def test_bulk_consolidation_is_one_transaction(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine.open_cycle(2024)
    report_all_but(engine, {})
    original = engine.store.append_event
    calls = []

    def fails_on_the_tenth(task_id: str, *args: Any, **kwargs: Any) -> int:
        calls.append(task_id)
        if len(calls) == 10:
            raise sqlite3.OperationalError("disk full")
        return original(task_id, *args, **kwargs)

    monkeypatch.setattr(engine.store, "append_event", fails_on_the_tenth)
    with pytest.raises(StoreError):
        engine.consolidate(2024, actor=CONSOLIDATOR)
    monkeypatch.undo()

    assert len(calls) == 10
    assert engine.counts(2024)["reported"] == 35
    assert engine.counts(2024)["consolidated"] == 0
    assert engine.consolidations(2024) == []
    assert all(e.trigger != "consolidate" for e in engine.history(calls[0]))


# -- history, queries --------------------------------------------------------------------------


def replay(events: list[Event]) -> tuple[str | None, int]:
    """The state reached by applying the applied events in order, and how many were applied."""
    applied = [e for e in events if e.outcome == "applied"]
    assert applied[0].trigger == "create"
    assert applied[0].from_state is None
    state = None
    for event in applied:
        assert event.from_state == state
        state = event.to_state
    return state, len(applied)


def test_history_records_changes_and_refusals_and_replays_to_the_stored_state(
    engine: Engine, clock: FakeClock
) -> None:
    engine.open_cycle(2024)
    steps: list[tuple[str, str, dict[str, Any]]] = [
        ("start", "so-gddt", {}),
        ("consolidate", CONSOLIDATOR, {}),  # refused: wrong state
        ("submit", "so-gddt", {"report": {"summary": "lần 1"}}),
        ("evaluate", CONSOLIDATOR, {"rating": "hoan-thanh"}),  # refused: wrong agency
        ("send_back", CONSOLIDATOR, {"reason": "thiếu"}),
        ("submit", "so-gddt", {"report": {"summary": ""}}),  # refused: payload
        ("contribute", "so-tp", {"text": "bổ sung"}),
        ("submit", "so-gddt", {"report": {"summary": "lần 2"}}),
    ]
    times = []
    for trigger, actor, kwargs in steps:
        clock.advance(days=1, hours=2)
        times.append(clock())
        with contextlib.suppress(InvalidTransition, PermissionDenied, PayloadError):
            engine.fire(GDDT, trigger, actor=actor, **kwargs)

    history = engine.history(GDDT)
    assert [(e.trigger, e.outcome) for e in history[1:]] == [
        ("start", "applied"),
        ("consolidate", "refused"),
        ("submit", "applied"),
        ("evaluate", "refused"),
        ("send_back", "applied"),
        ("submit", "refused"),
        ("contribute", "applied"),
        ("submit", "applied"),
    ]
    assert [e.at for e in history[1:]] == times
    assert [e.actor for e in history[1:]] == [a for _, a, _ in steps]
    assert all(e.task_id == GDDT for e in history)
    seqs = [e.seq for e in history]
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == len(seqs)
    assert history[2].payload["error"] == "InvalidTransition"
    assert history[4].payload["error"] == "PermissionDenied"
    assert history[3].payload["report"] == {
        "summary": "lần 1",
        "indicators": {},
        "attachments": [],
    }

    task = engine.task(GDDT)
    assert replay(history) == (task.state, task.version) == ("reported", 6)
    assert task.report == {"summary": "lần 2", "indicators": {}, "attachments": []}


def test_tasks_filters_and_counts(engine: Engine) -> None:
    engine.open_cycle(2024)
    engine.open_cycle(2025)
    engine.fire(GDDT, "submit", actor="so-gddt", report=REPORT)
    engine.fire("2024/II.4/so-yt", "start", actor="so-yt")

    assert len(engine.tasks()) == 72
    assert len(engine.tasks(year=2024)) == 35
    assert len(engine.tasks(year=2024, area="II.1")) == 23
    assert len(engine.tasks(area="II.1")) == 46
    assert [t.id for t in engine.tasks(year=2024, agency=CONSOLIDATOR)] == [
        "2024/II.1/so-ldtbxh",
        "2024/II.2/so-ldtbxh",
        "2024/II.4/so-ldtbxh",
    ]
    assert len(engine.tasks(year=2025, agency=CONSOLIDATOR)) == 5
    assert [t.id for t in engine.tasks(state="reported")] == [GDDT]
    assert [t.id for t in engine.tasks(year=2024, state="in_progress", area="II.4")] == [
        "2024/II.4/so-yt"
    ]
    assert engine.tasks(year=2025, state="reported") == []
    assert [t.id for t in engine.tasks(duty="V.3")] == ["2024/V.3/so-tc", "2025/V.3/so-tc"]
    assert engine.tasks(agency="so-khong-co") == []
    assert engine.counts(2024) == {
        "assigned": 33,
        "in_progress": 1,
        "reported": 1,
        "consolidated": 0,
        "evaluated": 0,
    }
    assert engine.counts(2025)["assigned"] == 37
    assert engine.counts(2023) == dict.fromkeys(DEFAULT_WORKFLOW.states, 0)


# -- a workflow declared by the rules ----------------------------------------------------------


@pytest.fixture
def verified_engine(plan: Plan, clock: FakeClock) -> Engine:
    assert workflow_problems(VERIFIED) == []
    eng = Engine(attrs.evolve(plan, workflow=VERIFIED), clock=clock)
    eng.open_cycle(2024)
    return eng


def test_a_declared_workflow_adds_its_state(verified_engine: Engine) -> None:
    eng = verified_engine
    eng.fire(GDDT, "submit", actor="so-gddt", report=REPORT)

    with pytest.raises(InvalidTransition) as info:
        eng.fire(GDDT, "consolidate", actor=CONSOLIDATOR)
    assert info.value.state == "reported"
    assert set(info.value.allowed) == {"verify", "send_back", "contribute", "comment", "reassign"}
    with pytest.raises(PermissionDenied):
        eng.fire(GDDT, "verify", actor="so-gddt")

    t = eng.fire(GDDT, "verify", actor=CONSOLIDATOR)
    assert (t.state, t.version) == ("verified", 3)
    t = eng.fire(GDDT, "send_back", actor=CONSOLIDATOR, reason="sai số liệu")
    assert t.state == "in_progress"
    eng.fire(GDDT, "submit", actor="so-gddt", report=REPORT)
    eng.fire(GDDT, "verify", actor=CONSOLIDATOR)
    eng.fire(GDDT, "consolidate", actor=CONSOLIDATOR)
    t = eng.fire(GDDT, "evaluate", actor=EVALUATOR, rating="hoan-thanh-xuat-sac")

    assert t.state == "evaluated"
    assert [e.to_state for e in eng.history(GDDT)] == [
        "assigned",
        "reported",
        "reported",
        "reported",
        "verified",
        "in_progress",
        "reported",
        "verified",
        "consolidated",
        "evaluated",
    ]
    assert eng.counts(2024) == {
        "assigned": 34,
        "in_progress": 0,
        "reported": 0,
        "verified": 0,
        "consolidated": 0,
        "evaluated": 1,
    }


def test_bulk_consolidation_follows_the_declared_workflow(verified_engine: Engine) -> None:
    eng = verified_engine
    for t in eng.tasks(year=2024):
        eng.fire(t.id, "submit", actor=t.agency, report=REPORT)
        if t.id != GDDT:
            eng.fire(t.id, "verify", actor=CONSOLIDATOR)

    # a report not verified yet is not ready for consolidation
    with pytest.raises(ConsolidationError) as info:
        eng.consolidate(2024, actor=CONSOLIDATOR)
    assert info.value.missing == ((GDDT, "so-gddt"),)

    record = eng.consolidate(2024, actor=CONSOLIDATOR, waive=["so-gddt"])
    assert len(record["tasks"]) == 34
    assert eng.counts(2024)["consolidated"] == 34
    assert eng.task(GDDT).state == "reported"


def test_a_rules_file_declaring_its_workflow_drives_the_engine(clock: FakeClock) -> None:
    declared = load_rules(Path(__file__).parent / "rules" / "valid" / "verified-workflow.yaml")
    assert declared.workflow.states == VERIFIED.states
    eng = Engine(declared, clock=clock)
    tasks = eng.open_cycle(2024)
    assert [t.id for t in tasks] == [
        "2024/II.1/so-ldtbxh",
        "2024/II.1/ubnd-huyen-a",
        "2024/II.2/so-yt",
    ]
    assert {t.due for t in tasks} == {dt.date(2024, 12, 2)}  # next_working_day
    tid = "2024/II.2/so-yt"
    eng.fire(tid, "submit", actor="so-yt", report=REPORT)

    with pytest.raises(InvalidTransition) as info:
        eng.fire(tid, "consolidate", actor=CONSOLIDATOR)
    assert "verify" in info.value.allowed
    with pytest.raises(PayloadError):
        eng.fire(tid, "verify", actor=CONSOLIDATOR, reason="không cần")

    eng.fire(tid, "verify", actor=CONSOLIDATOR)
    eng.fire(tid, "consolidate", actor=CONSOLIDATOR)
    with pytest.raises(PayloadError):
        eng.fire(tid, "evaluate", actor=EVALUATOR, rating="hoan-thanh")
    t = eng.fire(tid, "evaluate", actor=EVALUATOR, rating="dat")

    assert (t.state, t.rating, t.version) == ("evaluated", "dat", 5)
    assert eng.counts(2024) == {
        "assigned": 2,
        "in_progress": 0,
        "reported": 0,
        "verified": 0,
        "consolidated": 0,
        "evaluated": 1,
    }


# -- durable databases -------------------------------------------------------------------------


def test_a_file_database_is_wal_and_reopens_without_the_rules_file(
    plan: Plan, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "plan.db"
    with Engine(plan, db=path, clock=clock) as eng:
        eng.open_cycle(2024)
        eng.fire(GDDT, "submit", actor="so-gddt", report=REPORT)
        digest = eng.rules_hash
        mode = eng.store.conn.execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"

    with Engine.open(path, clock=clock) as again:
        assert again.plan == plan
        assert again.rules_hash == digest
        assert again.task(GDDT).state == "reported"
        assert again.task(GDDT).report == {**REPORT}
        t = again.fire(GDDT, "consolidate", actor=CONSOLIDATOR)
        assert t.version == 3

    with Engine.open(path) as third:
        assert third.task(GDDT).state == "consolidated"


def test_open_refuses_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as info:
        Engine.open(tmp_path / "nope.db")
    assert "does not exist" in str(info.value)
    assert not (tmp_path / "nope.db").exists()


CHILD = textwrap.dedent(
    """
    import datetime as dt, json, os, sys
    import attrs
    from plan161_workflow import load_rules
    from plan161_workflow.clock import FakeClock
    from plan161_workflow.engine import Engine
    from plan161_workflow.errors import WorkflowError

    rules, path = sys.argv[1], sys.argv[2]
    clock = FakeClock(dt.date(2024, 3, 1))
    eng = Engine(load_rules(rules), db=path, clock=clock)
    eng.open_cycle(2024)
    eng.open_cycle(2025)
    steps = [
        ("2024/II.1/so-gddt", "start", dict(actor="so-gddt")),
        ("2024/II.1/so-gddt", "contribute", dict(actor="so-tp", text="phối hợp")),
        ("2024/II.1/so-gddt", "submit", dict(actor="so-gddt", report={"summary": "xong"})),
        ("2024/II.1/so-gddt", "evaluate", dict(actor="so-ldtbxh", rating="hoan-thanh")),
        ("2024/II.2/so-ldtbxh", "reassign", dict(actor="so-ldtbxh", agency="so-yt")),
        ("2024/II.2/so-ldtbxh", "submit", dict(actor="so-yt", report={"summary": "Sở Y tế"})),
        ("2024/II.2/so-ldtbxh", "consolidate", dict(actor="so-ldtbxh")),
        ("2024/II.2/so-ldtbxh", "evaluate", dict(actor="ubnd-tinh", rating="hoan-thanh-tot")),
        ("2024/V.3/so-tc", "comment", dict(actor="ubmttq-tinh", text="giám sát")),
    ]
    for task_id, trigger, kwargs in steps:
        clock.advance(days=5)
        try:
            eng.fire(task_id, trigger, **kwargs)
        except WorkflowError:
            pass
    out = {
        "tasks": [attrs.asdict(t) for t in eng.tasks()],
        "history": {t.id: [attrs.asdict(e) for e in eng.history(t.id)] for t in eng.tasks()},
    }
    sys.stdout.write(json.dumps(out, default=str))
    sys.stdout.flush()
    os._exit(0)  # no close(), no cleanup: the commits alone must be durable
    """
)


def test_a_file_database_survives_the_process_that_wrote_it(
    rules_path: Path, tmp_path: Path
) -> None:
    path = tmp_path / "durable.db"
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(rules_path), str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    written = json.loads(done.stdout)

    with Engine.open(path) as eng:
        tasks = eng.tasks()
        reread = {
            "tasks": [attrs.asdict(t) for t in tasks],
            "history": {t.id: [attrs.asdict(e) for e in eng.history(t.id)] for t in tasks},
        }
        reread = json.loads(json.dumps(reread, default=str))

        assert reread == written
        assert len(tasks) == 72
        gddt = eng.task(GDDT)
        assert (gddt.state, gddt.version) == ("reported", 4)
        ii2 = eng.task("2024/II.2/so-ldtbxh")
        assert (ii2.state, ii2.agency, ii2.original_agency, ii2.rating) == (
            "evaluated",
            "so-yt",
            "so-ldtbxh",
            "hoan-thanh-tot",
        )
        assert [e.outcome for e in eng.history(GDDT)] == [
            "applied",
            "applied",
            "applied",
            "applied",
            "refused",
        ]
        for t in tasks:
            assert replay(eng.history(t.id)) == (t.state, t.version)
