"""The same guarantees on both backends, each on a durable database (a SQLite file, a PostgreSQL
schema): one transaction per change, the chain and verify, idempotent requests, version
conflicts, refusals recorded, opening and versions, several writer processes, the change feed
and its notifications, and copying between backends."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from race_kit import TASKS

from plan161_workflow import copy_database
from plan161_workflow.clock import FakeClock
from plan161_workflow.engine import Engine
from plan161_workflow.errors import ConflictError, PayloadError, PermissionDenied, StoreError
from plan161_workflow.model.plan import Plan

KIT = Path(__file__).with_name("race_kit.py")
TASK = "2024/II.1/so-tttt"
AGENCY = "so-tttt"


def clock() -> FakeClock:
    return FakeClock(dt.date(2024, 3, 1))


def raw(db: str | Path, sql: str) -> list[tuple[Any, ...]]:
    """Run ``sql`` on ``db`` outside the library (as someone with database access would)."""
    if isinstance(db, str) and db.startswith("postgresql://"):
        with psycopg.connect(db, autocommit=True) as conn:
            cur = conn.execute(sql)  # type: ignore[arg-type]
            return list(cur.fetchall()) if cur.description else []
    with contextlib.closing(sqlite3.connect(db, isolation_level=None)) as conn:
        return list(conn.execute(sql).fetchall())


@pytest.fixture
def db(file_db: str | Path, plan: Plan) -> str | Path:
    """A durable database of each backend with the 2024 cycle open."""
    with Engine(plan, db=file_db, clock=clock()) as eng:
        eng.open_cycle(2024)
    return file_db


@pytest.fixture
def eng(db: str | Path) -> Iterator[Engine]:
    with Engine.open(db, clock=clock()) as engine:
        yield engine


def _events(db: str | Path) -> int:
    return int(raw(db, "SELECT count(*) FROM events")[0][0])


def test_a_change_is_one_transaction_row_and_event_together(eng: Engine, db: str | Path) -> None:
    before = _events(db)
    after = eng.fire(TASK, "start", actor=AGENCY)
    assert _events(db) == before + 1
    row = raw(db, f"SELECT state, version FROM tasks WHERE id = '{TASK}'")[0]
    assert (row[0], row[1]) == (after.state, after.version)
    last = eng.history(TASK)[-1]
    assert (last.trigger, last.to_state, last.outcome) == ("start", "in_progress", "applied")


def test_verify_finds_an_event_changed_outside_the_library(eng: Engine, db: str | Path) -> None:
    eng.fire(TASK, "start", actor=AGENCY)
    assert eng.verify().ok
    seq = raw(db, f"SELECT max(seq) FROM events WHERE task_id = '{TASK}'")[0][0]
    raw(db, f"UPDATE events SET actor = 'so-yt' WHERE seq = {seq}")
    report = eng.verify()
    assert not report.ok
    assert report.first_bad_event == seq


def test_a_request_id_applies_once(eng: Engine, db: str | Path) -> None:
    first = eng.fire(TASK, "comment", actor=AGENCY, text="một lần", request_id="r-1")
    before = _events(db)
    again = eng.fire(TASK, "comment", actor=AGENCY, text="một lần", request_id="r-1")
    assert again.version == first.version
    assert _events(db) == before
    with pytest.raises(PayloadError):  # the same id for another request is refused
        eng.fire(TASK, "comment", actor=AGENCY, text="khác", request_id="r-1")


def test_a_stale_version_conflicts_and_the_refusal_is_recorded(eng: Engine, db: str | Path) -> None:
    v = eng.task(TASK).version
    eng.fire(TASK, "start", actor=AGENCY, expected_version=v)
    with pytest.raises(ConflictError):
        eng.fire(TASK, "comment", actor=AGENCY, text="cũ", expected_version=v)
    assert eng.history(TASK)[-1].outcome == "refused"
    before = _events(db)
    with pytest.raises(PermissionDenied):
        eng.fire(TASK, "submit", actor="so-yt", report={"summary": "không phải việc của tôi"})
    assert _events(db) == before + 1
    assert eng.history(TASK)[-1].payload["error"] == "PermissionDenied"
    assert eng.verify().ok


def test_open_refuses_a_database_that_holds_none(file_db: str | Path) -> None:
    with pytest.raises(StoreError) as caught:
        Engine.open(file_db)
    assert "Engine(plan, db=" in str(caught.value)


def test_a_newer_schema_is_refused(db: str | Path) -> None:
    if isinstance(db, Path):
        raw(db, "PRAGMA user_version = 99")
    else:
        raw(db, "UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="newer"):
        Engine.open(db)


def test_reopening_keeps_the_rules_and_the_history(db: str | Path, plan: Plan) -> None:
    with Engine.open(db, clock=clock()) as eng:
        eng.fire(TASK, "start", actor=AGENCY)
        head = eng.verify().head
    with Engine.open(db, read_only=True) as eng:
        assert eng.plan == plan
        assert eng.verify().head == head
        with pytest.raises(StoreError, match="read-only"):
            eng.fire(TASK, "submit", actor=AGENCY, report={"summary": "x"})


@pytest.mark.slow  # starts 4 writer processes per backend: ~2.4 s of CPU each; CI runs it
def test_writer_processes_lose_no_update_and_keep_one_chain(db: str | Path) -> None:
    rounds, writers = 15, 4
    with Engine.open(db) as eng:
        before = {t: eng.task(t).version for t in TASKS}
    procs = [
        subprocess.Popen(
            [sys.executable, str(KIT), str(db), str(rounds), f"w{i}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(writers)
    ]
    for p in procs:
        assert p.stdout is not None
        assert p.stdin is not None
        assert p.stdout.readline() == "ready\n", p.stderr.read() if p.stderr else ""
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    tallies = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        tallies.append(json.loads(out.strip().splitlines()[-1]))
    assert sum(t["applied"] for t in tallies) == rounds * writers * len(TASKS)
    with Engine.open(db) as eng:
        report = eng.verify()
        assert report.ok, report
        for task_id in TASKS:
            # Every comment read a version and wrote the next: none overwrote another.
            assert eng.task(task_id).version == before[task_id] + rounds * writers
            comments = [e for e in eng.history(task_id) if e.trigger == "comment"]
            assert len([e for e in comments if e.outcome == "applied"]) == rounds * writers
        seqs = [s for (s,) in raw(db, "SELECT seq FROM events ORDER BY seq")]
        assert seqs == list(range(1, len(seqs) + 1))


def test_a_waiting_host_hears_of_a_change_from_another_connection(db: str | Path) -> None:
    with Engine.open(db, clock=clock()) as host, Engine.open(db, clock=clock()) as other:
        cursor = host.changes(after=0, limit=10_000)[-1].seq
        assert host.wait_for_changes(after=cursor, timeout=0.2) == []
        heard: list[Any] = []
        waiting = threading.Thread(
            target=lambda: heard.extend(host.wait_for_changes(after=cursor, timeout=60))
        )
        started = time.monotonic()
        waiting.start()
        time.sleep(0.3)
        other.fire(TASK, "start", actor=AGENCY)
        waiting.join(timeout=60)
        assert not waiting.is_alive()
        assert [(c.task_id, c.trigger) for c in heard] == [(TASK, "start")]
        assert time.monotonic() - started < 60  # woken by the change, not by the timeout
        with pytest.raises(PayloadError):
            host.wait_for_changes(after=cursor, timeout=-1)


def test_postgresql_notifies_each_commit_on_its_channel(pg_url: str, plan: Plan) -> None:
    with (
        Engine(plan, db=pg_url, clock=clock()) as eng,
        psycopg.connect(pg_url, autocommit=True) as listener,
    ):
        listener.execute("LISTEN plan161_changes")
        eng.open_cycle(2024)
        got = [n.payload for n in listener.notifies(timeout=10, stop_after=1)]
        assert got == [str(eng.changes(after=0, limit=10_000)[-1].seq)]


def test_copy_moves_a_database_both_ways_with_the_same_head(
    db: str | Path, tmp_path: Path, pg_url: str
) -> None:
    with Engine.open(db, clock=clock()) as eng:
        eng.fire(TASK, "start", actor=AGENCY)
        eng.fire(TASK, "submit", actor=AGENCY, report={"summary": "Đã làm", "indicators": {"a": 1}})
        head = eng.verify().head
        tasks = eng.tasks()
    other: str | Path = pg_url if isinstance(db, Path) else tmp_path / "copy.db"
    there = copy_database(db, other)
    assert there.head is not None
    assert there.head[1] == head
    back = tmp_path / "back.db"
    assert copy_database(other, back).head == there.head
    for copy in (other, back):
        with Engine.open(copy, read_only=True) as eng:
            assert eng.verify().ok
            assert eng.verify().head == head
            assert eng.tasks() == tasks
    with pytest.raises(StoreError, match="already holds"):
        copy_database(db, other)
    assert _events(other) == there.rows["events"]  # the refused copy wrote nothing
