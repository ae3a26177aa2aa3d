"""Durability costs: writer processes on one file, fire at 1,000 vs 1,000,000 tasks, verify speed.

1. Changes per second with 1, 2 and 4 writer processes on one database file (WAL), against a raw
   ``sqlite3`` baseline with the same process counts. Both run on a copy of the same database made
   by ``Engine`` (same tables, indexes and task rows). Each process owns a share of the 35 tasks of
   2024 and moves them along start -> submit -> send_back -> submit ...; the baseline does the
   same rows per change (one ``BEGIN IMMEDIATE`` transaction: UPDATE the task, INSERT the event)
   with nothing else; the engine adds permissions, the payload checks, the version check, the
   hash chain and the busy handling. Processes start together (a barrier) and run ``--seconds``.
2. The cost of one ``fire`` on a database of 1,000 tasks against one of 1,000,000 (target ratio
   <= 1.3: every statement of a fire is an index lookup, none a scan). Both databases are made the
   same way: ``Engine`` + ``open_cycle(2024)`` (35 real tasks), then synthetic 2024 tasks bulk-
   inserted with ``executemany`` straight into the engine's ``tasks`` table, each with its
   ``create`` event, also inserted by raw SQL with a correctly chained hash. The events are
   written because a real database of a million tasks has at least a million events, and the
   events table and its indexes are written by every fire (so the big database is as deep where
   a fire works as a real one, and still verifies). Fires are measured on the real tasks only.
3. ``verify`` time per 100,000 events, on a database whose history is like a real one (tasks
   moved along start, submit with a report, send_back, ...; histories interleaved), written by raw
   SQL with correct hashes and task rows that match their replay; and on the 1,000,000-task one.

Run: python benchmarks/bench_durability.py [--seconds S] [--big N] [--fires N] [--history N]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import multiprocessing as mp
import resource
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from plan161_workflow import load_rules
from plan161_workflow.clock import FakeClock
from plan161_workflow.engine import Engine
from plan161_workflow.model.plan import Plan
from plan161_workflow.model.task import Task
from plan161_workflow.store.chain import canonical, event_hash
from plan161_workflow.store.repo import EVENT_COLUMNS, TASK_COLUMNS

RULES = Path(__file__).resolve().parents[1] / "rules" / "ha-tinh-161.yaml"
DAY = dt.date(2024, 3, 1)
AT = FakeClock(DAY)().isoformat()
DUE = "2024-11-30"
REPORT = {"summary": "Báo cáo kết quả", "indicators": {"hoi-nghi": 3}, "attachments": []}
REASON = "bổ sung số liệu"
# state -> (trigger, next state): the loop every writer moves its tasks along
NEXT = {
    "assigned": ("start", "in_progress"),
    "in_progress": ("submit", "reported"),
    "reported": ("send_back", "in_progress"),
}


def make_db(plan: Plan, path: Path) -> Path:
    """A database file holding the rules and the 2024 cycle (35 tasks), made by Engine."""
    with Engine(plan, db=path, clock=FakeClock(DAY)) as eng:
        eng.open_cycle(2024)
    return path


def step(eng: Engine, tasks: dict[str, Task], task_id: str, consolidator: str) -> None:
    """Fire the next trigger of the start / submit / send_back loop on one task."""
    task = tasks[task_id]
    trigger, _ = NEXT[task.state]
    if trigger == "start":
        task = eng.fire(task.id, "start", actor=task.agency)
    elif trigger == "submit":
        task = eng.fire(task.id, "submit", actor=task.agency, report=REPORT)
    else:
        task = eng.fire(task.id, "send_back", actor=consolidator, reason=REASON)
    tasks[task.id] = task


# -- 1. writer processes ----------------------------------------------------------------------
def engine_writer(db: str, index: int, count: int, seconds: float, barrier: Any, out: Any) -> None:
    with Engine.open(db, clock=FakeClock(DAY)) as eng:
        tasks = {t.id: t for t in eng.tasks(year=2024)[index::count]}
        consolidator = eng.book.holder("consolidator", DAY)
        ids = sorted(tasks)
        done = 0
        barrier.wait()
        start = time.perf_counter()
        deadline = start + seconds
        while time.perf_counter() < deadline:
            step(eng, tasks, ids[done % len(ids)], consolidator)
            done += 1
        out.put((done, time.perf_counter() - start))


def raw_writer(db: str, index: int, count: int, seconds: float, barrier: Any, out: Any) -> None:
    conn = sqlite3.connect(db, isolation_level=None, timeout=30)
    conn.execute("PRAGMA busy_timeout = 30000")
    conn.execute("PRAGMA synchronous = NORMAL")
    rows = conn.execute(
        "SELECT id, agency, state, version FROM tasks WHERE year = 2024 ORDER BY id"
    )
    mine = rows.fetchall()[index::count]
    state = {tid: [agency, st, version] for tid, agency, st, version in mine}
    ids = sorted(state)
    payloads = {
        "start": "{}",
        "submit": canonical({"report": REPORT}),
        "send_back": canonical({"reason": REASON}),
    }
    done = 0
    barrier.wait()
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        tid = ids[done % len(ids)]
        agency, before, version = state[tid]
        trigger, after = NEXT[before]
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "UPDATE tasks SET state = ?, version = ? WHERE id = ?", (after, version + 1, tid)
        )
        conn.execute(
            "INSERT INTO events(task_id, trigger, from_state, to_state, actor, at, outcome, "
            "payload, version, hash) VALUES (?, ?, ?, ?, ?, ?, 'applied', ?, ?, ?)",
            (tid, trigger, before, after, agency, AT, payloads[trigger], version + 1, "0" * 64),
        )
        conn.execute("COMMIT")
        state[tid] = [agency, after, version + 1]
        done += 1
    out.put((done, time.perf_counter() - start))
    conn.close()


def writers_rate(target: Any, db: Path, count: int, seconds: float) -> float:
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(count)
    out = ctx.Queue()
    procs = [
        ctx.Process(target=target, args=(str(db), i, count, seconds, barrier, out))
        for i in range(count)
    ]
    for p in procs:
        p.start()
    results = [out.get(timeout=seconds + 120) for _ in procs]
    for p in procs:
        p.join()
        if p.exitcode != 0:
            raise SystemExit(f"a writer process failed (exit {p.exitcode})")
    return sum(done for done, _ in results) / max(elapsed for _, elapsed in results)


def bench_writers(plan: Plan, tmp: Path, seconds: float) -> None:
    print(f"1. changes/s, writer processes on one file (WAL), {seconds:g} s each")
    print(f"   {'writers':>7} {'raw sqlite3/s':>14} {'engine/s':>9} {'engine/raw':>11}")
    template = make_db(plan, tmp / "writers.db")
    for count in (1, 2, 4):
        base_db = shutil.copy(template, tmp / f"raw-{count}.db")
        eng_db = shutil.copy(template, tmp / f"eng-{count}.db")
        base = writers_rate(raw_writer, Path(base_db), count, seconds)
        eng = writers_rate(engine_writer, Path(eng_db), count, seconds)
        with Engine.open(eng_db) as check:
            assert check.verify().ok
        print(f"   {count:>7} {base:>14.0f} {eng:>9.0f} {eng / base:>11.2f}")


# -- 2. fire at 1,000 vs 1,000,000 tasks --------------------------------------------------------
@contextlib.contextmanager
def bulk(path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")  # building only: the file is thrown away after
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def _head(conn: sqlite3.Connection) -> tuple[int, str]:
    seq, digest = conn.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
    return int(seq), str(digest)


_SYNTHETIC = TASK_COLUMNS[:10]  # id .. version; report, reported_at, days_late, rating: NULL
_TASK_SQL = f"INSERT INTO tasks({', '.join(_SYNTHETIC)}) VALUES ({', '.join('?' * 10)})"
_FULL_TASK_SQL = f"INSERT INTO tasks({', '.join(TASK_COLUMNS)}) VALUES ({', '.join('?' * 14)})"
_EVENT_SQL = f"INSERT INTO events({', '.join(EVENT_COLUMNS)}) VALUES ({', '.join('?' * 12)})"


def add_synthetic_tasks(path: Path, count: int, agencies: list[str]) -> None:
    """Bulk-insert ``count`` 2024 tasks, each with its chained ``create`` event."""
    with bulk(path) as conn:
        seq, previous = _head(conn)
        for first in range(0, count, 50_000):
            tasks, events = [], []
            for i in range(first, min(count, first + 50_000)):
                agency = agencies[i % len(agencies)]
                tid = f"2024/S.{i:07d}/{agency}"
                unit = f"S.{i // 100}"
                tasks.append((tid, 2024, unit, None, agency, agency, "[]", DUE, "assigned", 1))
                seq += 1
                event = {
                    "seq": seq,
                    "task_id": tid,
                    "trigger": "create",
                    "from_state": None,
                    "to_state": "assigned",
                    "actor": "rules",
                    "at": AT,
                    "outcome": "applied",
                    "payload": canonical({"agency": agency, "due": DUE}),
                    "version": 1,
                    "request_id": None,
                }
                previous = event["hash"] = event_hash(previous, event)
                events.append(tuple(event.values()))
            conn.executemany(_TASK_SQL, tasks)
            conn.executemany(_EVENT_SQL, events)


def fire_cost(db: Path, fires: int) -> float:
    """Microseconds per fire on the real tasks (median of 5 rounds, after a warm-up)."""
    with Engine.open(db, clock=FakeClock(DAY)) as eng:
        tasks = {t.id: t for t in eng.tasks(year=2024) if not t.id.startswith("2024/S.")}
        ids = sorted(tasks)
        consolidator = eng.book.holder("consolidator", DAY)
        n = 0

        def run(count: int) -> float:
            nonlocal n
            start = time.perf_counter()
            for _ in range(count):
                step(eng, tasks, ids[n % len(ids)], consolidator)
                n += 1
            return (time.perf_counter() - start) / count * 1e6

        run(max(100, fires // 10))
        return statistics.median(run(max(1, fires // 5)) for _ in range(5))


def bench_fire_scale(plan: Plan, tmp: Path, big: int, fires: int) -> Path:
    print(f"\n2. cost of one fire, {fires} fires on the 35 real tasks of each database")
    agencies = sorted(a.code for a in plan.agencies)
    rows = []
    paths = {}
    for total in (1_000, big):
        path = make_db(plan, tmp / f"tasks-{total}.db")
        start = time.perf_counter()
        add_synthetic_tasks(path, total - 35, agencies)
        built = time.perf_counter() - start
        paths[total] = path
        rows.append((total, built, fire_cost(path, fires), path.stat().st_size / 2**20))
    print(f"   {'tasks':>9} {'built in':>9} {'file MB':>8} {'us/fire':>8}")
    for total, built, cost, size in rows:
        print(f"   {total:>9,} {built:>8.1f}s {size:>8.0f} {cost:>8.0f}")
    ratio = rows[1][2] / rows[0][2]
    print(f"   ratio {big:,} / 1,000 tasks: {ratio:.2f} (target <= 1.3)")
    return paths[big]


# -- 3. verify ----------------------------------------------------------------------------------
def add_history(path: Path, events: int, agencies: list[str]) -> None:
    """Synthetic tasks with real-looking histories (``events`` events in all), interleaved."""
    per_task = 10
    count = events // per_task
    with bulk(path) as conn:
        seq, previous = _head(conn)
        tasks = []
        for i in range(count):
            agency = agencies[i % len(agencies)]
            tasks.append([f"2024/H.{i:06d}/{agency}", agency, None, 0, None, None, None])
        rows = []
        for step in range(per_task):
            for task in tasks:
                tid, agency, state, version, report, reported_at, late = task
                if step == 0:
                    trigger, after, payload = "create", "assigned", {"agency": agency, "due": DUE}
                else:
                    trigger, after = NEXT[state]
                    payload = {}
                    if trigger == "submit":
                        report = {**REPORT, "summary": f"Báo cáo lần {step}"}
                        payload["report"] = report
                        if reported_at is None:
                            reported_at, late = AT, 0
                            payload.update(reported_at=AT, days_late=0)
                    elif trigger == "send_back":
                        payload["reason"] = REASON
                seq += 1
                event = {
                    "seq": seq,
                    "task_id": tid,
                    "trigger": trigger,
                    "from_state": state,
                    "to_state": after,
                    "actor": "rules" if step == 0 else agency,
                    "at": AT,
                    "outcome": "applied",
                    "payload": canonical(payload),
                    "version": version + 1,
                    "request_id": None,
                }
                previous = event["hash"] = event_hash(previous, event)
                rows.append(tuple(event.values()))
                task[2:] = [after, version + 1, report, reported_at, late]
        rows_of_tasks = []
        for i, (tid, agency, state, version, report, reported_at, late) in enumerate(tasks):
            text = canonical(report) if report else None
            unit = f"H.{i // 100}"
            fixed = (tid, 2024, unit, None, agency, agency, "[]", DUE, state, version)
            rows_of_tasks.append((*fixed, text, reported_at, late, None))
        conn.executemany(_FULL_TASK_SQL, rows_of_tasks)
        conn.executemany(_EVENT_SQL, rows)


def verify_time(path: Path) -> tuple[int, float]:
    with Engine.open(path) as eng:
        start = time.perf_counter()
        report = eng.verify()
        elapsed = time.perf_counter() - start
    if not report.ok:
        raise SystemExit(f"{path.name} does not verify: {report.summary()[:300]}")
    return report.events, elapsed


def bench_verify(plan: Plan, tmp: Path, history: int, big_db: Path | None) -> None:
    print("\n3. verify (chain + replay of every task)")
    path = make_db(plan, tmp / "history.db")
    add_history(path, history, sorted(a.code for a in plan.agencies))
    print(f"   {'database':<30} {'events':>9} {'seconds':>8} {'s/100k events':>14}")
    for label, db in (("mixed histories", path), ("1 create per task (section 2)", big_db)):
        if db is None:
            continue
        events, elapsed = verify_time(db)
        print(f"   {label:<30} {events:>9,} {elapsed:>8.2f} {elapsed / events * 1e5:>14.2f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"   peak memory of this whole process (all sections): {peak:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="run of each writer test")
    parser.add_argument("--big", type=int, default=1_000_000, help="tasks in the big database")
    parser.add_argument("--fires", type=int, default=3000, help="fires timed per database")
    parser.add_argument("--history", type=int, default=100_000, help="events for section 3")
    parser.add_argument("--no-verify-big", action="store_true", help="skip verify of the big db")
    args = parser.parse_args()
    plan = load_rules(RULES)
    with tempfile.TemporaryDirectory() as tmp:
        bench_writers(plan, Path(tmp), args.seconds)
        big_db = bench_fire_scale(plan, Path(tmp), args.big, args.fires)
        bench_verify(plan, Path(tmp), args.history, None if args.no_verify_big else big_db)


if __name__ == "__main__":
    main()
