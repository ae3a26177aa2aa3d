"""``plan161 notices``: what a nightly reminder job prints."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from plan161_workflow import Engine, Plan
from plan161_workflow.clock import FakeClock


def _notices(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "plan161_workflow.cli", "notices", "--db", str(db), *args],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.slow
def test_reminders_before_and_escalations_after_the_due_date(plan: Plan, tmp_path: Path) -> None:
    db = tmp_path / "n.db"
    eng = Engine(plan, db=db, clock=FakeClock(dt.date(2024, 11, 1)))
    eng.open_cycle(2024)
    eng.fire("2024/II.2/so-ldtbxh", "submit", actor="so-ldtbxh", report={"summary": "xong"})
    eng.close()
    before = _notices(db, "--as-of", "2024-11-23")
    assert before.returncode == 0, before.stderr
    assert before.stdout.splitlines()[-1] == "30 notice(s) on 2024-11-23"  # one reported already
    assert "2024/II.2/so-ldtbxh" not in before.stdout
    after = _notices(db, "--as-of", "2024-12-15", "--json")
    rows = [json.loads(line) for line in after.stdout.splitlines()]
    assert len(rows) == 30
    assert {(r["to"], r["days"], r["escalation"]) for r in rows} == {("ubnd-tinh", 15, True)}
    assert _notices(db, "--as-of", "2024-12-14").stdout.strip() == "0 notice(s) on 2024-12-14"


@pytest.mark.slow
def test_an_unknown_database_is_a_clear_error(tmp_path: Path) -> None:
    done = _notices(tmp_path / "missing.db")
    assert done.returncode == 1
    assert done.stderr.startswith("error: ")
    assert "does not exist" in done.stderr
