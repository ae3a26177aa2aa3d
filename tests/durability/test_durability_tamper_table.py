"""The tamper table of docs/durability.md, row by row: every table x (edit, delete, insert,
reorder) done with plain SQL, and the verdict ``plan161 verify`` gives.

Each case runs on a copy of one database with a varied history (two cycles, one closed, two
consolidations, an idempotent request, refusals), on each backend: a SQLite file, and a
PostgreSQL schema it was copied into (``copy_database``). On PostgreSQL the tampering connection
first turns off the foreign keys (``session_replication_role = replica``, as anyone who may write
the tables may), which would otherwise refuse some of these changes; there ``meta`` holds the
schema version, so changing it gives another verdict (``PG_VERDICTS``). The docs table and
``TABLE`` below must say the same (a test reads the docs).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import shutil
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import psycopg
import pytest
from durable_kit import clock

from plan161_workflow import copy_database
from plan161_workflow.cli import main
from plan161_workflow.engine import Engine
from plan161_workflow.model.plan import Plan

ROOT = Path(__file__).resolve().parents[2]
CONSOLIDATOR = "so-ldtbxh"
TASK = "2024/II.1/so-tttt"
OTHER = "2024/II.1/so-gddt"

Conn = Any
"""A connection that runs the store's SQL (``?`` placeholders): SQLite's, or ``_Pg``."""

Tamper = Callable[[Conn], None]


class _Pg:
    """psycopg's connection with ``?`` placeholders and SQLite's ``total_changes``."""

    def __init__(self, url: str) -> None:
        self.pg = psycopg.connect(url, autocommit=True)
        self.total_changes = 0

    def execute(self, sql: str, params: Sequence[Any] = ()) -> psycopg.Cursor[Any]:
        cursor = self.pg.execute(sql.replace("?", "%s"), list(params))
        self.total_changes += max(cursor.rowcount, 0)
        return cursor

    def close(self) -> None:
        self.pg.close()


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory, plan: Plan) -> Path:
    """A database with two cycles (2023 consolidated and closed, 2024 consolidated once)."""
    path = tmp_path_factory.mktemp("tamper") / "source.db"
    with Engine(plan, db=path, clock=clock()) as eng:
        for year in (2023, 2024):
            eng.open_cycle(year)
            for tid in (f"{year}/II.1/so-tttt", f"{year}/II.1/so-gddt"):
                agency = tid.rsplit("/", 1)[1]
                eng.fire(tid, "start", actor=agency, request_id=f"start-{tid}")
                eng.fire(tid, "submit", actor=agency, report={"summary": "Đã tổ chức"})
            with contextlib.suppress(Exception):
                eng.fire(f"{year}/II.1/so-gddt", "evaluate", actor="so-gddt", rating="x")
            missing = {t.agency for t in eng.consolidation_candidates(year)[1]}
            eng.consolidate(year, actor=CONSOLIDATOR, waive=sorted(missing))
        eng.close_cycle(2023, actor=CONSOLIDATOR)
        eng.fire(TASK, "comment", actor="so-tttt", text="đã xong")
        with contextlib.suppress(Exception):  # the last event: a refused attempt
            eng.fire(TASK, "evaluate", actor="so-tttt", rating="hoan-thanh")
    return path


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _rules_insert(conn: Conn) -> None:
    plan = json.loads(conn.execute("SELECT plan FROM rules").fetchone()[0])
    plan["plan"]["title"] = "Kế hoạch khác"
    text = json.dumps(plan, ensure_ascii=False)
    conn.execute(
        "INSERT INTO rules (hash, plan, added_at, ordinal) "
        "VALUES (?, ?, '2024-01-01T08:00:00+07:00', 99)",
        (_sha(text), text),
    )


def _swap(conn: Conn, table: str, key: str, a: object, b: object, spare: object = -1) -> None:
    conn.execute(f"UPDATE {table} SET {key} = ? WHERE {key} = ?", (spare, a))
    conn.execute(f"UPDATE {table} SET {key} = ? WHERE {key} = ?", (a, b))
    conn.execute(f"UPDATE {table} SET {key} = ? WHERE {key} = ?", (b, spare))


def _consolidation_seqs(conn: Conn) -> list[int]:
    return [int(r[0]) for r in conn.execute("SELECT seq FROM consolidations ORDER BY seq")]


_TASK_COLUMNS = (
    "year, area, duty, coordinating, due, state, version, report, reported_at, days_late, "
    "rating, period"
)


def _insert_task(conn: Conn) -> None:
    conn.execute(
        f"INSERT INTO tasks (id, agency, original_agency, {_TASK_COLUMNS}) "
        f"SELECT '2024/II.1/khong-co', 'so-yt', 'so-yt', {_TASK_COLUMNS} FROM tasks "
        f"WHERE id = '{TASK}'"
    )


_EVENT_COLUMNS = (
    "task_id, trigger, from_state, to_state, actor, at, outcome, payload, version, request_id, "
    "hash, request_key"
)


def _insert_event(conn: Conn) -> None:
    conn.execute(
        f"INSERT INTO events (seq, {_EVENT_COLUMNS}) SELECT seq + 1, {_EVENT_COLUMNS} "
        "FROM events WHERE seq = (SELECT max(seq) FROM events)"
    )


def _reorder_events(conn: Conn) -> None:
    _swap(conn, "events", "seq", 5, 6)


_CONSOLIDATION_COLUMNS = "year, period, at, actor, tasks, missing, waived, recipients"


def _insert_consolidation(conn: Conn) -> None:
    conn.execute(
        f"INSERT INTO consolidations (seq, {_CONSOLIDATION_COLUMNS}) "
        f"SELECT (SELECT max(seq) FROM events), {_CONSOLIDATION_COLUMNS} FROM consolidations "
        "LIMIT 1"
    )


def _reorder_consolidations(conn: Conn) -> None:
    a, b = _consolidation_seqs(conn)
    _swap(conn, "consolidations", "seq", a, b)


def _request_key_names(conn: Conn) -> None:
    conn.execute(
        "UPDATE events SET request_key = replace(request_key, '\"start\"', '\"submit\"') "
        "WHERE request_key IS NOT NULL"
    )


def _request_key_arguments(conn: Conn) -> None:
    conn.execute(
        "UPDATE events SET request_key = replace(request_key, '\"report\":null', "
        "'\"report\":{}') WHERE request_key IS NOT NULL"
    )


# (table, operation) -> (SQL, verdict): the rows of the docs table, in its order.
TABLE: dict[tuple[str, str], tuple[Tamper, str]] = {
    ("rules", "edit"): (
        lambda c: c.execute("UPDATE rules SET plan = replace(plan, 'Hà Tĩnh', 'Hà Nội')"),
        "tampered",
    ),
    ("rules", "delete"): (lambda c: c.execute("DELETE FROM rules"), "tampered"),
    ("rules", "insert"): (_rules_insert, "intact"),
    ("rules", "reorder"): (
        lambda c: (_rules_insert(c), c.execute("UPDATE rules SET ordinal = 100 - ordinal")),
        "intact",
    ),
    ("cycles", "edit"): (
        lambda c: c.execute("UPDATE cycles SET closed_at = NULL WHERE year = 2023"),
        "tampered",
    ),
    ("cycles", "delete"): (lambda c: c.execute("DELETE FROM cycles WHERE year = 2024"), "tampered"),
    ("cycles", "insert"): (
        lambda c: c.execute(
            "INSERT INTO cycles SELECT 2025, rules_hash, opened_at, NULL FROM cycles LIMIT 1"
        ),
        "tampered",
    ),
    ("cycles", "reorder"): (lambda c: _swap(c, "cycles", "year", 2023, 2024), "tampered"),
    ("tasks", "edit"): (
        lambda c: c.execute(f"UPDATE tasks SET state = 'evaluated' WHERE id = '{TASK}'"),
        "tampered",
    ),
    ("tasks", "delete"): (
        lambda c: c.execute(f"DELETE FROM tasks WHERE id = '{TASK}'"),
        "tampered",
    ),
    ("tasks", "insert"): (_insert_task, "tampered"),
    ("tasks", "reorder"): (lambda c: _swap(c, "tasks", "id", TASK, OTHER, "-1"), "tampered"),
    ("tasks.coordinating", "edit"): (
        lambda c: c.execute(f"UPDATE tasks SET coordinating = '[]' WHERE id = '{TASK}'"),
        "tampered",
    ),
    ("events", "edit"): (
        lambda c: c.execute("UPDATE events SET actor = 'ubnd-tinh' WHERE seq = 5"),
        "tampered",
    ),
    ("events", "delete"): (lambda c: c.execute("DELETE FROM events WHERE seq = 5"), "tampered"),
    ("events", "delete the last"): (
        lambda c: c.execute("DELETE FROM events WHERE seq = (SELECT max(seq) FROM events)"),
        "intact",
    ),
    ("events", "insert"): (_insert_event, "tampered"),
    ("events", "reorder"): (_reorder_events, "tampered"),
    ("events.request_key", "edit (task, trigger, actor)"): (_request_key_names, "tampered"),
    ("events.request_key", "edit (arguments)"): (_request_key_arguments, "intact"),
    ("events.request_key", "delete"): (
        lambda c: c.execute("UPDATE events SET request_key = NULL"),
        "tampered",
    ),
    ("consolidations", "edit"): (
        lambda c: c.execute("UPDATE consolidations SET waived = '[]'"),
        "tampered",
    ),
    ("consolidations", "delete"): (lambda c: c.execute("DELETE FROM consolidations"), "tampered"),
    ("consolidations", "insert"): (_insert_consolidation, "tampered"),
    ("consolidations", "reorder"): (_reorder_consolidations, "tampered"),
    ("meta", "edit"): (lambda c: c.execute("UPDATE meta SET value = 'x'"), "intact"),
    ("meta", "delete"): (lambda c: c.execute("DELETE FROM meta"), "intact"),
    ("meta", "insert"): (lambda c: c.execute("INSERT INTO meta VALUES ('k', 'v')"), "intact"),
    ("meta", "reorder"): (lambda c: c.execute("UPDATE meta SET key = key || '-'"), "intact"),
}

PG_VERDICTS = {
    ("meta", "edit"): "not a plan161 database",
    ("meta", "delete"): "not a plan161 database",
    ("meta", "reorder"): "not a plan161 database",
}
"""Where PostgreSQL's verdict differs: its ``meta`` table holds the schema version (SQLite's is
the file's ``user_version``), and a schema without one is not a plan161 database."""

EXIT = {"intact": 0, "tampered": 1, "not a plan161 database": 4}
FIRST_WORDS = {
    "intact": "intact: ",
    "tampered": "TAMPERED: ",
    "not a plan161 database": "NOT A PLAN161 DATABASE: ",
}


@pytest.fixture
def copy(source: Path, tmp_path: Path, backend: str, request: pytest.FixtureRequest) -> str:
    """A copy of ``source`` on ``backend``: a SQLite file path, or a PostgreSQL URL."""
    if backend == "postgresql":
        url = str(request.getfixturevalue("pg_url"))
        copy_database(source, url)
        return url
    db = tmp_path / "t.db"
    shutil.copy(source, db)
    return str(db)


@contextlib.contextmanager
def _tampering(db: str) -> Iterator[Conn]:
    """A plain SQL connection to ``db``, outside the library (foreign keys off on PostgreSQL)."""
    conn: Conn
    if db.startswith("postgresql://"):
        conn = _Pg(db)
        conn.execute("SET session_replication_role = replica")
    else:
        conn = sqlite3.connect(db, isolation_level=None)
    try:
        yield conn
    finally:
        conn.close()


@pytest.mark.parametrize("case", TABLE, ids=[f"{t}-{op}" for t, op in TABLE])
def test_each_row_of_the_tamper_table(
    copy: str, backend: str, capsys: pytest.CaptureFixture[str], case: tuple[str, str]
) -> None:
    tamper, verdict = TABLE[case]
    if backend == "postgresql":
        verdict = PG_VERDICTS.get(case, verdict)
    with _tampering(copy) as conn:
        changes = conn.total_changes
        tamper(conn)
        if case[0] != "meta":  # meta holds nothing on SQLite: editing it changes no row
            assert conn.total_changes > changes  # the statement changed something
    status = main(["verify", "--db", copy])
    line = capsys.readouterr().out.strip()
    assert status == EXIT[verdict], line
    assert line.startswith(FIRST_WORDS[verdict]), line


def test_the_last_event_deleted_is_caught_against_the_anchor(
    copy: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["head", "--db", copy]) == 0
    anchor = capsys.readouterr().out.strip()
    assert main(["verify", "--db", copy, "--expect-head", anchor]) == 0
    capsys.readouterr()
    with _tampering(copy) as conn:
        conn.execute("DELETE FROM events WHERE seq = (SELECT max(seq) FROM events)")
    assert main(["verify", "--db", copy]) == 0  # the chain alone cannot tell
    capsys.readouterr()
    assert main(["verify", "--db", copy, "--expect-head", anchor]) == 1
    assert "events were removed from its end" in capsys.readouterr().out


def test_the_docs_table_says_what_verify_says() -> None:
    text = (ROOT / "docs" / "durability.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([\w.]+)` \| ([^|]+?) \| (intact|tampered)\b", text, re.M)
    documented = {(table, op.strip()): verdict for table, op, verdict in rows}
    assert documented == {case: verdict for case, (_, verdict) in TABLE.items()}
