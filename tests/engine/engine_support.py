"""What the engine tests share: the Hà Tĩnh agencies they act as, a report, and helpers that
bring a task to a state and check that a refused attempt was recorded."""

from __future__ import annotations

from typing import Any

import attrs

from ha_tinh_plan import DISTRICTS, II1_DEPARTMENTS
from plan161_workflow.engine import Engine
from plan161_workflow.model.task import Event, Task

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
