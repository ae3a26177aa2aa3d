"""A database made by the release before periods (schema version 3, data/ha-tinh-2024-v3.db,
written by data/make_v3.py with that release) opens: read-only as it is, and migrated to
version 4 when opened to write, its tasks and consolidation in the yearly period whose id is
the year, its history intact and its task ids unchanged."""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import sqlite3
from pathlib import Path

import pytest
from durable_kit import files_in

from plan161_workflow import Engine, load_rules
from plan161_workflow.clock import FakeClock
from plan161_workflow.store import schema

ROOT = Path(__file__).resolve().parents[2]
V3 = Path(__file__).parent / "data" / "ha-tinh-2024-v3.db"


@pytest.fixture
def v3_db(tmp_path: Path) -> Path:
    target = tmp_path / "v3.db"
    shutil.copyfile(V3, target)
    return target


def _version(db: Path) -> int:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])


def test_the_fixture_is_a_version_3_database() -> None:
    assert _version(V3) == 3
    with contextlib.closing(sqlite3.connect(V3)) as conn:
        columns = [r[1] for r in conn.execute("PRAGMA table_info(tasks)")]
    assert "period" not in columns


def test_read_only_it_is_read_as_it_is_with_yearly_periods(v3_db: Path) -> None:
    before = files_in(v3_db.parent)
    with Engine.open(v3_db, read_only=True) as eng:
        assert eng.verify().ok
        tasks = eng.tasks(year=2024)
        assert len(tasks) == 35
        assert {t.period for t in tasks} == {"2024"}
        assert eng.tasks(year=2024, period="2024") == tasks
        (record,) = eng.consolidations(2024)
        assert record.period == "2024"
    assert files_in(v3_db.parent) == before
    assert _version(v3_db) == 3


def test_opened_to_write_it_is_migrated_and_keeps_its_ids_and_history(v3_db: Path) -> None:
    with contextlib.closing(sqlite3.connect(v3_db)) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM tasks ORDER BY id")]
        head = conn.execute("SELECT hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()[0]
    plan = load_rules(ROOT / "rules" / "ha-tinh-161.yaml")
    clock = FakeClock(dt.datetime(2024, 12, 10, 9, 0))
    with Engine(plan, db=v3_db, clock=clock) as eng:
        assert _version(v3_db) == schema.SCHEMA_VERSION == 4
        report = eng.verify()
        assert report.ok
        assert report.head == head
        tasks = eng.tasks(year=2024)
        assert sorted(t.id for t in tasks) == ids
        assert {t.period for t in tasks} == {"2024"}
        assert [c.period for c in eng.consolidations(2024)] == ["2024"]
        # the migrated database goes on working: the next year's cycle, a consolidation
        eng.open_cycle(2025)
        assert {t.period for t in eng.tasks(year=2025)} == {"2025"}
        assert eng.verify().ok
