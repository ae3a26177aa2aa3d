"""The row is never trusted over its history: a task or cycle row changed with plain SQL makes the
engine refuse to act on it (``StoreError``), and nothing is recorded."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from durable_kit import clock

from plan161_workflow.engine import Engine
from plan161_workflow.errors import StoreError

TASK = "2024/II.1/so-tttt"
CONSOLIDATOR = "so-ldtbxh"


def _sql(db: Path, statement: str) -> None:
    with contextlib.closing(sqlite3.connect(db, isolation_level=None)) as conn:
        conn.execute(statement)


def _events(db: Path) -> int:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])


def _evaluate(eng: Engine) -> Any:
    return eng.fire(TASK, "evaluate", actor="ubnd-tinh", rating="hoan-thanh")


def _comment(eng: Engine) -> Any:
    return eng.fire(TASK, "comment", actor="so-tttt", text="tiến độ")


def _start_as_forged(eng: Engine) -> Any:
    return eng.fire(TASK, "start", actor="so-yt")


def _consolidate(eng: Engine) -> Any:
    return eng.consolidate(2024, actor=CONSOLIDATOR, waive=sorted({t.agency for t in eng.tasks()}))


def _succession(eng: Engine) -> Any:
    return eng.apply_succession()


FORGERIES: dict[str, tuple[str, Callable[[Engine], Any]]] = {
    # The cases: a forged state, then an ordinary call; a version bumped, then a comment.
    "state": ("UPDATE tasks SET state = 'consolidated' WHERE id = '{t}'", _evaluate),
    "version": ("UPDATE tasks SET version = version + 7 WHERE id = '{t}'", _comment),
    "agency": ("UPDATE tasks SET agency = 'so-yt' WHERE id = '{t}'", _start_as_forged),
    "state, then consolidate": (
        "UPDATE tasks SET state = 'reported' WHERE id = '{t}'",
        _consolidate,
    ),
    "version, then consolidate": (
        "UPDATE tasks SET version = 5 WHERE id = '{t}'",
        _consolidate,
    ),
    "cycle reopened": ("UPDATE cycles SET closed_at = NULL WHERE year = 2024", _comment),
}


@pytest.mark.parametrize("name", FORGERIES)
def test_a_forged_row_is_refused_and_nothing_is_recorded(db: Path, name: str) -> None:
    statement, act = FORGERIES[name]
    with Engine.open(db, clock=clock()) as eng:
        eng.fire(TASK, "start", actor="so-tttt")
        if name == "cycle reopened":
            eng.close_cycle(2024, actor=CONSOLIDATOR)
        before = _events(db)
        _sql(db, statement.format(t=TASK))  # another connection: the engine sees the change
        with pytest.raises(StoreError) as caught:
            act(eng)
    assert "changed outside the library" in str(caught.value)
    assert "plan161 verify" in str(caught.value)
    assert _events(db) == before  # no event from the forged state, no refusal either


def test_a_forged_row_is_refused_by_a_fresh_engine(db: Path) -> None:
    _sql(db, f"UPDATE tasks SET state = 'consolidated' WHERE id = '{TASK}'")
    before = _events(db)
    with Engine.open(db, clock=clock()) as eng, pytest.raises(StoreError):
        _evaluate(eng)
    assert _events(db) == before
    with Engine.open(db, read_only=True) as eng:
        report = eng.verify()
    assert not report.ok  # verify names the forged row too
    assert any(TASK in p and "state" in p for p in report.task_problems)


def test_a_forged_row_of_a_ceased_agency_is_refused_by_succession(db: Path) -> None:
    # The succession pass acts on every unfinished task of a ceased agency: rows checked first.
    _sql(db, f"UPDATE tasks SET version = 9 WHERE id = '{TASK}'")
    before = _events(db)
    with Engine.open(db, clock=clock()) as eng, pytest.raises(StoreError):
        eng.store.tasks_for_update(year=2024)
    assert _events(db) == before


def test_rows_the_library_wrote_pass_the_check(db: Path) -> None:
    with Engine.open(db, clock=clock()) as eng:
        eng.fire(TASK, "start", actor="so-tttt")
        eng.fire(TASK, "submit", actor="so-tttt", report={"summary": "Đã làm"})
        eng.fire(TASK, "reassign", actor=CONSOLIDATOR, agency="so-yt")
    with Engine.open(db, clock=clock()) as eng:  # read afresh, so checked
        task = eng.fire(TASK, "comment", actor="so-yt", text="ghi chú")
        assert task.agency == "so-yt"
        assert eng.verify().ok


def test_backup_refuses_an_existing_target(db: Path, tmp_path: Path) -> None:
    target = tmp_path / "copy.db"
    target.write_bytes(b"precious")
    with Engine.open(db, read_only=True) as eng, pytest.raises(StoreError) as caught:
        eng.backup(target)
    assert "exists" in str(caught.value)
    assert target.read_bytes() == b"precious"
