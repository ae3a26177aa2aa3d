"""``Engine.fire`` per second against a hand-made baseline doing the same work with nothing between.

Baseline per change: raw ``transitions`` firing the same machine (the rules' workflow) on a bare
object, plus raw ``sqlite3`` writing the same task update and event row in one transaction: the
same columns and values, spelt out in advance, with a constant in place of the hash. Each round
checks that both wrote the same rows. Engine: permissions, guards, payload checks, canonical JSON,
the hash chain on top; its state change is read from the table its ``transitions`` machine answered
once when the rules were loaded (``workflow/machine.py``), where the baseline fires ``transitions``
on every change, as the issue defines it. Printed as rates and their ratio, once for an in-memory
database and once for a file in WAL mode (target: ratio >= 0.6), with what the engine adds to each
change in µs. With ``--pg URL`` (a PostgreSQL database this user may create schemas in), once more
on PostgreSQL, against raw ``psycopg`` doing the same writes in one transaction per change (each
side in its own fresh schema, dropped afterwards).

Run: python benchmarks/bench_fire.py [--changes N] [--pg postgresql://postgres@127.0.0.1/postgres]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from transitions import Machine

from plan161_workflow import load_rules
from plan161_workflow.calendar import WorkingCalendar
from plan161_workflow.clock import VIETNAM, FakeClock
from plan161_workflow.engine import Engine
from plan161_workflow.model.plan import Plan
from plan161_workflow.model.task import Task
from plan161_workflow.store import pg_schema
from plan161_workflow.store.schema import create_tables
from plan161_workflow.workflow.cycle_plan import plan_tasks

RULES = Path(__file__).resolve().parents[1] / "rules" / "ha-tinh-161.yaml"
CYCLE = ("start", "submit", "send_back", "submit", "send_back")  # loops: in_progress <-> reported
NOW = dt.datetime(2024, 3, 1, 8, 0, tzinfo=VIETNAM)
REPORT = {"summary": "Báo cáo kết quả"}
REASON = "bổ sung số liệu"

# What the engine writes for these changes, spelt out once so that the baseline spends nothing
# on building it: the report column and the event payloads (canonical JSON).
AT = "2024-03-01T08:00:00+07:00"
REPORT_TEXT = '{"attachments":[],"indicators":{},"summary":"Báo cáo kết quả"}'
PAYLOADS = {
    "start": "{}",
    "first submit": f'{{"days_late":0,"report":{REPORT_TEXT},"reported_at":"{AT}"}}',
    "submit": f'{{"report":{REPORT_TEXT}}}',
    "send_back": '{"reason":"bổ sung số liệu"}',
}
COMPARED = (
    "SELECT e.task_id, e.trigger, e.from_state, e.to_state, e.actor, e.at, e.outcome, "
    "e.payload, e.version, t.state, t.version, t.report, t.reported_at, t.days_late "
    "FROM events e JOIN tasks t ON t.id = e.task_id WHERE e.trigger != 'create' ORDER BY e.seq"
)
"""The rows both sides wrote (everything but the hash, which only the engine computes)."""


def plan_and_tasks() -> tuple[Plan, list[Task]]:
    plan = load_rules(RULES)
    tasks = plan_tasks(plan, 2024, WorkingCalendar(plan.calendar, [2024]))
    return plan, [t for t in tasks if t.area]


def reviewer(plan: Plan, task: Task) -> str:
    """Who sends ``task`` back: the consolidator, or for its own tasks the agency it reports
    to (``roles.reports_to``)."""
    consolidator = plan.roles.consolidator
    return plan.reports_to if task.agency == consolidator else consolidator


def changes_of(tasks: list[Task], changes: int) -> list[tuple[Task, str]]:
    per_task = changes // len(tasks) + 1
    return [
        (t, CYCLE[0] if i == 0 else CYCLE[1 + (i - 1) % 4])
        for t in sorted(tasks, key=lambda t: t.id)
        for i in range(per_task)
    ]


def engine_rate(db: str | None, changes: int) -> tuple[float, list[tuple[Any, ...]]]:
    plan, _ = plan_and_tasks()
    eng = Engine(plan, db=db, clock=FakeClock(NOW))
    tasks = [t for t in eng.open_cycle(2024) if t.area]
    todo = changes_of(tasks, changes)
    start = time.perf_counter()
    for t, trigger in todo:
        if trigger == "start":
            eng.fire(t.id, "start", actor=t.agency)
        elif trigger == "submit":
            eng.fire(t.id, "submit", actor=t.agency, report=REPORT)
        else:
            eng.fire(t.id, "send_back", actor=reviewer(plan, t), reason=REASON)
    elapsed = time.perf_counter() - start
    rows = [tuple(r) for r in eng.store.query(COMPARED)]
    eng.close()
    return len(todo) / elapsed, rows


class _Pg:
    """Raw psycopg with the baseline's ``?`` placeholders (translated once per statement)."""

    def __init__(self, url: str) -> None:
        self.conn = psycopg.connect(url, autocommit=True)
        self.sql: dict[str, str] = {}

    def execute(self, sql: str, params: Any = ()) -> Any:
        text = self.sql.get(sql) or self.sql.setdefault(sql, sql.replace("?", "%s"))
        return self.conn.execute(text, params)  # type: ignore[call-overload]

    def executemany(self, sql: str, rows: Any) -> None:
        with self.conn.cursor() as cur:
            cur.executemany(sql.replace("?", "%s"), rows)  # type: ignore[call-overload]

    def close(self) -> None:
        self.conn.close()


@contextmanager
def pg_schema_url(server: str) -> Iterator[str]:
    """A fresh schema on ``server``, as a URL; dropped afterwards."""
    name = f"plan161_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}")  # type: ignore[call-overload]
    try:
        yield f"{server}{'&' if '?' in server else '?'}options=-csearch_path%3D{name}"
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {name} CASCADE")  # type: ignore[call-overload]


def baseline_rate(db: str | None, changes: int) -> tuple[float, list[tuple[Any, ...]]]:
    plan, tasks = plan_and_tasks()
    machine = Machine(
        model=None,
        states=list(plan.workflow.states),
        initial=plan.workflow.initial,
        auto_transitions=False,
        transitions=[
            {"trigger": t.trigger, "source": list(t.source), "dest": t.dest}
            for t in plan.workflow.transitions
        ],
    )
    conn: Any
    if db and db.startswith("postgresql://"):
        conn = _Pg(db)
        conn.execute(pg_schema.DDL)  # the engine's own tables and indexes on PostgreSQL
    else:
        conn = sqlite3.connect(db or ":memory:", isolation_level=None)
        if db:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
        create_tables(conn)  # the engine's own tables and indexes: the same rows, the same cost
    conn.executemany(
        "INSERT INTO tasks(id, year, area, agency, original_agency, coordinating, due, state, "
        "version) VALUES (?, 2024, ?, ?, ?, '[]', ?, 'assigned', 1)",
        [(t.id, t.area, t.agency, t.agency, t.due.isoformat() if t.due else None) for t in tasks],
    )
    todo = changes_of(tasks, changes)

    class Bare:
        state = "assigned"

    objects = {t.id: Bare() for t in tasks}
    versions = dict.fromkeys(objects, 1)
    reported: set[str] = set()
    start = time.perf_counter()
    for seq, (t, trigger) in enumerate(todo, start=1):
        obj = objects[t.id]
        before = obj.state
        machine.events[trigger].trigger(obj)
        version = versions[t.id] = versions[t.id] + 1
        conn.execute("BEGIN" if isinstance(conn, _Pg) else "BEGIN IMMEDIATE")
        if trigger != "submit":
            conn.execute(
                "UPDATE tasks SET state = ?, version = ? WHERE id = ?", (obj.state, version, t.id)
            )
            payload = PAYLOADS[trigger]
        elif t.id in reported:
            conn.execute(
                "UPDATE tasks SET state = ?, report = ?, version = ? WHERE id = ?",
                (obj.state, REPORT_TEXT, version, t.id),
            )
            payload = PAYLOADS["submit"]
        else:
            reported.add(t.id)
            conn.execute(
                "UPDATE tasks SET state = ?, report = ?, reported_at = ?, days_late = ?, "
                "version = ? WHERE id = ?",
                (obj.state, REPORT_TEXT, AT, 0, version, t.id),
            )
            payload = PAYLOADS["first submit"]
        conn.execute(
            "INSERT INTO events(seq, task_id, trigger, from_state, to_state, actor, at, outcome, "
            "payload, version, hash) VALUES (?, ?, ?, ?, ?, ?, ?, 'applied', ?, ?, ?)",
            (
                seq,
                t.id,
                trigger,
                before,
                obj.state,
                reviewer(plan, t) if trigger == "send_back" else t.agency,
                AT,
                payload,
                version,
                "0" * 64,
            ),
        )
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    rows = [tuple(r) for r in conn.execute(COMPARED).fetchall()]
    conn.close()
    return len(todo) / elapsed, rows


@contextmanager
def _nothing() -> Iterator[None]:
    yield None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--changes", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds; medians shown")
    parser.add_argument("--pg", help="also on this PostgreSQL server (a libpq URL)")
    args = parser.parse_args()
    print(
        f"{'database':<10} {'baseline/s':>11} {'engine/s':>10} {'ratio':>6} {'µs more':>8}  "
        f"(median of {args.rounds} alternating rounds of {args.changes} changes; target >= 0.6)"
    )
    for label in ("memory", "file-wal", *(["postgresql"] if args.pg else [])):
        bases, engines, ratios = [], [], []
        for _ in range(args.rounds):
            with (
                tempfile.TemporaryDirectory() as tmp,
                pg_schema_url(args.pg) if label == "postgresql" else _nothing() as base_url,
                pg_schema_url(args.pg) if label == "postgresql" else _nothing() as eng_url,
            ):
                base_db = None if label == "memory" else base_url or str(Path(tmp) / "base.db")
                eng_db = None if label == "memory" else eng_url or str(Path(tmp) / "eng.db")
                base, base_rows = baseline_rate(base_db, args.changes)
                eng, eng_rows = engine_rate(eng_db, args.changes)
            if base_rows != eng_rows:
                raise SystemExit("the baseline did not write the rows the engine wrote")
            bases.append(base)
            engines.append(eng)
            ratios.append(eng / base)
        extra = statistics.median(1e6 / e - 1e6 / b for b, e in zip(bases, engines, strict=True))
        print(
            f"{label:<10} {statistics.median(bases):>11.0f} {statistics.median(engines):>10.0f} "
            f"{statistics.median(ratios):>6.2f} {extra:>8.1f}"
        )


if __name__ == "__main__":
    main()
