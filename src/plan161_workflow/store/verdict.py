"""A verdict on any file: ``verify_database`` never raises for what the file holds.

It opens the file read-only as every reader does (``schema.connect``), asks SQLite to check every
page (``PRAGMA quick_check``), checks that the tables the library reads are there with their
columns, then verifies (``store.verify``). Missing, empty, not SQLite, another program's database
or a newer schema: ``not a plan161 database``; a file SQLite reports as damaged: ``corrupt``;
tables, columns or rows changed outside the library: ``tampered``.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from plan161_workflow.errors import StoreError
from plan161_workflow.store import schema
from plan161_workflow.store.anchor import Anchor, expected, head_of
from plan161_workflow.store.chain import GENESIS
from plan161_workflow.store.replay import REPLAYED
from plan161_workflow.store.repo import EVENT_COLUMNS
from plan161_workflow.store.verify import VerifyReport, verify

REQUIRED = {
    "rules": {"hash", "plan", "ordinal"},
    "cycles": {"year", "rules_hash", "opened_at", "closed_at"},
    "tasks": {"id", "original_agency", "coordinating", *REPLAYED},
    "events": set(EVENT_COLUMNS),
    "consolidations": {"seq", "year", "at", "actor", "tasks", "missing", "waived", "recipients"},
}
"""Tables and columns ``verify`` reads: a file without one was changed outside the library."""


DAMAGED = frozenset(
    {
        "SQLITE_CORRUPT",
        "SQLITE_NOTADB",
        "SQLITE_CORRUPT_INDEX",
        "SQLITE_FORMAT",
        "SQLITE_IOERR_SHORT_READ",
    }
)
"""SQLite's names for a file it cannot read as a database: the verdict is ``corrupt``."""


def _foreign(reason: str) -> VerifyReport:
    return VerifyReport(0, 0, GENESIS, foreign=reason)


def _damaged(reason: str) -> VerifyReport:
    return VerifyReport(0, 0, GENESIS, damage=" ".join(reason.split())[:500])


@contextlib.contextmanager
def _opened(path: str | os.PathLike[str]) -> Iterator[sqlite3.Connection | VerifyReport]:
    """The file opened read-only, or the verdict that it cannot be judged further."""
    target = Path(path)
    if not target.exists():
        yield _foreign(f"{target} does not exist")
        return
    if target.is_dir():
        yield _foreign(f"{target} is a directory")
        return
    if target.stat().st_size == 0:
        yield _foreign(f"{target} is empty (0 bytes)")
        return
    if not schema.is_sqlite_file(target):
        yield _foreign(f"{target} is not a SQLite database")
        return
    try:
        db = schema.connect(target, create=False, read_only=True)
    except StoreError as exc:
        cause = exc.__cause__
        if not isinstance(cause, sqlite3.DatabaseError):
            yield _foreign(str(exc))  # another program's, a newer schema, an empty database
        elif getattr(cause, "sqlite_errorname", "") in DAMAGED:
            yield _damaged(str(cause))
        else:  # the file cannot be read here (a folder it may not write): no verdict on it
            raise
        return
    try:
        yield db.conn
    finally:
        db.conn.close()


def verify_database(
    path: str | os.PathLike[str],
    expect_head: str | None = None,
    expect_count: int | None = None,
) -> VerifyReport:
    """Judge any file: intact, tampered, corrupt or not a plan161 database (``report.verdict``,
    ``report.exit_status``). It reads the file only; the rules it holds need not be readable.

    ``expect_head`` and ``expect_count``: an anchor kept elsewhere, as ``store.verify.verify``.

    Raises:
        PayloadError: ``expect_head`` or ``expect_count`` is malformed (checked first, before
            the file is opened).
        StoreError: the file cannot be read by this process at all (a database in WAL mode in
            a folder it may not write, a file it may not read): no verdict on the file.
    """
    expected(expect_head, expect_count)  # a usage error is one whatever the file
    with _opened(path) as opened:
        if isinstance(opened, VerifyReport):
            return opened
        try:
            problems = [str(r[0]) for r in opened.execute("PRAGMA quick_check(20)")]
            if problems != ["ok"]:
                return _damaged("; ".join(problems))
            missing = _missing_tables(opened)
            if missing:
                return VerifyReport(0, 0, GENESIS, record_problems=tuple(missing))
        except sqlite3.DatabaseError as exc:
            return _damaged(str(exc))
        return verify(opened, expect_head, expect_count)


def _missing_tables(conn: sqlite3.Connection) -> list[str]:
    out = []
    for table, columns in REQUIRED.items():
        found = {str(r[1]) for r in conn.execute(f"PRAGMA table_info({table})")}
        if not found:
            out.append(f"table {table} is missing (dropped outside the library)")
        elif columns - found:
            out.append(f"table {table} lacks {', '.join(sorted(columns - found))}")
    return out


def database_head(path: str | os.PathLike[str]) -> Anchor:
    """The anchor of a database file (``HEAD:COUNT``), to publish or sign; read only.

    Raises:
        StoreError: not a plan161 database, damaged, no events yet, or a broken numbering.
    """
    with _opened(path) as opened:
        if isinstance(opened, VerifyReport):
            raise StoreError(opened.summary())
        try:
            return head_of(opened, os.fspath(path))
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{os.fspath(path)} cannot be read: {exc}") from exc
