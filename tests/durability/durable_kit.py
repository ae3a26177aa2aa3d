"""Helpers of the durability tests, and the writer processes they start.

Run as a script, this module is one writer on a database file::

    python durable_kit.py fire  DB SECONDS SEED [--shared]   # prints "ready", waits for a line
                                                             # on stdin, fires for SECONDS, prints
                                                             # its tally as one JSON line
    python durable_kit.py crash DB SEED                      # fires forever (until SIGKILLed);
                                                             # prints "ready" after its first write

Writers open the database with ``Engine.open`` (it keeps its rules), fire random triggers with the
right actor most of the time, and count what they committed: every applied change and every
refused attempt is one event; a conflict, a repeated request and a reused request id write none.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import random
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from plan161_workflow.clock import FakeClock
from plan161_workflow.engine import Engine
from plan161_workflow.errors import ConflictError, PayloadError, StoreError, WorkflowError
from plan161_workflow.model.task import Task

KIT = Path(__file__).resolve()
DAY = dt.date(2024, 3, 1)
SHARED_TASK = "2024/II.1/so-tttt"
SHARED_REQUEST = "shared-comment"

# trigger -> weight: the lifecycle moves forward and back, actions come now and then.
TRIGGERS = {
    "start": 4,
    "submit": 4,
    "send_back": 3,
    "consolidate": 0.1,
    "evaluate": 0.02,
    "contribute": 1,
    "comment": 1,
    "reassign": 0.5,
    "no-such-trigger": 0.2,
}


def clock() -> FakeClock:
    """The clock every writer runs on (the Hà Tĩnh roles hold on this day)."""
    return FakeClock(DAY)


class Writer:
    """Fires random, mostly valid, triggers on an engine and tallies what it wrote."""

    def __init__(self, eng: Engine, seed: int, indicators: int = 1) -> None:
        self.eng = eng
        self.indicators = indicators
        self.rng = random.Random(seed)
        self.seed = seed
        self.ids = [t.id for t in eng.tasks()]
        self.agencies = sorted(eng.book.agencies)
        self.consolidator = eng.book.holder("consolidator", DAY)
        self.evaluator = eng.book.holder("evaluator", DAY)
        self.tally: Counter[str] = Counter()
        self.versions: list[tuple[str, int]] = []
        self.requests: list[tuple[str, dict[str, Any], Task]] = []
        self.n = 0

    def _request(self, task: Task) -> tuple[str, str, dict[str, Any]]:
        rng = self.rng
        trigger = rng.choices(list(TRIGGERS), weights=list(TRIGGERS.values()))[0]
        right = {
            "start": task.agency,
            "submit": task.agency,
            "send_back": self.consolidator,
            "consolidate": self.consolidator,
            "evaluate": self.evaluator,
            "contribute": task.coordinating[0] if task.coordinating else task.agency,
            "comment": task.agency,
            "reassign": self.consolidator,
        }.get(trigger, task.agency)
        actor = right if rng.random() < 0.85 else rng.choice(self.agencies)
        numbers = self._numbers()
        kwargs: dict[str, Any] = {
            "submit": {"report": {"summary": f"báo cáo {self.n}", "indicators": numbers}},
            "send_back": {"reason": "bổ sung số liệu"},
            "evaluate": {"rating": rng.choice(self.eng.book.ratings)},
            "contribute": {"text": f"góp ý {self.n}"},
            "comment": {"text": f"ý kiến {self.n}"},
            "reassign": {"agency": rng.choice([a for a in self.agencies if a != task.agency])},
        }.get(trigger, {})
        return trigger, actor, kwargs

    def step(self) -> None:
        """One call of ``fire`` (or of its idempotent repeat)."""
        self.n += 1
        rng = self.rng
        if self.requests and rng.random() < 0.04:
            self._repeat()
            return
        task = self.eng.task(rng.choice(self.ids))
        trigger, actor, kwargs = self._request(task)
        mode = rng.random()
        if mode < 0.2:
            kwargs["expected_version"] = task.version
        elif mode < 0.3:
            kwargs.update(expected_version=task.version, on_conflict="retry")
        elif mode < 0.4:
            kwargs["request_id"] = f"w{self.seed}-{self.n}"
        try:
            done = self.eng.fire(task.id, trigger, actor=actor, **kwargs)
        except ConflictError:
            self.tally["conflicts"] += 1  # refused and recorded, like any refusal
        except WorkflowError:
            self.tally["refused"] += 1  # a refused attempt is an event
        except StoreError:
            self.tally["store_errors"] += 1
        else:
            self.tally["applied"] += 1
            self.versions.append((done.id, done.version))
            if "request_id" in kwargs:
                call = {"trigger": trigger, "actor": actor, **kwargs}
                self.requests.append((task.id, call, done))

    def advance(self) -> None:
        """Move a random task one step along start, submit, send_back, as the right actor."""
        self.n += 1
        task = self.eng.task(self.rng.choice(self.ids))
        report = {"summary": f"báo cáo {self.n}", "indicators": self._numbers()}
        calls = {
            "assigned": ("start", task.agency, {}),
            "in_progress": ("submit", task.agency, {"report": report}),
            "reported": ("send_back", self.consolidator, {"reason": "bổ sung số liệu"}),
        }
        trigger, actor, kwargs = calls.get(task.state, ("comment", task.agency, {"text": "x"}))
        self.eng.fire(task.id, trigger, actor=actor, **kwargs)

    def _numbers(self) -> dict[str, int]:
        return {f"chỉ-tiêu-{i}": self.n + i for i in range(self.indicators)}

    def _repeat(self) -> None:
        task_id, call, first = self.rng.choice(self.requests)
        call = dict(call)
        trigger, actor = call.pop("trigger"), call.pop("actor")
        if self.rng.random() < 0.3:  # the same id with other arguments: refused, nothing written
            try:
                rid = call["request_id"]
                self.eng.fire(task_id, "comment", actor=actor, text="khác", request_id=rid)
            except PayloadError:
                self.tally["reuse_refused"] += 1
            else:
                self.tally["reuse_accepted"] += 1
            return
        again = self.eng.fire(task_id, trigger, actor=actor, **call)
        same = (again.id, again.version, again.state, again.agency) == (
            first.id,
            first.version,
            first.state,
            first.agency,
        )
        self.tally["repeats" if same else "repeat_mismatch"] += 1


def run_fire(db: str, seconds: float, seed: int, shared: bool) -> None:
    with Engine.open(db, clock=clock()) as eng:
        writer = Writer(eng, seed)
        print("ready", flush=True)
        sys.stdin.readline()
        shared_result = None
        if shared:  # every writer sends the same request at once: exactly one applies
            t = eng.fire(
                SHARED_TASK,
                "comment",
                actor=writer.consolidator,
                text="cùng một yêu cầu",
                request_id=SHARED_REQUEST,
            )
            shared_result = [t.id, t.version]
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            writer.step()
    out = {**writer.tally, "versions": writer.versions, "shared": shared_result}
    print(json.dumps(out), flush=True)


def run_crash(db: str, seed: int) -> None:
    eng = Engine.open(db, clock=clock())
    # Large reports widen the moments between a task's row and its event: the kills find them.
    writer = Writer(eng, seed, indicators=1000)
    rng = writer.rng
    first = True
    while True:
        roll = rng.random()
        try:
            if roll < 0.02:  # a large change: a cycle and all its tasks in one transaction
                eng.open_cycle(rng.choice((2023, 2025)))
                writer.ids = [t.id for t in eng.tasks()]
            elif roll < 0.05:  # another: every reported task of a year consolidated at once
                year = rng.choice([c["year"] for c in eng.store.cycles()])
                missing = {t.agency for t in eng.tasks(year=year) if t.state in _BEFORE_REPORT}
                eng.consolidate(year, actor=writer.consolidator, waive=missing)
            elif roll < 0.052:
                eng.close_cycle(2023, actor=writer.consolidator)
            elif roll < 0.7:
                writer.advance()
            else:
                writer.step()
        except WorkflowError:
            pass
        if first:
            first = False
            print("ready", flush=True)


_BEFORE_REPORT = ("assigned", "in_progress")


# -- helpers of the tests --------------------------------------------------------------------
def files_in(folder: Path) -> dict[str, str]:
    """Every file in ``folder`` (a database, and any -wal or -shm beside it) by content."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def downgrade_to_v1(db: Path) -> None:
    """Turn a current database into what schema version 1 wrote (no request_key, no unique
    request id, no tokens): opening it to write migrates it."""
    with contextlib.closing(sqlite3.connect(db, isolation_level=None)) as conn:
        conn.execute("DROP TABLE IF EXISTS tokens")  # version 3
        for table in ("tasks", "consolidations"):  # version 4: periods
            conn.execute(f"DROP INDEX {table}_period")
            conn.execute(f"ALTER TABLE {table} DROP COLUMN period")
        conn.execute("DROP INDEX events_request")
        conn.execute("ALTER TABLE events DROP COLUMN request_key")
        conn.execute("PRAGMA user_version = 1")


def start_writers(db: Path, count: int, seconds: float, *, shared: bool = False) -> list[Any]:
    """Start ``count`` writer processes; return them once every one is ready (not yet firing)."""
    procs = [
        subprocess.Popen(
            [sys.executable, str(KIT), "fire", str(db), str(seconds), str(seed)]
            + (["--shared"] if shared else []),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in range(1, count + 1)
    ]
    for p in procs:
        line = p.stdout.readline()
        assert line == "ready\n", p.stderr.read()
    return procs


def go(procs: list[Any]) -> None:
    """Let the writers fire."""
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()


def results(procs: list[Any], timeout: float = 60) -> list[dict[str, Any]]:
    """Each writer's tally, once it finished."""
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=timeout)
        assert p.returncode == 0, stderr
        out.append(json.loads(stdout.strip().splitlines()[-1]))
    return out


def check_whole(db: Path) -> dict[str, int]:
    """Assert the database verifies and holds only whole changes; return counts.

    Whole: the chain is intact and every task replays to its row (``verify``); sequence numbers
    are 1..N without a gap; every task's version is the number of its applied events (its create
    is version 1); every opened cycle holds all the tasks its open_cycle event announced; every
    bulk consolidation is preceded by exactly the consolidate events of the tasks it lists.
    """
    with Engine.open(db) as eng:
        report = eng.verify()
    assert report.ok, report.summary()
    with contextlib.closing(sqlite3.connect(db)) as conn:
        row = conn.execute("SELECT count(*), min(seq), max(seq) FROM events").fetchone()
        count, low, high = row
        assert (low, high) == (1, count)
        wrong = conn.execute(
            "SELECT t.id, t.version, (SELECT count(*) FROM events e "
            "WHERE e.task_id = t.id AND e.outcome = 'applied') AS n FROM tasks t "
            "WHERE t.version != n"
        ).fetchall()
        assert wrong == []
        for task_id, payload in conn.execute(
            "SELECT task_id, payload FROM events WHERE trigger = 'open_cycle' "
            "AND outcome = 'applied'"
        ).fetchall():
            year = int(task_id.split("/")[1])
            (n,) = conn.execute("SELECT count(*) FROM tasks WHERE year = ?", (year,)).fetchone()
            assert n == json.loads(payload)["tasks"], (year, n)
        bulks = conn.execute(
            "SELECT seq, payload FROM events WHERE trigger = 'consolidate_cycle' "
            "AND outcome = 'applied'"
        ).fetchall()
        for seq, payload in bulks:
            listed = json.loads(payload)["tasks"]
            before = conn.execute(
                "SELECT task_id, trigger FROM events WHERE seq >= ? AND seq < ? ORDER BY seq",
                (seq - len(listed), seq),
            ).fetchall()
            assert before == [(t, "consolidate") for t in listed], seq
        (n_tasks,) = conn.execute("SELECT count(*) FROM tasks").fetchone()
    return {"events": count, "tasks": n_tasks, "consolidations": len(bulks)}


if __name__ == "__main__":
    mode, db = sys.argv[1], sys.argv[2]
    if mode == "fire":
        run_fire(db, float(sys.argv[3]), int(sys.argv[4]), "--shared" in sys.argv)
    elif mode == "crash":
        run_crash(db, int(sys.argv[3]))
    else:
        raise SystemExit(f"unknown mode {mode!r}")
