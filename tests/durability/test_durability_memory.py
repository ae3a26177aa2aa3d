"""What a store remembers between writes (task rows, their cycle, the chain's head) is used only
while no other connection has committed, and never outlives a rollback."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import Any

import attrs
import pytest
from durable_kit import clock

from plan161_workflow.engine import Engine
from plan161_workflow.errors import CycleClosedError, InvalidTransition, StoreError
from plan161_workflow.store import repo

TASK = "2024/II.1/so-tttt"
AGENCY = "so-tttt"
CONSOLIDATOR = "so-ldtbxh"
REPORT = {"summary": "Đã triển khai"}


def _remembered(eng: Engine, task_id: str) -> bool:
    return task_id in eng.store._tasks


def test_a_change_by_another_connection_is_seen_at_the_next_write(db: Path) -> None:
    with Engine.open(db, clock=clock()) as first, Engine.open(db, clock=clock()) as second:
        second.fire(TASK, "comment", actor=AGENCY, text="ghi nhận")
        assert _remembered(second, TASK)  # second now remembers the task at version 2, assigned
        first.fire(TASK, "start", actor=AGENCY)

        # Had second trusted its memory, 'start' would be allowed and then fail as a conflict;
        # it reads the task afresh and refuses it for the state it is really in.
        with pytest.raises(InvalidTransition) as refused:
            second.fire(TASK, "start", actor=AGENCY)
        assert "in_progress" in str(refused.value)
        after = second.fire(TASK, "submit", actor=AGENCY, report=REPORT)
        assert (after.state, after.version) == ("reported", first.task(TASK).version)
        assert first.verify().ok


def test_a_cycle_closed_by_another_connection_is_closed_for_every_writer(db: Path) -> None:
    with Engine.open(db, clock=clock()) as first, Engine.open(db, clock=clock()) as second:
        second.fire(TASK, "start", actor=AGENCY)
        first.close_cycle(2024, actor=CONSOLIDATOR)
        with pytest.raises(CycleClosedError):
            second.fire(TASK, "submit", actor=AGENCY, report=REPORT)
        assert second.task(TASK).state == "in_progress"
        assert second.verify().ok


def test_the_chain_head_written_by_another_process_is_followed(db: Path) -> None:
    with Engine.open(db, clock=clock()) as eng:
        eng.fire(TASK, "start", actor=AGENCY)  # remembers the head
        with contextlib.closing(sqlite3.connect(db)) as other:  # a writer of another program
            other.execute("INSERT INTO meta(key, value) VALUES ('note', 'x')")
            other.commit()
        with Engine.open(db, clock=clock()) as writer:
            writer.fire(TASK, "comment", actor=AGENCY, text="từ tiến trình khác")
        eng.fire(TASK, "submit", actor=AGENCY, report=REPORT)
        report = eng.verify()
        assert report.ok, report.summary()


def test_a_rollback_forgets_what_the_write_did(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Engine.open(db, clock=clock()) as eng:
        eng.fire(TASK, "start", actor=AGENCY)

        def broken(*_: Any, **__: Any) -> int:  # fails after the task row was updated
            raise sqlite3.OperationalError("disk I/O error")

        monkeypatch.setattr(eng.store, "append_event", broken)
        with pytest.raises(StoreError):
            eng.fire(TASK, "submit", actor=AGENCY, report=REPORT)
        monkeypatch.undo()
        assert not _remembered(eng, TASK)
        after = eng.fire(TASK, "submit", actor=AGENCY, report=REPORT)
        stored = eng.task(TASK)
        assert attrs.asdict(after) == attrs.asdict(stored)
        assert (stored.state, stored.version) == ("reported", 3)
        assert eng.verify().ok


def test_memory_is_bounded_and_forgetting_is_harmless(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(repo, "_REMEMBERED", 3)
    with Engine.open(db, clock=clock()) as eng:
        tasks = [t for t in eng.tasks(year=2024) if t.area][:6]
        for _ in range(2):
            for task in tasks:
                eng.fire(task.id, "comment", actor=task.agency, text="ý kiến")
                assert len(eng.store._tasks) <= 3
        assert all(eng.task(t.id).version == 3 for t in tasks)
        assert eng.verify().ok
