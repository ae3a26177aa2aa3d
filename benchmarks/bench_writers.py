"""Writers in 1, 2, 4 and 8 processes on one PostgreSQL database: changes per second of
``Engine.fire`` against raw psycopg doing the same writes (task row update + event insert in one
transaction, serialised on the same advisory lock as the engine's chain), same counts.

Each process comments on its own task (no conflicts: what is measured is the shared chain), each
side in a fresh schema dropped afterwards; the engine's database is verified intact at the end.

Run: python benchmarks/bench_writers.py --pg postgresql://postgres@127.0.0.1/postgres [--changes N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from plan161_workflow import Engine, FakeClock, load_rules
from plan161_workflow.store import pg_schema

RULES = Path(__file__).resolve().parents[1] / "rules" / "ha-tinh-161.yaml"
LOCK = "SELECT pg_advisory_xact_lock(1345402417, hashtext(current_schema()))"


@contextmanager
def schema_url(server: str) -> Iterator[str]:
    name = f"plan161_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}")  # type: ignore[call-overload]
    try:
        yield f"{server}{'&' if '?' in server else '?'}options=-csearch_path%3D{name}"
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {name} CASCADE")  # type: ignore[call-overload]


def engine_writer(args: tuple[str, str, str, int]) -> None:
    url, task_id, agency, changes = args
    with Engine.open(url, clock=FakeClock(dt.date(2024, 3, 1))) as eng:
        for i in range(changes):
            eng.fire(task_id, "comment", actor=agency, text=f"ý kiến {i}")


def raw_writer(args: tuple[str, str, str, int]) -> None:
    url, task_id, agency, changes = args
    with psycopg.connect(url, autocommit=True) as conn:
        for _ in range(changes):
            conn.execute("BEGIN")
            conn.execute(LOCK)
            head = conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()
            version = conn.execute(
                "UPDATE tasks SET version = version + 1 WHERE id = %s RETURNING version",
                (task_id,),
            ).fetchone()
            assert head is not None
            assert version is not None
            conn.execute(
                "INSERT INTO events(seq, task_id, trigger, from_state, to_state, actor, at, "
                "outcome, payload, version, hash) VALUES (%s, %s, 'comment', 'assigned', "
                "'assigned', %s, '2024-03-01T08:00:00+07:00', 'applied', %s, %s, %s)",
                (head[0] + 1, task_id, agency, '{"text":"ý kiến"}', version[0], "0" * 64),
            )
            conn.execute("COMMIT")


def run(writer: object, jobs: list[tuple[str, str, str, int]]) -> float:
    start = time.perf_counter()
    with multiprocessing.Pool(len(jobs)) as pool:
        pool.map(writer, jobs)  # type: ignore[arg-type]
    return sum(j[3] for j in jobs) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pg", required=True, help="a PostgreSQL server (libpq URL)")
    parser.add_argument("--changes", type=int, default=200, help="changes per process")
    args = parser.parse_args()
    plan = load_rules(RULES)
    print(f"{'processes':>9} {'raw/s':>8} {'engine/s':>9} {'ratio':>6}")
    for processes in (1, 2, 4, 8):
        with schema_url(args.pg) as eng_url, schema_url(args.pg) as raw_url:
            with Engine(plan, db=eng_url, clock=FakeClock(dt.date(2024, 3, 1))) as eng:
                tasks = [t for t in eng.open_cycle(2024) if t.area][:processes]
            with psycopg.connect(raw_url, autocommit=True) as conn:
                conn.execute(pg_schema.DDL)  # type: ignore[call-overload]
                for t in tasks:
                    conn.execute(
                        "INSERT INTO tasks(id, year, area, agency, original_agency, coordinating,"
                        " state, version) VALUES (%s, 2024, %s, %s, %s, '[]', 'assigned', 1)",
                        (t.id, t.area, t.agency, t.agency),
                    )
            raw = run(raw_writer, [(raw_url, t.id, t.agency, args.changes) for t in tasks])
            done = run(engine_writer, [(eng_url, t.id, t.agency, args.changes) for t in tasks])
            with Engine.open(eng_url) as eng:
                if not eng.verify().ok:
                    raise SystemExit("the engine's database does not verify")
        print(f"{processes:>9} {raw:>8.0f} {done:>9.0f} {done / raw:>6.2f}")


if __name__ == "__main__":
    main()
