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

from plan161_workflow.errors import PayloadError, StoreError

APPLICATION_ID = 0x50313631  # "P161"
SCHEMA_VERSION = 4
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


DDL_V3_TOKENS = """
CREATE TABLE tokens (
    id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, agency TEXT NOT NULL,
    read_only INTEGER NOT NULL, label TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT
)
"""
"""The API tokens of ``plan161 serve``: only a SHA-256 of each token is kept (``store.tokens``)."""


def _v3(conn: sqlite3.Connection) -> None:
    """Version 3: API tokens (issue 15). Every schema change of this release joins this step."""
    conn.execute(DDL_V3_TOKENS)


def _v4_periods(conn: sqlite3.Connection) -> None:
    """Version 4: a task and a consolidation belong to a reporting period; every task and
    consolidation of an earlier database was yearly, and a yearly period's id is its year."""
    conn.execute("ALTER TABLE tasks ADD COLUMN period TEXT NOT NULL DEFAULT ''")
    conn.execute("UPDATE tasks SET period = printf('%04d', year)")
    conn.execute("CREATE INDEX tasks_period ON tasks(period, state)")
    conn.execute("ALTER TABLE consolidations ADD COLUMN period TEXT NOT NULL DEFAULT ''")
    conn.execute("UPDATE consolidations SET period = printf('%04d', year)")
    conn.execute("CREATE INDEX consolidations_period ON consolidations(period)")


def _v4_views(conn: sqlite3.Connection) -> None:
    """A database older than version 4 read as version 4, without writing: temporary views (searched
    before the file's tables) add each task's and consolidation's yearly period."""
    for table in ("tasks", "consolidations"):
        conn.execute(
            f"CREATE TEMP VIEW {table} AS SELECT *, printf('%04d', year) AS period "
            f"FROM main.{table}"
        )


MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    2: _v2_idempotent_requests,
    3: _v3,
    4: _v4_periods,
}
"""Version N -> function that upgrades a version N-1 database to N (inside one transaction)."""


def create_tables(conn: sqlite3.Connection) -> None:
    """Create every table and index of the current schema (no header, no transaction)."""
    for statement in DDL_V1.split(";"):
        if statement.strip():
            conn.execute(statement)
    for version in range(2, SCHEMA_VERSION + 1):
        MIGRATIONS[version](conn)


def connect(
    path: str | os.PathLike[str] | None, *, create: bool = True, read_only: bool = False
) -> sqlite_utils.Database:
    """Open a plan161 database; ``None`` is in memory.

    Args:
        path: the database file, or ``None`` for a private in-memory database.
        create: make the tables in a missing or empty file (``Engine(plan, db=...)``). When
            false, a missing or empty file is refused and nothing is written (``Engine.open``).
        read_only: never write: no tables made, no migration, no change of journal mode, and
            SQLite refuses any write on the connection (``PRAGMA query_only``). The file is opened
            with ``mode=ro`` when it or its folder is not writable by this process; a database in
            WAL mode can then be read only while its ``-shm`` file exists (a writer has it open).

    Raises:
        StoreError: missing or empty (when not ``create`` or ``read_only``), not a SQLite file,
            another program's database, a newer schema, or unusable.
    """
    if path is None:
        return _connect_memory()
    target = os.fspath(path)
    file = Path(target)
    _refuse_foreign_file(file)
    if (read_only or not create) and not _has_content(file):
        raise StoreError(_absent(target))
    if not read_only and file.exists() and not os.access(file, os.W_OK):
        raise StoreError(
            f"cannot write {target}: the file is read-only for this user; open it read-only "
            "to read it (Engine.open(path, read_only=True)), or make it writable"
        )
    conn: sqlite3.Connection | None = None
    try:
        conn = _sqlite(file, read_only)
        app_id, version = _header(conn)
        if app_id == 0 and not _has_tables(conn) and (read_only or not create):
            raise StoreError(
                f"{target} is an empty SQLite database, not a plan161 database "
                "(nothing was written to it)"
            )
        if app_id not in (0, APPLICATION_ID) or (app_id == 0 and _has_tables(conn)):
            raise StoreError(
                f"{target} is a SQLite database of another program; "
                "give plan161 a new file or one it created"
            )
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{target} has schema version {version}, newer than this library's "
                f"{SCHEMA_VERSION}; upgrade plan161-workflow to open it"
            )
        conn.execute("PRAGMA foreign_keys = ON")
        if read_only:
            # An older schema is read as it is: migrations add only what writes use, and
            # temporary views show what later versions add (in memory, not in the file).
            if app_id == APPLICATION_ID and version < 4:
                _v4_views(conn)
            conn.execute("PRAGMA query_only = ON")
        else:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            if app_id == 0:
                _create(conn)
            elif version < SCHEMA_VERSION:
                _migrate(conn, version)
    except sqlite3.DatabaseError as exc:
        if conn is not None:
            conn.close()  # a failed open (a bad file, a failed migration) keeps no handle
        raise StoreError(_cannot_open(file, exc, read_only)) from exc
    except BaseException:
        if conn is not None:
            conn.close()
        raise
    return sqlite_utils.Database(conn)


def _connect_memory() -> sqlite_utils.Database:
    conn = sqlite3.connect(
        ":memory:", isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    _create(conn)
    return sqlite_utils.Database(conn)


def _sqlite(file: Path, read_only: bool) -> sqlite3.Connection:
    """A connection to ``file``: read-write (SQLite creates a missing file), or, to read a file
    that this process may not write or whose folder it may not write, ``mode=ro``."""
    target: str | Path = file
    if read_only and not (os.access(file, os.W_OK) and os.access(_folder(file), os.W_OK)):
        # SQLite's URI: the path percent-encoded ('?' and '#' included), read-only.
        target = file.absolute().as_uri() + "?mode=ro"
    conn = sqlite3.connect(
        target,
        isolation_level=None,
        timeout=BUSY_TIMEOUT_MS / 1000,
        check_same_thread=False,
        uri=isinstance(target, str),
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return conn


def _folder(file: Path) -> Path:
    return file.absolute().parent


def _has_content(file: Path) -> bool:
    return file.is_file() and file.stat().st_size > 0


CREATE_HINT = (
    "create a database with Engine(plan, db=...) or 'plan161 init --rules RULES --db FILE'"
)
"""How to make a database where one was expected."""


def _absent(target: str) -> str:
    """What a missing or empty file is, for a caller that expected a database there."""
    if not os.path.exists(target):
        return f"{target} does not exist; {CREATE_HINT}"
    return f"{target} is empty: not a plan161 database (it was left as it is); {CREATE_HINT}"


def _cannot_open(file: Path, exc: sqlite3.DatabaseError, read_only: bool) -> str:
    """Why SQLite could not open ``file``: a folder this process may not write is named."""
    folder = _folder(file)
    name = getattr(exc, "sqlite_errorname", "")
    if not folder.is_dir():
        return f"cannot use {file}: the folder {folder} does not exist; create it first"
    if name in ("SQLITE_READONLY_DIRECTORY", "SQLITE_CANTOPEN") and not os.access(folder, os.W_OK):
        if read_only:
            return (
                f"cannot read {file}: it is a database in WAL mode, and SQLite must create "
                f"{file.name}-shm beside it to read it, but the folder {folder} is not writable "
                "by this user; make the folder writable, or copy the database to a writable "
                "folder and read the copy"
            )
        if not file.exists():
            return (
                f"cannot create {file}: the folder {folder} is not writable by this user; "
                "choose a writable folder"
            )
        return (
            f"cannot write {file}: the folder {folder} is not writable by this user, and SQLite "
            f"keeps {file.name}-wal and {file.name}-shm beside the database; make the folder "
            "writable, or work on a copy in a writable folder"
        )
    return f"cannot use {file} as a plan161 database: {exc}"


SQLITE_HEADER = b"SQLite format 3\x00"
"""The first 16 bytes of every SQLite database file."""


def _as_path(path: object) -> Path:
    """``path`` as a ``Path``.

    Raises:
        PayloadError: not a path (text or ``os.PathLike``).
    """
    if not isinstance(path, str | os.PathLike) or not os.fspath(path) or "\0" in str(path):
        raise PayloadError(f"a database file must be a path, not {path!r}")
    return Path(path)


def is_sqlite_file(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a file that starts as a SQLite database does.

    Raises:
        PayloadError: ``path`` is not a path.
    """
    target = _as_path(path)
    if not target.is_file():
        return False
    with target.open("rb") as fh:
        return fh.read(len(SQLITE_HEADER)) == SQLITE_HEADER


def _refuse_foreign_file(path: Path) -> None:
    if not path.exists():
        return
    if path.is_dir():
        raise StoreError(f"{path} is a directory; give the path of a database file")
    if _has_content(path) and not is_sqlite_file(path):
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
    """Delete a plan161 database file and its WAL files (nothing when the file is missing).

    An empty file (0 bytes) holds nothing to lose and is deleted as well.

    Raises:
        StoreError: the file is not a plan161 database, or its folder is not writable (either
            way it is left alone).
    """
    check_replaceable(path)
    discard_files(path)


def discard_files(path: str | os.PathLike[str]) -> None:
    """Delete ``path`` and the -wal, -shm and -journal files beside it, whatever they hold (for
    a caller's own unfinished file); missing ones are skipped.

    Raises:
        PayloadError: ``path`` is not a path.
    """
    target = _as_path(path)
    for suffix in ("", "-wal", "-shm", "-journal"):
        file = Path(f"{target}{suffix}")
        if not file.is_dir():  # a folder is not a database's file: left alone
            file.unlink(missing_ok=True)


def check_replaceable(path: str | os.PathLike[str]) -> None:
    """Whether ``remove_database`` may delete ``path``: missing, empty, or a plan161 database
    in a folder this user may write.

    Raises:
        StoreError: the file is not a plan161 database, or its folder is not writable.
        PayloadError: ``path`` is not a path.
    """
    target = _as_path(path)
    _refuse_foreign_file(target)
    if not target.exists():
        return
    folder = _folder(target)
    if not os.access(folder, os.W_OK):
        raise StoreError(
            f"cannot replace {target}: the folder {folder} is not writable by this user; "
            "the database was left alone"
        )
    if _has_content(target):
        with target.open("rb") as fh:
            head = fh.read(100)  # the application id is at offset 68 of the file's header
        if int.from_bytes(head[68:72], "big") == APPLICATION_ID:
            return  # read without opening: no -wal or -shm beside it while the caller works
        sides = [Path(f"{target}{suffix}") for suffix in ("-wal", "-shm")]
        absent = [side for side in sides if not side.exists()]
        conn = sqlite3.connect(target.absolute().as_uri() + "?mode=ro", uri=True)
        try:
            app_id, _ = _header(conn)  # the header may still be in the WAL only
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"{target} cannot be read as a SQLite database ({exc}); it was left alone"
            ) from exc
        finally:
            conn.close()
            wal = Path(f"{target}-wal")
            if wal in absent and (not wal.exists() or wal.stat().st_size == 0):
                for side in absent:  # what this read-only look created, and holds nothing
                    side.unlink(missing_ok=True)
        if app_id != APPLICATION_ID:
            raise StoreError(f"{target} is not a plan161 database; it was left alone")
