"""A verdict on any file: ``verify_database`` never raises for what the file holds.

It opens the file read-only as every reader does (``schema.connect``), asks SQLite to check every
page (``PRAGMA quick_check``), then verifies (``store.verify``, which first checks that the tables
the library reads are there with their columns). Missing, empty, not SQLite, another program's
database or a newer schema: ``not a plan161 database``; a file SQLite reports as damaged:
``corrupt``; tables, columns or rows changed outside the library: ``tampered``.

A PostgreSQL URL gets a verdict too: it is opened read-only (``PostgresStore``) and verified the
same way. A schema without plan161's tables, with a newer schema version or with a ``meta`` table
that holds none: ``not a plan161 database``. There is no ``corrupt``: the server checks its own
pages, and a server that cannot be reached or fails to answer gives no verdict (``StoreError``).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from plan161_workflow.errors import PayloadError, StoreError
from plan161_workflow.store import schema
from plan161_workflow.store.anchor import Anchor, expected, head_of
from plan161_workflow.store.chain import GENESIS
from plan161_workflow.store.postgres import PostgresStore, is_url, redact
from plan161_workflow.store.verify import VerifyReport, verify

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
def _opened(
    path: str | os.PathLike[str],
) -> Iterator[sqlite3.Connection | PostgresStore | VerifyReport]:
    """The file (or PostgreSQL database) opened read-only, or the verdict that it cannot be
    judged further.

    Raises:
        PayloadError: ``path`` is not a path (text, bytes or ``os.PathLike``).
    """
    if not isinstance(path, str | bytes | os.PathLike):
        raise PayloadError(f"the database must be a path or a URL, not {type(path).__name__}")
    path = os.fsdecode(path)
    if is_url(path):
        try:
            store = PostgresStore(str(path), create=False, read_only=True)
        except StoreError as exc:
            if exc.__cause__ is not None:  # the server or the connection: no verdict
                raise
            yield _foreign(str(exc))  # no plan161 tables, a newer schema, a foreign meta
            return
        try:
            yield store
        finally:
            store.close()
        return
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
    """Judge any file, or a PostgreSQL URL: intact, tampered, corrupt or not a plan161 database
    (``report.verdict``, ``report.exit_status``). It reads the database only; the rules it holds
    need not be readable.

    ``expect_head`` and ``expect_count``: an anchor kept elsewhere, as ``store.verify.verify``.

    Raises:
        PayloadError: ``expect_head`` or ``expect_count`` is malformed (checked first, before
            the file is opened).
        StoreError: the file cannot be read by this process at all (a database in WAL mode in
            a folder it may not write, a file it may not read), or the PostgreSQL server cannot
            be reached or fails to answer: no verdict on the database.
    """
    expected(expect_head, expect_count)  # a usage error is one whatever the file
    with _opened(path) as opened:
        if isinstance(opened, VerifyReport):
            return opened
        try:
            if isinstance(opened, sqlite3.Connection):
                problems = [str(r[0]) for r in opened.execute("PRAGMA quick_check(20)")]
                if problems != ["ok"]:
                    return _damaged("; ".join(problems))
        except sqlite3.DatabaseError as exc:
            return _damaged(str(exc))
        return verify(opened, expect_head, expect_count)  # checks tables and columns first


def database_head(path: str | os.PathLike[str]) -> Anchor:
    """The anchor of a database (``HEAD:COUNT``), to publish or sign; read only. ``path`` is a
    SQLite file or a PostgreSQL URL.

    Raises:
        StoreError: not a plan161 database, damaged, no events yet, or a broken numbering; the
            PostgreSQL server cannot be reached or failed to answer.
    """
    with _opened(path) as opened:
        if isinstance(opened, VerifyReport):
            raise StoreError(opened.summary())
        if isinstance(opened, PostgresStore):
            where = redact(os.fspath(path))
            try:
                return head_of(opened.conn, where)
            except opened.database_error as exc:
                raise StoreError(f"{where} cannot be read: {str(exc).strip()}") from exc
        try:
            return head_of(opened, os.fspath(path))
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{os.fspath(path)} cannot be read: {exc}") from exc
