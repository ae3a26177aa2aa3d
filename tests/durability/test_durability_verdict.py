"""``plan161 verify`` gives a verdict on any file, with its exit status, never an internal error:
intact 0, tampered 1, corrupt 3, not a plan161 database 4. And a task's events must follow on,
so that an event built on a forged row is caught although its hash is right."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import psycopg
import pytest
from durable_kit import clock
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plan161_workflow import verify_database
from plan161_workflow.cli import main
from plan161_workflow.engine import Engine
from plan161_workflow.errors import StoreError
from plan161_workflow.model.plan import Plan
from plan161_workflow.store.chain import HASHED_FIELDS
from plan161_workflow.store.copy import open_store
from plan161_workflow.store.repo import TASK_COLUMNS

TASK = "2024/II.1/so-tttt"
PREFIX = {0: "intact: ", 1: "TAMPERED: ", 3: "CORRUPT: ", 4: "NOT A PLAN161 DATABASE: "}


@pytest.fixture
def worked(db: Path) -> Path:
    """The 2024 database with a few changes and a refusal."""
    with Engine.open(db, clock=clock()) as eng:
        eng.fire(TASK, "start", actor="so-tttt")
        eng.fire(TASK, "submit", actor="so-tttt", report={"summary": "Đã tổ chức"})
        with contextlib.suppress(Exception):
            eng.fire(TASK, "evaluate", actor="so-tttt", rating="hoan-thanh")
    return db


@pytest.fixture
def worked_on(plan: Plan, file_db: str | Path) -> str:
    """``worked`` on each backend: a SQLite file path or a PostgreSQL URL."""
    with Engine(plan, db=file_db, clock=clock()) as eng:
        eng.open_cycle(2024)
        eng.fire(TASK, "start", actor="so-tttt")
        eng.fire(TASK, "submit", actor="so-tttt", report={"summary": "Đã tổ chức"})
        with contextlib.suppress(Exception):
            eng.fire(TASK, "evaluate", actor="so-tttt", rating="hoan-thanh")
    return str(file_db)


def _verdict(db: Path | str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = main(["verify", "--db", str(db)])
    out = capsys.readouterr()
    assert "internal error" not in out.err
    assert "Traceback" not in out.out + out.err
    lines = out.out.strip().splitlines()
    assert len(lines) == 1, out
    assert lines[0].startswith(PREFIX[status]), (status, lines[0])
    return status, lines[0]


def _sql(db: Path | str, statement: str, params: tuple[object, ...] = ()) -> None:
    if str(db).startswith("postgresql://"):
        with psycopg.connect(str(db), autocommit=True) as pg:
            pg.execute(statement.replace("?", "%s"), list(params))
        return
    with contextlib.closing(sqlite3.connect(db, isolation_level=None)) as conn:
        conn.execute(statement, params)


SQL_CASES = {
    "payload-blob": ("UPDATE events SET payload = CAST(payload AS BLOB) WHERE seq = 37", ()),
    "payload-not-json": ("UPDATE events SET payload = '{not json' WHERE seq = 37", ()),
    "payload-a-list": ("UPDATE events SET payload = '[1, 2]' WHERE seq = 37", ()),
    "rules-blob": ("UPDATE rules SET plan = CAST(plan AS BLOB)", ()),
    "rules-not-json": ("UPDATE rules SET plan = 'x'", ()),
    "version-text": ("UPDATE events SET version = 'x' WHERE seq = 3", ()),
    "hash-blob": ("UPDATE events SET hash = CAST(hash AS BLOB) WHERE seq = 2", ()),
    "task-id-blob": (f"UPDATE tasks SET id = CAST(id AS BLOB) WHERE id = '{TASK}'", ()),
    "report-not-json": (f"UPDATE tasks SET report = 'x' WHERE id = '{TASK}'", ()),
    "coordinating-not-json": (f"UPDATE tasks SET coordinating = 'x' WHERE id = '{TASK}'", ()),
    "consolidation-forged": (
        "INSERT INTO consolidations (seq, year, at, actor, tasks, missing, waived, recipients, "
        "period) VALUES (2, 2024, 'x', 'y', 'not json', '[]', '[]', '[]', '2024')",
        (),
    ),
    "cycle-rules-blob": ("UPDATE cycles SET rules_hash = CAST(rules_hash AS BLOB)", ()),
    "events-dropped": ("DROP TABLE events", ()),
    "column-dropped": ("ALTER TABLE tasks DROP COLUMN rating", ()),
}


TYPED = {"payload-blob", "rules-blob", "version-text", "hash-blob", "task-id-blob"}
TYPED |= {"cycle-rules-blob"}
"""Cases PostgreSQL refuses itself: its columns have types (text, integer), SQLite's do not."""

PG_STATEMENTS = {"events-dropped": "DROP TABLE events CASCADE"}
"""PostgreSQL's statement where SQLite's would be refused (a foreign key names ``events``)."""


@pytest.mark.parametrize(
    ("backend", "case"),
    [
        (b, c)
        for c in SQL_CASES
        for b in ("sqlite", "postgresql")
        if b == "sqlite" or c not in TYPED
    ],
)
def test_values_the_library_never_writes_are_tampering_not_errors(
    worked_on: str, backend: str, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    statement, params = SQL_CASES[case]
    if backend == "postgresql":
        statement = PG_STATEMENTS.get(case, statement)
    _sql(worked_on, statement, params)
    status, _line = _verdict(worked_on, capsys)
    assert status == 1
    assert verify_database(worked_on).verdict == "tampered"


def test_a_page_of_ff_bytes_is_corrupt(worked: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with contextlib.closing(sqlite3.connect(worked)) as conn:
        size = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
    assert pages > 3
    with worked.open("r+b") as fh:
        fh.seek(size * 2)
        fh.write(b"\xff" * size)
    status, line = _verdict(worked, capsys)
    assert status == 3
    assert "restore it from a backup" in line


@pytest.mark.parametrize("keep", [20, 100, 0.5, 0.9])
def test_a_truncated_file_is_corrupt(
    worked: Path, capsys: pytest.CaptureFixture[str], keep: float
) -> None:
    data = worked.read_bytes()
    worked.write_bytes(data[: int(keep * len(data)) if keep < 1 else int(keep)])
    status, _line = _verdict(worked, capsys)
    assert status == 3


def test_files_that_are_not_plan161_databases(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    random_bytes = tmp_path / "random.db"
    random_bytes.write_bytes(bytes(range(256)) * 64)
    foreign = tmp_path / "foreign.db"
    with contextlib.closing(sqlite3.connect(foreign)) as conn:
        conn.execute("CREATE TABLE t (x)")
    for path in (random_bytes, foreign, tmp_path / "missing.db", tmp_path):
        assert _verdict(path, capsys)[0] == 4


def test_a_newer_schema_is_not_judged(worked: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _sql(worked, "PRAGMA user_version = 99")
    status, line = _verdict(worked, capsys)
    assert status == 4
    assert "newer" in line


@pytest.mark.slow
@settings(
    max_examples=60,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_damage_to_the_file_gets_a_verdict(
    worked: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], data: st.DataObject
) -> None:
    original = worked.read_bytes()
    damaged = tmp_path / "damaged.db"
    shutil.copy(worked, damaged)
    raw = bytearray(original)
    for _ in range(data.draw(st.integers(1, 4), label="edits")):
        kind = data.draw(st.sampled_from(["bytes", "page", "truncate"]), label="kind")
        if kind == "truncate":
            raw = raw[: data.draw(st.integers(0, len(raw)), label="length")]
            continue
        if not raw:
            continue
        start = data.draw(st.integers(0, len(raw) - 1), label="offset")
        if kind == "page":
            chunk = bytes([data.draw(st.integers(0, 255), label="fill")]) * 4096
        else:
            chunk = data.draw(st.binary(min_size=1, max_size=64), label="bytes")
        raw[start : start + len(chunk)] = chunk[: len(raw) - start]
    damaged.write_bytes(bytes(raw))
    status, _line = _verdict(damaged, capsys)
    assert status in (0, 1, 3, 4)
    assert verify_database(damaged).exit_status == status


def _forge_then_change(
    db: str,
    forgery: str,
    trigger: str,
    actor: str,
    updates: dict[str, Any],
    payload: dict[str, Any],
) -> None:
    """Change the task row by hand (``forgery``), then record a genuine ``trigger`` on it as
    the engine did before it checked rows: from the row as it is, with a right hash."""
    _sql(db, forgery)
    store = open_store(db, create=False)
    with store.write():
        task = store.find_tasks(id=TASK)[0]  # read as it is, without the engine's row check
        store.change(task, updates, trigger, actor, clock()(), payload)
    store.close()


def test_an_event_built_on_a_forged_row_does_not_follow_on(
    worked_on: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _forge_then_change(
        worked_on,
        f"UPDATE tasks SET state = 'consolidated' WHERE id = '{TASK}'",
        "evaluate",
        "ubnd-tinh",
        {"state": "evaluated", "rating": "hoan-thanh"},
        {"rating": "hoan-thanh"},
    )
    status, line = _verdict(worked_on, capsys)
    assert status == 1
    assert "event" not in line.split(";")[0].split(":")[0]
    assert f"task {TASK}: event" in line
    assert "does not follow on" in line


def test_a_forged_version_followed_by_a_comment_does_not_follow_on(
    worked_on: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _forge_then_change(
        worked_on,
        f"UPDATE tasks SET version = version + 7 WHERE id = '{TASK}'",
        "comment",
        "so-tttt",
        {},
        {"text": "x"},
    )
    status, line = _verdict(worked_on, capsys)
    assert status == 1
    assert "does not follow on" in line


CELLS = {
    "events": [*(f for f in HASHED_FIELDS if f != "seq"), "hash", "request_key"],
    "tasks": [c for c in TASK_COLUMNS if c != "id"],
    "cycles": ["rules_hash", "opened_at", "closed_at"],
    "rules": ["hash", "plan", "ordinal"],
}
"""Every cell a tamperer could write: the columns the store writes (the keys left out)."""
VALUES = (
    st.none()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.binary(max_size=20)
    | st.sampled_from(["{}", "[]", "null", '{"agency":1}', '{"rules":"x"}', "reported", "0" * 64])
)


@pytest.mark.slow
@settings(
    max_examples=80,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_value_written_into_any_cell_gets_a_verdict(
    worked: Path, tmp_path: Path, data: st.DataObject
) -> None:
    copy = tmp_path / "cell.db"
    shutil.copy(worked, copy)
    with contextlib.closing(sqlite3.connect(copy, isolation_level=None)) as conn:
        for _ in range(data.draw(st.integers(1, 3), label="edits")):
            table = data.draw(st.sampled_from(sorted(CELLS)), label="table")
            column = data.draw(st.sampled_from(CELLS[table]), label="column")
            value = data.draw(VALUES, label="value")
            with contextlib.suppress(sqlite3.IntegrityError):  # NOT NULL, UNIQUE
                conn.execute(
                    f"UPDATE {table} SET {column} = ? WHERE rowid = "
                    f"(SELECT rowid FROM {table} ORDER BY random() LIMIT 1)",
                    (value,),
                )
    report = verify_database(copy)
    assert report.verdict in ("intact", "tampered")
    try:
        eng = Engine.open(copy, read_only=True)
    except StoreError:  # the stored rules cannot be read: Engine.open refuses, verify judges
        assert report.verdict == "tampered"
        return
    with eng:  # the engine's verify says the same
        assert eng.verify().verdict == report.verdict
