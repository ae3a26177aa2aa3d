"""``Engine.fire`` per second against a hand-made baseline doing the same work with nothing between.

Baseline per change: raw ``transitions`` firing the same shared machine on a bare object, plus raw
``sqlite3`` writing the same task update and event row in one transaction. Engine: permissions,
guards, payload checks, the hash chain and history on top. Printed as rates and their ratio, once
for an in-memory database and once for a file in WAL mode (target: ratio >= 0.6).

Run: python benchmarks/bench_fire.py [--changes N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from transitions import Machine

from plan161_workflow import load_rules
from plan161_workflow.clock import FakeClock
from plan161_workflow.engine import Engine
from plan161_workflow.store.schema import create_tables

RULES = Path(__file__).resolve().parents[1] / "rules" / "ha-tinh-161.yaml"
CYCLE = ("start", "submit", "send_back", "submit", "send_back")  # loops: in_progress <-> reported


def engine_rate(db: str | None, changes: int) -> float:
    plan = load_rules(RULES)
    eng = Engine(plan, db=db, clock=FakeClock(dt.date(2024, 3, 1)))
    tasks = [t for t in eng.open_cycle(2024) if t.area]
    consolidator = plan.roles.consolidator
    report = {"summary": "Báo cáo kết quả"}
    per_task = changes // len(tasks) + 1
    done = 0
    start = time.perf_counter()
    for t in tasks:
        for i in range(per_task):
            trigger = CYCLE[0] if i == 0 else CYCLE[1 + (i - 1) % 4]
            if trigger == "start":
                eng.fire(t.id, "start", actor=t.agency)
            elif trigger == "submit":
                eng.fire(t.id, "submit", actor=t.agency, report=report)
            else:
                eng.fire(t.id, "send_back", actor=consolidator, reason="bổ sung số liệu")
            done += 1
    elapsed = time.perf_counter() - start
    eng.close()
    return done / elapsed


def baseline_rate(db: str | None, changes: int) -> float:
    states = ["assigned", "in_progress", "reported", "consolidated", "evaluated"]
    machine = Machine(
        model=None,
        states=states,
        initial="assigned",
        auto_transitions=False,
        transitions=[
            {"trigger": "start", "source": "assigned", "dest": "in_progress"},
            {"trigger": "submit", "source": ["assigned", "in_progress"], "dest": "reported"},
            {"trigger": "send_back", "source": "reported", "dest": "in_progress"},
        ],
    )
    conn = sqlite3.connect(db or ":memory:", isolation_level=None)
    if db:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    create_tables(conn)  # the engine's own tables and indexes: the same rows, the same cost
    ids = [f"2024/II.1/agency-{i}" for i in range(31)]
    conn.executemany(
        "INSERT INTO tasks(id, year, area, agency, original_agency, coordinating, due, state, "
        "version) VALUES (?, 2024, 'II.1', 'agency', 'agency', '[]', '2024-11-30', 'assigned', 1)",
        [(i,) for i in ids],
    )

    class Bare:
        state = "assigned"

    per_task = changes // len(ids) + 1
    done = 0
    start = time.perf_counter()
    for tid in ids:
        obj = Bare()
        obj.state = "assigned"
        for i in range(per_task):
            trigger = CYCLE[0] if i == 0 else CYCLE[1 + (i - 1) % 4]
            before = obj.state
            machine.events[trigger].trigger(obj)
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                "UPDATE tasks SET state = ?, version = version + 1 WHERE id = ?", (obj.state, tid)
            )
            conn.execute(
                "INSERT INTO events(task_id, trigger, from_state, to_state, actor, at, outcome, "
                "payload, version, hash) VALUES (?, ?, ?, ?, ?, ?, 'applied', ?, ?, ?)",
                (
                    tid,
                    trigger,
                    before,
                    obj.state,
                    "agency",
                    "2024-03-01T08:00:00+07:00",
                    '{"summary":"Báo cáo kết quả"}',
                    i + 2,
                    "0" * 64,
                ),
            )
            conn.execute("COMMIT")
            done += 1
    elapsed = time.perf_counter() - start
    conn.close()
    return done / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--changes", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds; medians shown")
    args = parser.parse_args()
    print(
        f"{'database':<10} {'baseline/s':>11} {'engine/s':>10} {'ratio':>6}  (median of "
        f"{args.rounds} alternating rounds of {args.changes} changes)"
    )
    for label in ("memory", "file-wal"):
        bases, engines, ratios = [], [], []
        for _ in range(args.rounds):
            with tempfile.TemporaryDirectory() as tmp:
                base_db = None if label == "memory" else str(Path(tmp) / "base.db")
                eng_db = None if label == "memory" else str(Path(tmp) / "eng.db")
                base = baseline_rate(base_db, args.changes)
                eng = engine_rate(eng_db, args.changes)
            bases.append(base)
            engines.append(eng)
            ratios.append(eng / base)
        print(
            f"{label:<10} {statistics.median(bases):>11.0f} {statistics.median(engines):>10.0f} "
            f"{statistics.median(ratios):>6.2f}"
        )


if __name__ == "__main__":
    main()
