"""The PostgreSQL backend: the same store, tables and guarantees as SQLite's, on psycopg 3.

``PostgresStore`` is ``Store`` with another connection: the statements are the store's own (its
``?`` placeholders become psycopg's), the transaction and its lock are PostgreSQL's.

Guarantees, and what they rely on (``docs/postgresql.md``):

* One transaction per change (``Store.write``): ``BEGIN`` at PostgreSQL's default ``READ
  COMMITTED`` level, then ``pg_advisory_xact_lock`` on the database's chain. Writers, from any
  process or host, take turns on that lock as SQLite's writers do on its file lock; each statement
  after the lock sees every change committed before it was granted, so the chain's head, a task's
  version and a request id are read fresh and no update is lost and the chain never forks. The
  lock is released by ``COMMIT`` or ``ROLLBACK``; ``lock_timeout`` (30 s, as SQLite's busy
  timeout) bounds the wait.
* A committed change is durable as PostgreSQL's ``synchronous_commit`` makes it (``on`` by
  default: flushed to the WAL, and to a synchronous standby when one is configured).
* Each change notifies ``CHANNEL`` (``pg_notify``, delivered on commit) with its sequence number:
  a host ``LISTEN``s instead of polling (``Engine.wait_for_changes``).

A URL selects the database, and optionally a schema: ``postgresql://host/db?options=-csearch_path%3Dname``
keeps one plan's tables in schema ``name`` (created when missing).
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

from plan161_workflow.errors import StoreError
from plan161_workflow.store import pg_schema
from plan161_workflow.store.repo import Store, _Write
from plan161_workflow.store.schema import CREATE_HINT, SCHEMA_VERSION

URL_SCHEMES = ("postgresql://", "postgres://")
"""A ``db`` starting with one of these is a PostgreSQL URL; anything else a SQLite file path."""

CHANNEL = "plan161_changes"
"""The ``LISTEN`` channel every committed change is notified on (payload: its ``seq``)."""

LOCK_TIMEOUT = "30s"
"""How long a writer waits for the chain's lock before ``StoreError`` (SQLite's busy timeout)."""

_LOCK = "SELECT pg_advisory_xact_lock(1345402417, hashtext(current_schema()))"
"""The chain's lock: one per schema (key 0x50313631, "P161", and the schema's name)."""


def is_url(db: object) -> bool:
    """Whether ``db`` names a PostgreSQL database."""
    return isinstance(db, str) and db.startswith(URL_SCHEMES)


def redact(url: str) -> str:
    """``url`` without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


_PLACEHOLDER = re.compile(r"\?")


class _Connection:
    """psycopg's connection seen as the store's ``sqlite3.Connection``: ``execute`` with ``?``
    placeholders (the store's statements, translated once each), ``cursor``, ``in_transaction``."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.pg = conn
        self._sql: dict[str, str] = {}

    def translate(self, sql: str) -> str:
        found = self._sql.get(sql)
        if found is None:
            found = _PLACEHOLDER.sub("%s", sql.replace("%", "%%"))
            if found.lstrip().startswith("INSERT OR IGNORE INTO"):
                found = found.replace("INSERT OR IGNORE INTO", "INSERT INTO", 1)
                found += " ON CONFLICT DO NOTHING"
            if len(self._sql) < 4096:
                self._sql[sql] = found
        return found

    def execute(self, sql: str, params: Sequence[Any] = ()) -> psycopg.Cursor[Any]:
        return self.pg.execute(self.translate(sql), list(params))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        with self.pg.cursor() as cur:
            cur.executemany(self.translate(sql), rows)

    def cursor(self) -> _Connection:
        return self

    @property
    def in_transaction(self) -> bool:
        return self.pg.info.transaction_status != psycopg.pq.TransactionStatus.IDLE

    def close(self) -> None:
        self.pg.close()


class PostgresStore(Store):
    """One connection to a plan161 database on PostgreSQL.

    Args:
        url: ``postgresql://...`` (libpq's URI; ``options=-csearch_path%3Dname`` for a schema).
        create: make the tables when the schema has none (``Engine(plan, db=url)``); when false,
            an empty schema is refused (``Engine.open(url)``).
        read_only: never write: ``write()`` raises ``StoreError`` and the session is read-only.

    Raises:
        StoreError: the server cannot be reached, the schema holds no plan161 database (when not
            ``create``) or a newer one, or the database refused the tables.
    """

    database_error: type[Exception] = psycopg.Error

    def __init__(self, url: str, *, create: bool = True, read_only: bool = False) -> None:
        self.path = redact(url)
        self.url = url
        self.read_only = read_only
        try:
            pg = psycopg.connect(url, autocommit=True)
        except psycopg.Error as exc:
            raise StoreError(
                f"cannot connect to {self.path}: {str(exc).strip()}; check the URL, that the "
                "server runs and that this user may connect"
            ) from exc
        self.pg: psycopg.Connection[Any] = pg
        self.conn = _Connection(pg)  # type: ignore[assignment]
        self._depth = 0
        self._updates: dict[tuple[str, ...], str] = {}
        self._lock = threading.RLock()
        self._cur = self.conn.cursor()
        self._write = _Write(self)
        self._head = None
        self._tasks = {}
        self._cycles = {}
        self._data_version = None
        self._notify = False
        self._listening = False
        try:
            pg.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
            self._prepare(create, read_only)
            if read_only:
                pg.execute("SET default_transaction_read_only = on")
        except psycopg.Error as exc:
            pg.close()
            raise StoreError(f"cannot use {self.path}: {str(exc).strip()}") from exc
        except BaseException:
            pg.close()
            raise

    def _prepare(self, create: bool, read_only: bool) -> None:
        """Find the tables (making them in an empty schema when ``create``), check the version,
        migrate an older one; under the chain's lock, so two processes never both create."""
        pg = self.pg
        schema = pg.execute("SELECT current_schema()").fetchone()
        if schema is None or schema[0] is None:
            raise StoreError(
                f"{self.path} has no schema to use: its search_path names none that exists; "
                "create it, or name another with options=-csearch_path%3Dname"
            )
        with pg.transaction():
            if not read_only:
                pg.execute(_LOCK)
            version = _version(pg)
            if version is None:
                if read_only or not create:
                    raise StoreError(f"{self.path} holds no plan161 database; {CREATE_HINT}")
                pg.execute(pg_schema.DDL)
                pg.execute(pg_schema.FUNCTIONS)
                pg.execute(
                    "INSERT INTO meta(key, value) VALUES ('schema_version', %s)",
                    [str(SCHEMA_VERSION)],
                )
                return
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path} has schema version {version}, newer than this library's "
                    f"{SCHEMA_VERSION}; upgrade plan161-workflow to open it"
                )
            if version < SCHEMA_VERSION and read_only:
                # Read as it is, as SQLite does: temporary views (searched first) add what
                # later versions add, in this session only.
                if version < 4:
                    pg.execute(pg_schema.v4_views(str(schema[0])))
            elif version < SCHEMA_VERSION:
                for step in range(version + 1, SCHEMA_VERSION + 1):
                    pg.execute(pg_schema.MIGRATIONS[step])
                pg.execute(pg_schema.FUNCTIONS)
                pg.execute(
                    "UPDATE meta SET value = %s WHERE key = 'schema_version'",
                    [str(SCHEMA_VERSION)],
                )

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def _begin(self) -> None:
        if self.read_only:
            raise StoreError(
                f"{self.path} was opened read-only; open it with Engine.open(url) to change it"
            )
        self._lock.acquire()
        if self._depth:
            self._depth += 1
            return
        try:
            self._cur.execute("BEGIN")
            self._cur.execute(_LOCK)
        except psycopg.Error as exc:
            self._rollback()
            self._lock.release()
            raise StoreError(
                f"cannot start a write on {self.path}: {str(exc).strip()}; another writer held "
                "the database too long, or the server is gone; try again"
            ) from exc
        self._depth = 1
        self._notify = False
        self._forget()  # another process may have committed since: read afresh

    def append_event(self, *args: Any, **kwargs: Any) -> int:
        self._notify = True
        return super().append_event(*args, **kwargs)

    def _end(self, exc: BaseException | None) -> None:
        try:
            self._depth -= 1
            if self._depth:
                return
            if exc is None:
                try:
                    if self._notify and self._head is not None:
                        self._cur.execute("SELECT pg_notify(?, ?)", (CHANNEL, str(self._head[0])))
                    self._cur.execute("COMMIT")
                    self._forget()
                    return
                except psycopg.Error as error:
                    exc = error
            self._rollback()
            if isinstance(exc, psycopg.Error):
                raise StoreError(
                    f"the write to {self.path} failed and was rolled back: {str(exc).strip()}"
                ) from exc
        finally:
            self._lock.release()

    def _rollback(self) -> None:
        self._forget()
        if self.conn.in_transaction:
            with contextlib.suppress(psycopg.Error):  # a broken connection rolled back already
                self.conn.execute("ROLLBACK")

    def query(self, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
        """The rows of a read-only statement of the store's own read models."""
        return iter(self.conn.execute(sql, params))

    def backup(self, target: str | os.PathLike[str]) -> None:
        """Copy the database to a new SQLite file ``target`` (``store.copy``), while writers
        may run: the copy is of one snapshot.

        Raises:
            StoreError: the copy could not be written.
        """
        from plan161_workflow.store.copy import copy_store, open_store

        if os.path.exists(target):
            raise StoreError(f"cannot back up to {os.fspath(target)}: the file exists already")
        dest = open_store(os.fspath(target))
        try:
            copy_store(self, dest)
        finally:
            dest.close()

    def watch(self) -> None:
        """Start hearing of changes committed by any connection (``LISTEN``); from now on
        ``wait`` returns as soon as one was (notifications that arrive while this connection
        runs other statements are kept for ``wait``)."""
        if not self._listening:
            self.pg.execute(f"LISTEN {CHANNEL}")
            self._listening = True

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for a change committed since ``watch`` or the last
        ``wait``; True when one was, False on timeout. No polling: the server notifies."""
        self.watch()
        for _ in self.pg.notifies(timeout=max(timeout, 0.0), stop_after=1):
            return True
        return False


def _version(pg: psycopg.Connection[Any]) -> int | None:
    """The schema version of the current schema's plan161 tables, ``None`` when it has none."""
    found = pg.execute("SELECT to_regclass('meta') IS NOT NULL").fetchone()
    if not found or not found[0]:
        return None
    row = pg.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    if row is None or not str(row[0]).isascii() or not str(row[0]).isdigit():
        raise StoreError("the schema has a meta table without a schema version: not plan161's")
    return int(row[0])
