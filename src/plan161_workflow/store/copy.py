"""Opening a store by its name (a SQLite file or a PostgreSQL URL), and copying a database from
one store to another, verified.

``copy_store`` reads one snapshot of the source and writes every table in one transaction of the
target: the rows, their order and the hash chain are the same, so both give the same head.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import attrs

from plan161_workflow.errors import StoreError
from plan161_workflow.store.postgres import PostgresStore, is_url
from plan161_workflow.store.repo import Store
from plan161_workflow.store.verify import verify

COPIED_TABLES = (
    ("rules", "ordinal"),
    ("cycles", "year"),
    ("tasks", "id"),
    ("events", "seq"),
    ("consolidations", "seq"),
)
"""Every table with meaning, in an order that keeps references valid, with the column that
orders its rows. A table added to the schema (both backends) goes here."""

_BATCH = 5000


def open_store(
    db: str | os.PathLike[str] | None, *, create: bool = True, read_only: bool = False
) -> Store:
    """The store of ``db``: a PostgreSQL URL (``postgresql://...``), a SQLite file path, or
    ``None`` for a private in-memory SQLite database.

    Raises:
        StoreError: the database cannot be used (see ``Store`` and ``PostgresStore``).
    """
    if is_url(db):
        return PostgresStore(str(db), create=create, read_only=read_only)
    return Store(db, create=create, read_only=read_only)


@attrs.frozen
class CopyReport:
    """What ``copy_store`` copied, and the head both databases give."""

    rows: dict[str, int]
    """Rows copied, per table."""
    head: tuple[int, str] | None
    """(seq, hash) of the last event of both databases; ``None`` without events."""


@contextmanager
def _snapshot(store: Store) -> Iterator[None]:
    """Read one snapshot of ``store`` (writers may go on meanwhile)."""
    if isinstance(store, PostgresStore):
        store.conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    else:
        store.conn.execute("BEGIN")
    try:
        yield
    finally:
        store.conn.execute("ROLLBACK")


def head(store: Store) -> tuple[int, str] | None:
    """(seq, hash) of the last event, ``None`` without events."""
    row = next(store.query("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1"), None)
    return (int(row[0]), str(row[1])) if row else None


def copy_store(source: Store, target: Store) -> CopyReport:
    """Copy every table of ``source`` into ``target``, which must hold no rules, tasks or
    events yet; then check that ``target`` verifies intact with the same head as ``source``.

    Raises:
        StoreError: the target is not empty, a write failed (nothing is left half-copied), or
            the copy does not verify with the source's head.
    """
    for table in ("rules", "tasks", "events"):
        if next(target.query(f"SELECT 1 FROM {table} LIMIT 1"), None) is not None:
            raise StoreError(
                f"{target.path or 'the target'} already holds a database ({table} has rows); "
                "copy into a new file or an empty PostgreSQL schema"
            )
    rows: dict[str, int] = {}
    with _snapshot(source), target.write():
        for table, order in COPIED_TABLES:
            cursor: Any = source.conn.execute(f"SELECT * FROM {table} ORDER BY {order}")
            names = [d[0] for d in cursor.description]
            insert = (
                f"INSERT INTO {table}({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
            )
            rows[table] = 0
            while batch := cursor.fetchmany(_BATCH):
                target.conn.executemany(insert, batch)
                rows[table] += len(batch)
        source_head = head(source)
    target._forget()  # the rows were written around the store's memory
    if head(target) != source_head:
        raise StoreError("the copy does not end at the source's head; nothing else wrote it?")
    report = verify(target)
    if not report.ok:
        raise StoreError(f"the copy does not verify: {report}")
    return CopyReport(rows=rows, head=source_head)
