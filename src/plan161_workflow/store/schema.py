"""The database: connection settings, tables, schema version and migrations.

A plan161 database is recognised by SQLite's ``application_id`` header field; its schema version
is ``user_version``. A file that is not SQLite, a SQLite file of another program, or a database of
a newer schema is refused before anything is written to it.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import sqlite_utils

from plan161_workflow.errors import StoreError

APPLICATION_ID = 0x50313631  # "P161"
SCHEMA_VERSION = 2
BUSY_TIMEOUT_MS = 30_000

DDL_V1 = """
-- Version 1, as first released: later versions are reached by MIGRATIONS.
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE rules (
    hash TEXT PRIMARY KEY, plan TEXT NOT NULL, added_at TEXT NOT NULL, ordinal INTEGER NOT NULL
);
CREATE TABLE cycles (
    year INTEGER PRIMARY KEY, rules_hash TEXT NOT NULL REFERENCES rules(hash),
    opened_at TEXT NOT NULL, closed_at TEXT
);
CREATE TABLE tasks (
    id TEXT PRIMARY KEY, year INTEGER NOT NULL, area TEXT, duty TEXT,
    agency TEXT NOT NULL, original_agency TEXT NOT NULL, coordinating TEXT NOT NULL,
    due TEXT, state TEXT NOT NULL, version INTEGER NOT NULL,
    report TEXT, reported_at TEXT, days_late INTEGER, rating TEXT
);
CREATE INDEX tasks_year_state ON tasks(year, state);
CREATE INDEX tasks_agency ON tasks(agency, year);
CREATE INDEX tasks_area ON tasks(area, year);
CREATE INDEX tasks_due ON tasks(due);
CREATE TABLE events (
    seq INTEGER PRIMARY KEY, task_id TEXT NOT NULL, trigger TEXT NOT NULL,
    from_state TEXT, to_state TEXT, actor TEXT NOT NULL, at TEXT NOT NULL,
    outcome TEXT NOT NULL, payload TEXT NOT NULL, version INTEGER,
    request_id TEXT, hash TEXT NOT NULL
);
CREATE INDEX events_task ON events(task_id, seq);
CREATE TABLE consolidations (
    seq INTEGER PRIMARY KEY REFERENCES events(seq), year INTEGER NOT NULL, at TEXT NOT NULL,
    actor TEXT NOT NULL, tasks TEXT NOT NULL, missing TEXT NOT NULL, waived TEXT NOT NULL,
    recipients TEXT NOT NULL
);
CREATE INDEX consolidations_year ON consolidations(year);
"""


def _v2_idempotent_requests(conn: sqlite3.Connection) -> None:
    """Version 2: a request id is unique, and its arguments are kept to refuse a reused id."""
    conn.execute("ALTER TABLE events ADD COLUMN request_key TEXT")
    conn.execute(
        "CREATE UNIQUE INDEX events_request ON events(request_id) WHERE request_id IS NOT NULL"
    )


MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {2: _v2_idempotent_requests}
"""Version N -> function that upgrades a version N-1 database to N (inside one transaction)."""


def create_tables(conn: sqlite3.Connection) -> None:
    """Create every table and index of the current schema (no header, no transaction)."""
    for statement in DDL_V1.split(";"):
        if statement.strip():
            conn.execute(statement)
    for version in range(2, SCHEMA_VERSION + 1):
        MIGRATIONS[version](conn)


def connect(path: str | os.PathLike[str] | None) -> sqlite_utils.Database:
    """Open (creating if needed) a plan161 database; ``None`` is in memory.

    Raises:
        StoreError: not a SQLite file, another program's database, a newer schema, or unusable.
    """
    target = ":memory:" if path is None else os.fspath(path)
    if path is not None:
        _refuse_foreign_file(Path(target))
    conn: sqlite3.Connection | None = None
    try:
        conn = sqlite3.connect(
            target, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False
        )
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        app_id, version = _header(conn)
        if app_id not in (0, APPLICATION_ID) or (app_id == 0 and _has_tables(conn)):
            conn.close()
            raise StoreError(
                f"{target} is a SQLite database of another program; "
                "give plan161 a new file or one it created"
            )
        if version > SCHEMA_VERSION:
            conn.close()
            raise StoreError(
                f"{target} has schema version {version}, newer than this library's "
                f"{SCHEMA_VERSION}; upgrade plan161-workflow to open it"
            )
        if path is not None:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        if app_id == 0:
            _create(conn)
        elif version < SCHEMA_VERSION:
            _migrate(conn, version)
    except sqlite3.DatabaseError as exc:
        if conn is not None:
            conn.close()  # a failed open (a bad file, a failed migration) keeps no handle
        raise StoreError(f"cannot use {target} as a plan161 database: {exc}") from exc
    return sqlite_utils.Database(conn)


def _refuse_foreign_file(path: Path) -> None:
    if not path.exists():
        return
    if path.is_dir():
        raise StoreError(f"{path} is a directory; give the path of a database file")
    with path.open("rb") as fh:
        head = fh.read(16)
    if head and head != b"SQLite format 3\x00":
        raise StoreError(f"{path} is not a SQLite database; nothing was written to it")


def _header(conn: sqlite3.Connection) -> tuple[int, int]:
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    return int(app_id), int(version)


def _has_tables(conn: sqlite3.Connection) -> bool:
    return int(conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]) > 0


def _create(conn: sqlite3.Connection) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        app_id, _ = _header(conn)
        if app_id == 0:  # another process may have created it meanwhile
            create_tables(conn)
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _migrate(conn: sqlite3.Connection, version: int) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        _, current = _header(conn)
        for step in range(current + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[step](conn)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def remove_database(path: str | os.PathLike[str]) -> None:
    """Delete a plan161 database file and its WAL files.

    Raises:
        StoreError: the file is not a plan161 database (it is left alone).
    """
    target = Path(path)
    _refuse_foreign_file(target)
    conn = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
    try:
        app_id, _ = _header(conn)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{target} is not a plan161 database; it was left alone") from exc
    finally:
        conn.close()
    if app_id != APPLICATION_ID:
        raise StoreError(f"{target} is not a plan161 database; it was left alone")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
