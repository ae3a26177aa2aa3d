"""Periods (schema version 4) on both backends: a database written before periods opens read-only
as it is, each task and consolidation in its year's period, and is migrated when opened to
write, its history and head unchanged; PostgreSQL's tables have SQLite's columns."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

import psycopg
import pytest

from plan161_workflow.clock import FakeClock
from plan161_workflow.engine import Engine
from plan161_workflow.model.plan import Plan
from plan161_workflow.store import schema


def _raw(db: str | Path, *statements: str) -> list[tuple[Any, ...]]:
    """Run ``statements`` on ``db`` outside the library; the rows of the last."""
    rows: list[tuple[Any, ...]] = []
    if isinstance(db, str):
        with psycopg.connect(db, autocommit=True) as conn:
            for sql in statements:
                cur = conn.execute(sql)  # type: ignore[arg-type]
                rows = list(cur.fetchall()) if cur.description else []
        return rows
    with contextlib.closing(sqlite3.connect(db, isolation_level=None)) as conn:
        for sql in statements:
            rows = list(conn.execute(sql).fetchall())
    return rows


def _version(db: str | Path) -> int:
    if isinstance(db, str):
        return int(_raw(db, "SELECT value FROM meta WHERE key = 'schema_version'")[0][0])
    return int(_raw(db, "PRAGMA user_version")[0][0])


def _before_periods(db: str | Path) -> None:
    """Make ``db`` what version 3 (the release before periods) wrote."""
    drops = [
        stmt
        for table in ("tasks", "consolidations")
        for stmt in (f"DROP INDEX {table}_period", f"ALTER TABLE {table} DROP COLUMN period")
    ]
    if isinstance(db, str):
        _raw(db, *drops, "UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    else:
        _raw(db, *drops, "PRAGMA user_version = 3")


@pytest.fixture
def old(file_db: str | Path, plan: Plan) -> tuple[str | Path, str]:
    """A database of version 3 with the 2024 cycle consolidated, and its head."""
    clock = FakeClock(dt.datetime(2024, 3, 1, 9, 0))
    with Engine(plan, db=file_db, clock=clock) as eng:
        tasks = eng.open_cycle(2024)
        eng.fire(tasks[0].id, "start", actor=tasks[0].agency)
        clock.set(dt.datetime(2024, 12, 20, 9, 0))
        missing = sorted({t.agency for t in eng.consolidation_candidates(2024)[1]})
        eng.consolidate(2024, actor=plan.roles.consolidator, waive=missing)
        head = eng.verify().head
    _before_periods(file_db)
    return file_db, head


def test_read_only_an_older_database_is_read_with_yearly_periods(
    old: tuple[str | Path, str],
) -> None:
    db, head = old
    with Engine.open(db, read_only=True) as eng:
        assert eng.verify().head == head
        tasks = eng.tasks(year=2024)
        assert len(tasks) == 35
        assert {t.period for t in tasks} == {"2024"}
        assert [c.period for c in eng.consolidations(2024)] == ["2024"]
    assert _version(db) == 3  # nothing written


def test_opened_to_write_it_is_migrated_with_its_history(
    old: tuple[str | Path, str], plan: Plan
) -> None:
    db, head = old
    with Engine.open(db, clock=FakeClock(dt.date(2025, 1, 5))) as eng:
        assert _version(db) == schema.SCHEMA_VERSION == 4
        report = eng.verify()
        assert report.ok
        assert report.head == head
        assert {t.period for t in eng.tasks(year=2024)} == {"2024"}
        assert [c.period for c in eng.consolidations(2024)] == ["2024"]
        assert {t.period for t in eng.open_cycle(2025)} == {"2025"}
        assert eng.verify().ok


def test_postgresql_tables_have_the_columns_of_sqlite(pg_url: str, plan: Plan) -> None:
    Engine(plan, db=pg_url).close()
    with contextlib.closing(sqlite3.connect(":memory:")) as conn:
        schema.create_tables(conn)
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        lite = {t: [r[1] for r in conn.execute(f"PRAGMA table_info({t})")] for t in tables}
    pg: dict[str, list[str]] = {}
    for table, column in _raw(
        pg_url,
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position",
    ):
        pg.setdefault(str(table), []).append(str(column))
    assert pg == lite
