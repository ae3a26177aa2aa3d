"""Idempotent requests: ``fire(..., request_id=...)`` applies once; a repeat returns the first
result and writes nothing; the same id with other arguments is refused."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest
from durable_kit import clock

from plan161_workflow.engine import Engine
from plan161_workflow.errors import PayloadError

TASK = "2024/II.1/so-tttt"
AGENCY = "so-tttt"
REPORT = {"summary": "Đã tổ chức 3 hội nghị", "indicators": {"hoi-nghi": 3}}


def _rows(db: Path) -> tuple[int, ...]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        events = conn.execute("SELECT count(*), max(seq) FROM events").fetchone()
        versions = conn.execute("SELECT sum(version) FROM tasks").fetchone()
    return (*events, *versions)


def test_a_repeated_request_returns_the_first_result_and_writes_nothing(db: Path) -> None:
    with Engine.open(db, clock=clock()) as eng:
        eng.fire(TASK, "start", actor=AGENCY)
        first = eng.fire(TASK, "submit", actor=AGENCY, report=REPORT, request_id="req-1")
        assert first.state == "reported"
        written = _rows(db)
        again = eng.fire(TASK, "submit", actor=AGENCY, report=REPORT, request_id="req-1")
        assert again == first
        assert again.report == first.report
        assert _rows(db) == written
        assert [e.trigger for e in eng.history(TASK)].count("submit") == 1

        # The task moves on; repeating the request still returns what it returned then.
        eng.fire(TASK, "send_back", actor="so-ldtbxh", reason="bổ sung số liệu")
        moved = _rows(db)
        late = eng.fire(TASK, "submit", actor=AGENCY, report=REPORT, request_id="req-1")
        assert (late.state, late.version, late.report) == ("reported", first.version, first.report)
        assert eng.task(TASK).state == "in_progress"
        assert _rows(db) == moved

    # Another connection, as after a restart or from another process: the same.
    with Engine.open(db, clock=clock()) as other:
        assert other.fire(TASK, "submit", actor=AGENCY, report=REPORT, request_id="req-1") == first
        assert _rows(db) == moved
        assert other.verify().ok


@pytest.mark.parametrize(
    ("task", "trigger", "kwargs"),
    [
        (TASK, "submit", {"report": {"summary": "Khác"}}),  # other arguments
        (TASK, "comment", {"text": "Ý kiến"}),  # another trigger
        ("2024/II.1/so-gddt", "start", {}),  # another task
    ],
    ids=["arguments", "trigger", "task"],
)
def test_the_same_id_for_another_request_is_refused(
    db: Path, task: str, trigger: str, kwargs: dict[str, object]
) -> None:
    with Engine.open(db, clock=clock()) as eng:
        eng.fire(TASK, "submit", actor=AGENCY, report=REPORT, request_id="req-2")
        written = _rows(db)
        actor = task.rsplit("/", 1)[1]
        with pytest.raises(PayloadError, match="req-2") as caught:
            eng.fire(task, trigger, actor=actor, request_id="req-2", **kwargs)
        assert "already used" in str(caught.value)
        assert _rows(db) == written  # refused before anything is written, not even a refusal
        assert eng.task(TASK).version == 2


def test_a_refused_request_is_not_remembered(db: Path) -> None:
    """A refusal is history, not a result: the same id may be sent again once it can apply."""
    with Engine.open(db, clock=clock()) as eng:
        with pytest.raises(PayloadError):
            eng.fire(TASK, "submit", actor=AGENCY, report={"summary": " "}, request_id="req-3")
        assert eng.history(TASK)[-1].outcome == "refused"
        done = eng.fire(TASK, "submit", actor=AGENCY, report=REPORT, request_id="req-3")
        assert done.state == "reported"
        assert eng.fire(TASK, "submit", actor=AGENCY, report=REPORT, request_id="req-3") == done


@pytest.mark.parametrize("kind", ["circular", "not JSON"])
def test_arguments_that_are_not_json_are_refused_before_anything_is_written(
    db: Path, kind: str
) -> None:
    report: dict[str, object] = {"summary": "Báo cáo"}
    report["indicators"] = report if kind == "circular" else {"x": object()}
    with Engine.open(db, clock=clock()) as eng:
        written = _rows(db)
        with pytest.raises(PayloadError, match="must be JSON values"):
            eng.fire(TASK, "submit", actor=AGENCY, report=report, request_id="req-bad")
        assert _rows(db) == written
