"""Schema versions: an older database is migrated in one transaction; a newer one, a file that is
not SQLite and another program's SQLite database are refused, and nothing is written to them."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from durable_kit import clock, downgrade_to_v1, files_in

from plan161_workflow.cli import main
from plan161_workflow.engine import Engine, rules_digest
from plan161_workflow.errors import StoreError
from plan161_workflow.model.plan import Plan
from plan161_workflow.store import schema

TASK = "2024/II.1/so-tttt"


def _connect(db: Path) -> contextlib.closing[sqlite3.Connection]:
    return contextlib.closing(sqlite3.connect(db, isolation_level=None))


def _header(db: Path) -> tuple[int, int]:
    with _connect(db) as conn:
        app = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    return app, version


def _dump(db: Path) -> list[str]:
    """Everything in the database, schema and rows, and its header fields."""
    with _connect(db) as conn:
        return [*conn.iterdump(), f"user_version={_header(db)[1]}"]


def _event_columns(db: Path) -> list[str]:
    with _connect(db) as conn:
        return [r[1] for r in conn.execute("PRAGMA table_info(events)")]


@pytest.fixture
def v1(db: Path) -> Path:
    """A version-1 database with a history."""
    with Engine.open(db, clock=clock()) as eng:
        eng.fire(TASK, "start", actor="so-tttt")
        eng.fire(TASK, "submit", actor="so-tttt", report={"summary": "Báo cáo"})
    downgrade_to_v1(db)
    assert _header(db) == (schema.APPLICATION_ID, 1)
    assert "request_key" not in _event_columns(db)
    return db


def test_an_older_database_is_migrated_when_opened(v1: Path) -> None:
    with _connect(v1) as conn:
        hashes = conn.execute("SELECT seq, hash FROM events ORDER BY seq").fetchall()
    with Engine.open(v1, clock=clock()) as eng:
        assert eng.verify().ok  # history kept as it was
        done = eng.fire(TASK, "send_back", actor="so-ldtbxh", reason="thiếu", request_id="r-1")
        assert (
            eng.fire(TASK, "send_back", actor="so-ldtbxh", reason="thiếu", request_id="r-1") == done
        )
        assert eng.verify().ok
    assert _header(v1) == (schema.APPLICATION_ID, schema.SCHEMA_VERSION) == (0x50313631, 4)
    assert "request_key" in _event_columns(v1)
    with _connect(v1) as conn:
        assert (
            conn.execute("SELECT seq, hash FROM events WHERE seq <= ?", (len(hashes),)).fetchall()
            == hashes
        )
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert "events_request" in indexes


def test_a_version_1_database_made_by_hand_is_migrated(tmp_path: Path, plan: Plan) -> None:
    db = tmp_path / "v1.db"
    digest, text = rules_digest(plan)
    with _connect(db) as conn:
        conn.executescript(schema.DDL_V1)
        conn.execute(f"PRAGMA application_id = {schema.APPLICATION_ID}")
        conn.execute("PRAGMA user_version = 1")
        conn.execute(
            "INSERT INTO rules(hash, plan, added_at, ordinal) VALUES (?, ?, ?, 1)",
            (digest, text, "2024-01-01T08:00:00+07:00"),
        )
    with Engine.open(db, clock=clock()) as eng:
        assert len(eng.open_cycle(2024)) == 35
        eng.fire(TASK, "start", actor="so-tttt", request_id="r-1")
        assert eng.verify().ok
    assert _header(db)[1] == schema.SCHEMA_VERSION


def test_a_failing_migration_leaves_the_database_as_it_was(
    v1: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _dump(v1)
    upgrade = schema.MIGRATIONS[2]

    def fails_half_way(conn: sqlite3.Connection) -> None:
        upgrade(conn)  # the column and the index are added ...
        raise sqlite3.OperationalError("disk I/O error (simulated)")  # ... then it fails

    monkeypatch.setitem(schema.MIGRATIONS, 2, fails_half_way)
    with pytest.raises(StoreError, match="simulated"):
        Engine.open(v1)
    assert _dump(v1) == before  # version 1, no request_key, no index: one transaction
    assert "request_key" not in _event_columns(v1)

    monkeypatch.setitem(schema.MIGRATIONS, 2, upgrade)
    with Engine.open(v1) as eng:
        assert eng.verify().ok
    assert _header(v1)[1] == schema.SCHEMA_VERSION


def _newer(path: Path, plan: Plan) -> str:
    Engine(plan, db=path, clock=clock()).close()
    with _connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    return f"schema version 99, newer than this library's {schema.SCHEMA_VERSION}"


def _text(path: Path, plan: Plan) -> str:
    path.write_text("seq,task,state\n1,2024/II.1/so-tttt,assigned\n", encoding="utf-8")
    return "is not a SQLite database"


def _other_program(path: Path, plan: Plan) -> str:
    with _connect(path) as conn:
        conn.execute("CREATE TABLE foo (id INTEGER PRIMARY KEY, bar TEXT)")
        conn.execute("INSERT INTO foo(bar) VALUES ('baz')")
    return "is a SQLite database of another program"


def _other_application(path: Path, plan: Plan) -> str:
    with _connect(path) as conn:
        conn.execute("PRAGMA application_id = 252006673")  # Fossil's
        conn.execute("CREATE TABLE config (name TEXT PRIMARY KEY, value)")
    return "is a SQLite database of another program"


@pytest.mark.parametrize(
    "make",
    [_newer, _text, _other_program, _other_application],
    ids=["newer", "text", "other-program", "other-application-id"],
)
def test_a_file_plan161_cannot_use_is_refused_and_left_untouched(
    tmp_path: Path,
    plan: Plan,
    capsys: pytest.CaptureFixture[str],
    make: Callable[[Path, Plan], str],
) -> None:
    path = tmp_path / "data.db"
    message = make(path, plan)
    before = files_in(tmp_path)
    with pytest.raises(StoreError, match=message):
        Engine.open(path)
    with pytest.raises(StoreError, match=message):
        Engine(plan, db=path)  # would write the rules: refused before that
    assert main(["verify", "--db", str(path)]) == 4  # a verdict: not a plan161 database
    out = capsys.readouterr().out
    assert out.startswith("NOT A PLAN161 DATABASE: ")
    assert message in out
    assert files_in(tmp_path) == before  # the same bytes, and no journal or WAL left beside it
