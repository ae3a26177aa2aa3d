"""The engine on the Hà Tĩnh plan: file databases: WAL, reopening without the rules file, surviving
the writer."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import attrs
import pytest
from engine_support import (
    CONSOLIDATOR,
    GDDT,
    REPORT,
    replay,
)

from plan161_workflow.clock import FakeClock
from plan161_workflow.engine import Engine
from plan161_workflow.errors import (
    StoreError,
)
from plan161_workflow.model.plan import (
    Plan,
)

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
        ("2024/II.2/so-ldtbxh", "reassign", dict(actor="ubnd-tinh", agency="so-yt")),
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


@pytest.mark.slow
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
