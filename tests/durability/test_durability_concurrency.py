"""Concurrent writers: optimistic concurrency on the task version, the busy timeout and its
translation, and eight processes firing at one file at once."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from durable_kit import SHARED_REQUEST, check_whole, clock, go, results, start_writers

from plan161_workflow.engine import Engine
from plan161_workflow.errors import ConflictError, InvalidTransition, PayloadError, StoreError
from plan161_workflow.model.task import CYCLE_ID_PREFIX
from plan161_workflow.store import schema

TASK = "2024/II.1/so-tttt"
AGENCY = "so-tttt"


def _events(db: Path) -> int:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])


def test_two_writers_that_read_the_same_version_cannot_both_apply(db: Path) -> None:
    with Engine.open(db, clock=clock()) as first, Engine.open(db, clock=clock()) as second:
        v = first.task(TASK).version
        assert second.task(TASK).version == v
        assert first.fire(TASK, "start", actor=AGENCY, expected_version=v).version == v + 1
        before = _events(db)

        with pytest.raises(ConflictError) as caught:
            second.fire(TASK, "comment", actor=AGENCY, text="ý kiến", expected_version=v)
        err = caught.value
        assert (err.task_id, err.expected_version, err.actual_version) == (TASK, v, v + 1)
        assert TASK in str(err)
        assert f"read version {v}" in str(err)
        assert f"now version {v + 1}" in str(err)
        # The loser's attempt is history, like every refusal, and changes nothing.
        assert _events(db) == before + 1
        refused = second.history(TASK)[-1]
        assert (refused.outcome, refused.payload["error"]) == ("refused", "ConflictError")
        assert second.task(TASK).state == "in_progress"
        assert second.task(TASK).version == v + 1

        # Retrying re-checks the trigger against the fresh state: a comment still applies ...
        done = second.fire(
            TASK, "comment", actor=AGENCY, text="ý kiến", expected_version=v, on_conflict="retry"
        )
        assert done.version == v + 2
        # ... a start no longer does: the task is in progress now (the refusal is history).
        with pytest.raises(InvalidTransition):
            second.fire(TASK, "start", actor=AGENCY, expected_version=v, on_conflict="retry")
        assert second.history(TASK)[-1].outcome == "refused"
        assert first.task(TASK).version == v + 2

        # The version that was read is the version there: no conflict.
        assert first.fire(TASK, "comment", actor=AGENCY, text="x", expected_version=v + 2)
        with pytest.raises(PayloadError, match="on_conflict"):
            first.fire(TASK, "comment", actor=AGENCY, text="x", on_conflict="ignore")
        assert first.verify().ok


def test_database_is_locked_never_reaches_a_caller(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(schema, "BUSY_TIMEOUT_MS", 200)
    with (
        Engine.open(db, clock=clock()) as eng,
        contextlib.closing(
            sqlite3.connect(db, isolation_level=None, check_same_thread=False)
        ) as raw,
    ):
        before = _events(db)
        raw.execute("BEGIN IMMEDIATE")  # another program holds the write lock ...
        started = time.monotonic()
        with pytest.raises(StoreError, match="locked") as caught:
            eng.fire(TASK, "start", actor=AGENCY)
        assert not isinstance(caught.value, sqlite3.Error)
        assert 0.15 < time.monotonic() - started < 1.5  # ... past the (lowered) busy timeout
        assert eng.task(TASK).state == "assigned"  # reads go on meanwhile (WAL)
        raw.execute("ROLLBACK")

        # A lock released within the busy timeout is only a wait.
        raw.execute("BEGIN IMMEDIATE")
        threading.Timer(0.05, raw.execute, ("ROLLBACK",)).start()
        assert eng.fire(TASK, "start", actor=AGENCY).state == "in_progress"
        assert _events(db) == before + 1
    check_whole(db)


@pytest.mark.slow
def test_eight_processes_firing_at_one_file(db: Path) -> None:
    """~3 s of 8 writers: nothing lost or doubled, each version applied once, the chain verifies,
    and a reader polling the feed meanwhile sees every change exactly once, in order."""
    creates = _events(db) - 1
    procs = start_writers(db, 8, seconds=3.0, shared=True)
    polled = []
    with Engine.open(db) as reader:
        go(procs)
        while any(p.poll() is None for p in procs):
            polled += reader.changes(after=polled[-1].seq if polled else 0, limit=200)
            time.sleep(0.02)
        tallies = results(procs)
        polled += reader.changes(after=polled[-1].seq, limit=1_000_000)
        everything = reader.changes(limit=1_000_000)

    total = Counter[str]()
    for t in tallies:
        total.update({k: v for k, v in t.items() if isinstance(v, int)})
    assert total["store_errors"] == 0
    assert total["repeat_mismatch"] == 0
    assert total["reuse_accepted"] == 0
    assert total["applied"] > 100
    assert total["refused"] > 10
    assert total["conflicts"] > 0  # the writers really did race for the same versions
    assert total["repeats"] > 0
    assert total["reuse_refused"] > 0

    # One request id sent by all eight at once applied once, and all got its result.
    assert len({tuple(t["shared"]) for t in tallies}) == 1

    counts = check_whole(db)  # verify().ok, contiguous seq, versions == applied events
    assert counts["events"] == (
        1 + creates + 1 + total["applied"] + total["refused"] + total["conflicts"]
    )

    # Every version a writer was told it applied exists once, and nothing else was applied.
    told = [tuple(v) for t in tallies for v in t["versions"]]
    applied = [
        (c.task_id, c.version)
        for c in everything
        if c.trigger != "create" and not c.task_id.startswith(CYCLE_ID_PREFIX)
    ]
    assert len(applied) == len(set(applied)) == total["applied"] + 1
    assert set(applied) == set(told) | {tuple(tallies[0]["shared"])}
    with contextlib.closing(sqlite3.connect(db)) as conn:
        rows = conn.execute("SELECT count(*) FROM events WHERE request_id = ?", (SHARED_REQUEST,))
        assert rows.fetchone()[0] == 1

    # The feed polled during the run: every change once, in commit order.
    assert [c.seq for c in polled] == [c.seq for c in everything]
    assert polled == everything
