"""Bounds: every text and value the engine stores has a limit (``plan161_workflow.limits``),
enforced with ``PayloadError`` before anything is written; a refused attempt's record is bounded."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from durable_kit import clock

from plan161_workflow import limits
from plan161_workflow.engine import Engine
from plan161_workflow.errors import PayloadError, WorkflowError

TASK = "2024/II.1/so-tttt"
CONSOLIDATOR = "so-ldtbxh"
EVALUATOR = "ubnd-tinh"
MIB = 1024 * 1024
HUGE = "x" * (5 * MIB)


def _events(db: Path) -> int:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])


def _size(db: Path) -> int:
    return sum(os.path.getsize(f"{db}{s}") for s in ("", "-wal") if os.path.exists(f"{db}{s}"))


def _report(**extra: Any) -> dict[str, Any]:
    return {"summary": "Đã tổ chức", **extra}


# Each: a call with one huge value that the engine would otherwise have stored (whole or in a
# refusal's message).
HUGE_CALLS: dict[str, Callable[[Engine], Any]] = {
    "unknown trigger": lambda e: e.fire(TASK, HUGE, actor="so-tttt"),
    "unknown actor": lambda e: e.fire(TASK, "start", actor=HUGE),
    "unknown agency": lambda e: e.fire(TASK, "reassign", actor=CONSOLIDATOR, agency=HUGE),
    "unknown rating": lambda e: e.fire(TASK, "evaluate", actor=EVALUATOR, rating=HUGE),
    "report key": lambda e: e.fire(TASK, "submit", actor="so-tttt", report={HUGE: 1}),
    "summary of the wrong actor": lambda e: e.fire(
        TASK, "submit", actor="so-yt", report=_report(summary=HUGE)
    ),
    "reason": lambda e: e.fire(TASK, "send_back", actor=CONSOLIDATOR, reason=HUGE),
    "comment": lambda e: e.fire(TASK, "comment", actor="so-tttt", text=HUGE),
    "request id": lambda e: e.fire(TASK, "start", actor="so-tttt", request_id=HUGE),
    "task id": lambda e: e.fire(HUGE, "start", actor="so-tttt"),
    "attachment": lambda e: e.fire(
        TASK, "submit", actor="so-tttt", report=_report(attachments=[HUGE])
    ),
    "indicator text": lambda e: e.fire(
        TASK, "submit", actor="so-tttt", report=_report(indicators={"a": HUGE})
    ),
    "consolidating actor": lambda e: e.consolidate(2024, actor=HUGE),
    "waived agency": lambda e: e.consolidate(2024, actor=CONSOLIDATOR, waive=[HUGE]),
    "closing actor": lambda e: e.close_cycle(2024, actor=HUGE),
}


@pytest.mark.parametrize("case", HUGE_CALLS)
def test_ten_huge_requests_are_refused_and_leave_no_trace(db: Path, case: str) -> None:
    before, events = _size(db), _events(db)
    with Engine.open(db, clock=clock()) as eng:
        eng.fire(TASK, "start", actor="so-tttt")
        events += 1
        for _ in range(10):
            with pytest.raises(PayloadError) as caught:
                HUGE_CALLS[case](eng)
            assert "too long" in str(caught.value)
            assert len(str(caught.value)) < 500  # the value is never echoed
    assert _events(db) == events  # not even a refused attempt
    assert _size(db) - before < MIB  # not 110 MiB


def test_a_50_mb_summary_is_refused(db: Path) -> None:
    events = _events(db)
    with Engine.open(db, clock=clock()) as eng:
        eng.fire(TASK, "start", actor="so-tttt")
        with pytest.raises(PayloadError, match="summary is too long"):
            eng.fire(TASK, "submit", actor="so-tttt", report=_report(summary="á" * 50_000_000))
        assert eng.task(TASK).state == "in_progress"
    assert _events(db) == events + 1


@pytest.mark.parametrize(
    "value",
    [10**5000, -(10**5000), 10**15 + 1, 1e300, -1e16],
    ids=["10**5000", "-10**5000", "10**15+1", "1e300", "-1e16"],
)
def test_a_number_beyond_the_bound_is_a_payload_error(engine: Engine, value: float) -> None:
    engine.open_cycle(2024)
    engine.fire(TASK, "start", actor="so-tttt")
    events = len(engine.history(TASK))
    for request_id in (None, "r-1"):
        with pytest.raises(PayloadError, match="beyond"):
            engine.fire(
                TASK,
                "submit",
                actor="so-tttt",
                report=_report(indicators={"số hộ": value}),
                request_id=request_id,
            )
    assert len(engine.history(TASK)) == events


def test_values_at_their_bounds_are_accepted(engine: Engine) -> None:
    engine.open_cycle(2024)
    engine.fire(TASK, "start", actor="so-tttt", request_id="r" * limits.MAX_NAME)
    report = {
        "summary": "s" * limits.MAX_SUMMARY,
        "indicators": {f"chỉ tiêu {i}": i for i in range(limits.MAX_INDICATORS - 2)}
        | {"max": limits.MAX_NUMBER, "text": "t" * limits.MAX_INDICATOR_TEXT},
        "attachments": ["a" * limits.MAX_ATTACHMENT] * limits.MAX_ATTACHMENTS,
    }
    task = engine.fire(TASK, "submit", actor="so-tttt", report=report)
    assert task.report is not None
    assert task.report["summary"] == report["summary"]
    engine.fire(TASK, "send_back", actor=CONSOLIDATOR, reason="r" * limits.MAX_TEXT)


@pytest.mark.parametrize(
    "report",
    [
        {"summary": "s" * (limits.MAX_SUMMARY + 1)},
        _report(indicators={str(i): i for i in range(limits.MAX_INDICATORS + 1)}),
        _report(attachments=["a"] * (limits.MAX_ATTACHMENTS + 1)),
        _report(attachments=["a" * (limits.MAX_ATTACHMENT + 1)]),
        _report(indicators={"a": "t" * (limits.MAX_INDICATOR_TEXT + 1)}),
        _report(indicators={"n" * (limits.MAX_NAME + 1): 1}),
        _report(indicators={"a": [[[[[1]]]]]}),
    ],
    ids=["summary", "indicators", "attachments", "attachment", "indicator-text", "name", "deep"],
)
def test_one_past_each_bound_is_refused_before_anything_is_written(
    engine: Engine, report: dict[str, Any]
) -> None:
    engine.open_cycle(2024)
    engine.fire(TASK, "start", actor="so-tttt")
    events = len(engine.history(TASK))
    with pytest.raises(PayloadError):
        engine.fire(TASK, "submit", actor="so-tttt", report=report)
    assert len(engine.history(TASK)) == events


def test_a_refused_attempt_stores_a_bounded_record(db: Path) -> None:
    # Within the bounds, a refusal is recorded: its trigger, actor and message stay small.
    with Engine.open(db, clock=clock()) as eng:
        for trigger, actor in (
            ("t" * limits.MAX_NAME, "so-tttt"),
            ("start", "a" * limits.MAX_NAME),
        ):
            with pytest.raises(WorkflowError):
                eng.fire(TASK, trigger, actor=actor)
    with contextlib.closing(sqlite3.connect(db)) as conn:
        rows = conn.execute(
            "SELECT length(trigger) + length(actor) + length(payload) FROM events "
            "WHERE outcome = 'refused'"
        ).fetchall()
    assert len(rows) == 2
    bound = 2 * limits.MAX_NAME + limits.MAX_MESSAGE + 100
    assert all(size <= bound for (size,) in rows)
