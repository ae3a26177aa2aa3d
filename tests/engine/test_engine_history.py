"""The engine on the Hà Tĩnh plan: the history of a task replays to its stored state; task queries
and counts."""

from __future__ import annotations

import contextlib
from typing import Any

from engine_support import (
    CONSOLIDATOR,
    GDDT,
    REPORT,
    replay,
)

from plan161_workflow.clock import FakeClock
from plan161_workflow.engine import Engine
from plan161_workflow.errors import (
    InvalidTransition,
    PayloadError,
    PermissionDenied,
)
from plan161_workflow.workflow.definition import DEFAULT_WORKFLOW

# -- history, queries --------------------------------------------------------------------------


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
