"""Reads and writes: tasks, events (hash-chained), rules versions, cycles, consolidations.

Every write happens inside ``Store.write()``: one ``BEGIN IMMEDIATE`` transaction, so a task row
and its event are written together or not at all, and the chain's head cannot move underneath.

Inside a write the store trusts what this connection itself last read or wrote (task rows, their
cycle, the chain's head) only while no other connection has committed since: ``PRAGMA
data_version`` tells, right after ``BEGIN IMMEDIATE``, and a rollback forgets everything. A
private in-memory database has no other connection. So a change costs no read of the task it
changes, and a task written by another process is always read afresh.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

import sqlite_utils

from plan161_workflow.clock import in_vietnam
from plan161_workflow.errors import ConflictError, NotFound, StoreError
from plan161_workflow.model.task import Event, Task
from plan161_workflow.store import rowcheck, schema
from plan161_workflow.store.chain import GENESIS, HASHED_FIELDS, canonical, chain_hash

TASK_COLUMNS = (
    "id",
    "year",
    "area",
    "duty",
    "agency",
    "original_agency",
    "coordinating",
    "due",
    "state",
    "version",
    "report",
    "reported_at",
    "days_late",
    "rating",
    "period",
)
_SELECT_TASK = f"SELECT {', '.join(TASK_COLUMNS)} FROM tasks"
EVENT_COLUMNS = (*HASHED_FIELDS, "hash")
"""Event columns as selected: the hashed ones, then the hash."""
_SELECT_EVENT = f"SELECT {', '.join(EVENT_COLUMNS)} FROM events"
_INSERT_TASK = (
    f"INSERT OR IGNORE INTO tasks({', '.join(TASK_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(TASK_COLUMNS))})"
)
_HEAD = "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1"
_TASKS_FOR_UPDATE = (
    f"SELECT {', '.join('t.' + c for c in TASK_COLUMNS)}, c.closed_at IS NULL, c.rules_hash, "
    f"{rowcheck.HISTORY_COLUMNS} FROM tasks t JOIN cycles c ON c.year = t.year "
    f"{rowcheck.HISTORY_JOIN}"
)
"""Task rows with their cycle's state and what their history says (``rowcheck``)."""
_TASK_FOR_UPDATE = _TASKS_FOR_UPDATE + " WHERE t.id = ?"
_INSERT_FIELDS = (*HASHED_FIELDS, "hash", "request_key")
_INSERT_EVENT = (
    f"INSERT INTO events({', '.join(_INSERT_FIELDS)}) "
    f"VALUES ({', '.join('?' * len(_INSERT_FIELDS))})"
)


_POLL = 0.05
"""Seconds between two looks for another connection's commit (``Store.wait``)."""

_REMEMBERED = 4096
"""Task rows a store remembers between writes (the oldest are forgotten first)."""


@functools.lru_cache(maxsize=4096)
def _agencies(text: str) -> tuple[str, ...]:
    """A stored list of agency codes (the same few lists recur on every row)."""
    return tuple(json.loads(text))


def row_to_task(row: Sequence[Any]) -> Task:
    """A ``Task`` from a row selected with ``TASK_COLUMNS``."""
    (
        tid,
        year,
        area,
        duty,
        agency,
        original,
        coordinating,
        due,
        state,
        version,
        report,
        reported_at,
        late,
        rating,
        period,
    ) = row
    return Task(
        id=tid,
        year=year,
        area=area,
        duty=duty,
        agency=agency,
        coordinating=_agencies(coordinating),
        due=dt.date.fromisoformat(due) if due else None,
        state=state,
        version=version,
        original_agency=original,
        report=json.loads(report) if report else None,
        reported_at=dt.datetime.fromisoformat(reported_at) if reported_at else None,
        days_late=late,
        rating=rating,
        period=period,
    )


def row_to_event(row: Sequence[Any]) -> Event:
    """An ``Event`` from a row selected with ``EVENT_COLUMNS``."""
    seq, task_id, trigger, from_state, to_state, actor, at, outcome, payload, _, _, digest = row
    return Event(
        seq=seq,
        task_id=task_id,
        trigger=trigger,
        from_state=from_state,
        to_state=to_state,
        actor=actor,
        at=dt.datetime.fromisoformat(at),
        outcome=outcome,
        payload=json.loads(payload),
        hash=digest,
    )


def _column(value: Any) -> Any:
    if value is None or type(value) in (str, int):
        return value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, dict | list | tuple):
        return canonical(value)
    return value


class _Write:
    """The context manager ``Store.write()`` returns: a class, not a generator, as every change
    enters and leaves it (about 3 µs less per change than ``@contextmanager``)."""

    __slots__ = ("store",)

    def __init__(self, store: Store) -> None:
        self.store = store

    def __enter__(self) -> None:
        self.store._begin()

    def __exit__(self, kind: object, exc: BaseException | None, tb: object) -> None:
        self.store._end(exc)


class Store:
    """One connection to a plan161 database (SQLite; ``postgres.PostgresStore`` is the other).

    Args:
        path: the database file, or ``None`` for a private in-memory database.
        create: make the tables in a missing or empty file; when false such a file is refused.
        read_only: never write (``schema.connect``); ``write()`` raises ``StoreError``.

    Raises:
        StoreError: the file cannot be used (``schema.connect``).
    """

    database_error: type[Exception] = sqlite3.Error
    """The driver's error: one raised inside a write rolls it back into a ``StoreError``."""

    def __init__(
        self,
        path: str | os.PathLike[str] | None,
        *,
        create: bool = True,
        read_only: bool = False,
    ) -> None:
        self.path = None if path is None else os.fspath(path)
        self.read_only = read_only and path is not None
        """Opened to read only: every write is refused."""
        self.db: sqlite_utils.Database = schema.connect(path, create=create, read_only=read_only)
        self.conn: sqlite3.Connection = self.db.conn
        self._depth = 0
        self._updates: dict[tuple[str, ...], str] = {}
        self._lock = threading.RLock()
        self._cur = self.conn.cursor()
        """The cursor of writes (used under the lock; one cursor, not one per statement)."""
        self._write = _Write(self)
        self._head: tuple[int, str] | None = None
        """(seq, hash) of the chain's head as this connection last wrote or read it."""
        self._tasks: dict[str, Task] = {}
        """Task rows as this connection last wrote or read them inside a write (bounded)."""
        self._cycles: dict[int, tuple[bool, str]] = {}
        """Year -> (cycle open, rules hash), as last read inside a write."""
        self._data_version: int | None = None
        """``PRAGMA data_version`` when the above were last known true (files only)."""

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def write(self) -> AbstractContextManager[None]:
        """One immediate transaction; nested uses join the outer one. Threads sharing this
        store take turns (a reentrant lock), so one thread never joins another's transaction.

        Raises:
            StoreError: the database stayed locked past the busy timeout, or failed.
        """
        return self._write

    def _begin(self) -> None:
        if self.read_only:
            raise StoreError(
                f"{self.path} was opened read-only; open it with Engine.open(path) to change it"
            )
        self._lock.acquire()
        if self._depth:
            self._depth += 1
            return
        try:
            self._cur.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            self._lock.release()
            raise StoreError(_cannot_write(self.path, exc)) from exc
        self._depth = 1
        if self.path is not None:  # another connection may have committed since our last write
            try:
                seen = self._cur.execute("PRAGMA data_version").fetchone()[0]
            except sqlite3.Error as exc:
                self._depth = 0
                self._rollback()
                self._lock.release()
                raise StoreError(f"cannot start a write on {self.path}: {exc}") from exc
            if seen != self._data_version:
                self._forget()
                self._data_version = seen

    def _forget(self) -> None:
        """Drop what this connection remembers of the database; it is read afresh."""
        self._head = None
        self._tasks.clear()
        self._cycles.clear()

    def _end(self, exc: BaseException | None) -> None:
        try:
            self._depth -= 1
            if self._depth:
                return
            if exc is None:
                try:
                    self._cur.execute("COMMIT")
                    return
                except sqlite3.Error as error:
                    exc = error
            self._rollback()
            if isinstance(exc, sqlite3.Error):
                raise StoreError(
                    f"the write to {self.path or 'memory'} failed and was rolled back: {exc}"
                ) from exc
        finally:
            self._lock.release()

    def _rollback(self) -> None:
        self._forget()
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def backup(self, target: str | os.PathLike[str]) -> None:
        """Copy the database to ``target`` with SQLite's online backup (writers may run).

        Raises:
            StoreError: ``target`` exists (a backup never writes over a file), or the copy could
                not be written (its folder is missing or not writable).
        """
        if os.path.lexists(target):
            raise StoreError(
                f"{os.fspath(target)} exists; choose a new file for the backup (a backup never "
                "writes over a file)"
            )
        folder = os.path.dirname(os.path.abspath(target))
        if not os.path.isdir(folder):
            raise StoreError(
                f"cannot back up to {os.fspath(target)}: the folder {folder} does not exist"
            )
        if not os.access(folder, os.W_OK):
            raise StoreError(
                f"cannot back up to {os.fspath(target)}: the folder {folder} is not writable "
                "by this user"
            )
        try:
            dest = sqlite3.connect(os.fspath(target))
            try:
                self.conn.backup(dest)
            finally:
                dest.close()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot back up to {os.fspath(target)}: {exc}") from exc

    def watch(self) -> None:
        """Start noticing commits of other connections (``wait``)."""
        self._watched = self.conn.execute("PRAGMA data_version").fetchone()[0]

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for another connection to commit since ``watch`` or
        the last ``wait``; True when one did. SQLite has no notifications: this polls its
        ``PRAGMA data_version`` (a read of the file header) every ``_POLL`` seconds."""
        if getattr(self, "_watched", None) is None:
            self.watch()
        deadline = time.monotonic() + max(timeout, 0.0)
        while True:
            seen = self.conn.execute("PRAGMA data_version").fetchone()[0]
            if seen != self._watched:
                self._watched = seen
                return True
            if self.path is None or time.monotonic() >= deadline:
                return False  # nobody else can write a private in-memory database
            time.sleep(_POLL)

    # -- rules and cycles ------------------------------------------------------------------
    def save_rules(self, digest: str, plan_json: str, at: dt.datetime) -> None:
        """Record a rules version and make it the latest (again, when recorded before)."""
        with self.write():
            ordinal = self.conn.execute("SELECT coalesce(max(ordinal), 0) + 1 FROM rules")
            self.conn.execute(
                "INSERT INTO rules(hash, plan, added_at, ordinal) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(hash) DO UPDATE SET ordinal = excluded.ordinal",
                (digest, plan_json, at.isoformat(), ordinal.fetchone()[0]),
            )

    def latest_rules(self) -> tuple[str, str] | None:
        """(hash, plan JSON) of the most recently recorded rules, if any."""
        row = self.conn.execute(
            "SELECT hash, plan FROM rules ORDER BY ordinal DESC LIMIT 1"
        ).fetchone()
        return (row[0], row[1]) if row else None

    def rules_json(self, digest: str) -> str:
        """Plan JSON of a recorded rules version.

        Raises:
            NotFound: no such version.
        """
        row = self.conn.execute("SELECT plan FROM rules WHERE hash = ?", (digest,)).fetchone()
        if row is None:
            raise NotFound("rules version", digest)
        return str(row[0])

    def cycle(self, year: int) -> dict[str, Any] | None:
        """The cycle row of ``year``, if opened."""
        row = self.conn.execute(
            "SELECT year, rules_hash, opened_at, closed_at FROM cycles WHERE year = ?", (year,)
        ).fetchone()
        return (
            dict(zip(("year", "rules_hash", "opened_at", "closed_at"), row, strict=True))
            if row
            else None
        )

    def cycles(self) -> list[dict[str, Any]]:
        """Every cycle row, by year."""
        rows = self.conn.execute(
            "SELECT year, rules_hash, opened_at, closed_at FROM cycles ORDER BY year"
        ).fetchall()
        return [
            dict(zip(("year", "rules_hash", "opened_at", "closed_at"), r, strict=True))
            for r in rows
        ]

    def insert_cycle(self, year: int, digest: str, at: dt.datetime) -> None:
        """Record that ``year`` was opened with rules ``digest``."""
        self.conn.execute(
            "INSERT INTO cycles(year, rules_hash, opened_at) VALUES (?, ?, ?)",
            (year, digest, at.isoformat()),
        )
        self._cycles.pop(year, None)

    def set_cycle_rules(self, year: int, digest: str) -> None:
        """Record that the cycle of ``year`` now follows rules ``digest`` (an amendment)."""
        self.conn.execute("UPDATE cycles SET rules_hash = ? WHERE year = ?", (digest, year))
        self._cycles.pop(year, None)

    def close_cycle(self, year: int, at: dt.datetime) -> None:
        """Mark ``year`` closed."""
        self.conn.execute("UPDATE cycles SET closed_at = ? WHERE year = ?", (at.isoformat(), year))
        self._cycles.pop(year, None)

    # -- tasks ------------------------------------------------------------------------------
    def insert_task(self, task: Task) -> bool:
        """Insert a new task; False when a task with that id exists already."""
        cur = self.conn.execute(_INSERT_TASK, [_column(getattr(task, c)) for c in TASK_COLUMNS])
        return cur.rowcount == 1

    def task_for_update(self, task_id: str) -> tuple[Task, bool, str]:
        """The task, whether its cycle is open, and the rules version of its cycle; inside a
        write, from what this connection remembers when nobody else has written since.

        Raises:
            NotFound: no such task.
            StoreError: the row disagrees with its history (changed outside the library).
        """
        if self._depth:
            task = self._tasks.get(task_id)
            if task is not None:
                cycle = self._cycles.get(task.year)
                if cycle is not None:
                    return task, cycle[0], cycle[1]
        row = self.conn.execute(_TASK_FOR_UPDATE, (task_id,)).fetchone()
        if row is None:
            raise NotFound("task", task_id, "list tasks with Engine.tasks() or 'plan161 status'")
        return self._checked(row)

    def tasks_for_update(
        self,
        *,
        year: int,
        period: str | None = None,
        agencies: Sequence[str] | None = None,
        states: Sequence[str] | None = None,
    ) -> list[Task]:
        """The tasks of ``year`` (of ``period``, held by one of ``agencies``, in one of
        ``states``, when given), by id, each checked against its history as
        ``task_for_update`` does.

        Raises:
            StoreError: a row disagrees with its history (changed outside the library).
        """
        where, params = task_filter(
            "t.",
            equal={"year": year, "period": period},
            among={"agency": agencies, "state": states},
        )
        sql = f"{_TASKS_FOR_UPDATE} WHERE {where} ORDER BY t.year, t.id"
        return [self._checked(r)[0] for r in self.conn.execute(sql, params).fetchall()]

    def _checked(self, row: Sequence[Any]) -> tuple[Task, bool, str]:
        """A row of ``_TASKS_FOR_UPDATE`` as (task, cycle open, rules hash), once it agrees
        with its history (``rowcheck.check``)."""
        width = len(TASK_COLUMNS)
        task = row_to_task(row[:width])
        is_open, digest = bool(row[width]), str(row[width + 1])
        rowcheck.check(task.id, (task.state, task.version, task.agency, is_open), row[width + 2 :])
        if self._depth:
            self._remember(task)
            self._cycles[task.year] = (is_open, digest)
        return task, is_open, digest

    def _remember(self, task: Task) -> None:
        if len(self._tasks) >= _REMEMBERED and task.id not in self._tasks:
            del self._tasks[next(iter(self._tasks))]  # the oldest
        self._tasks[task.id] = task

    def update_task(self, task: Task, updates: Mapping[str, Any]) -> Task:
        """Apply ``updates`` to ``task`` if it is still at ``task.version``; return the task
        afterwards, its version one higher.

        Raises:
            ConflictError: another writer changed the task first.
        """
        columns = tuple(updates)
        sql = self._updates.get(columns)
        if sql is None:
            sets = ", ".join(f"{c} = ?" for c in (*columns, "version"))
            sql = self._updates[columns] = f"UPDATE tasks SET {sets} WHERE id = ? AND version = ?"
        version = task.version + 1
        values = [_column(v) for v in updates.values()]
        values += (version, task.id, task.version)
        if self._cur.execute(sql, values).rowcount != 1:
            self._tasks.pop(task.id, None)
            now = self.conn.execute("SELECT version FROM tasks WHERE id = ?", (task.id,)).fetchone()
            raise ConflictError(task.id, task.version, now[0] if now else -1)
        after = task.changed(version, updates)
        if self._depth:
            self._remember(after)
        return after

    def delete_task(self, task: Task) -> None:
        """Remove a withdrawn task's row (its history stays).

        Raises:
            ConflictError: another writer changed the task first.
        """
        self._tasks.pop(task.id, None)
        cur = self.conn.execute(
            "DELETE FROM tasks WHERE id = ? AND version = ?", (task.id, task.version)
        )
        if cur.rowcount != 1:
            raise ConflictError(task.id, task.version, -1)

    def query(self, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
        """The rows of a read-only statement of the store's own read models, streamed."""
        return iter(self.conn.execute(sql, params))

    def find_tasks(
        self,
        *,
        year: int | None = None,
        id: str | None = None,  # noqa: A002 - the column's name
        state: str | None = None,
        agency: str | None = None,
        area: str | None = None,
        duty: str | None = None,
        period: str | None = None,
        agencies: Sequence[str] | None = None,
        states: Sequence[str] | None = None,
        limit: int | None = None,
        after: str | tuple[int, str] | None = None,
    ) -> list[Task]:
        """Tasks matching every filter given (equal to a value, or among ``agencies`` and
        ``states``), by year and id: at most ``limit``, those after ``after`` in that order (a
        task id, or a (year, id) place that stays valid when that task is withdrawn)."""
        equal = {"year": year, "id": id, "state": state, "agency": agency, "area": area}
        equal |= {"duty": duty, "period": period}
        where, params = task_filter(equal=equal, among={"agency": agencies, "state": states})
        if isinstance(after, tuple):  # (year, id): a place in the order, whether the task is there
            where += " AND (year, id) > (?, ?)"
            params += after
        elif after is not None:
            where += " AND (year, id) > (SELECT year, id FROM tasks WHERE id = ?)"
            params.append(after)
        sql = f"{_SELECT_TASK} WHERE {where} ORDER BY year, id"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [row_to_task(r) for r in self.conn.execute(sql, params)]

    def state_counts(self, year: int) -> dict[str, int]:
        """Tasks per state in ``year`` (states without tasks left out)."""
        rows = self.conn.execute(
            "SELECT state, count(*) FROM tasks WHERE year = ? GROUP BY state", (year,)
        )
        return {str(s): int(n) for s, n in rows}

    def consolidation_count(self, year: int, day: dt.date) -> int:
        """Consolidations of ``year`` recorded by the end of ``day`` in Vietnam."""
        row = self.conn.execute(
            "SELECT count(*) FROM consolidations k JOIN events e ON e.seq = k.seq "
            "WHERE k.year = ? AND substr(e.at, 1, 10) <= ?",  # the store writes ``at`` in Vietnam
            (year, day.isoformat()),
        ).fetchone()
        return int(row[0])

    # -- events -----------------------------------------------------------------------------
    def change(
        self,
        task: Task,
        updates: Mapping[str, Any],
        trigger: str,
        actor: str,
        at: dt.datetime,
        payload: Mapping[str, Any],
        request_id: str | None = None,
        request_key: str | None = None,
    ) -> Task:
        """An applied change: ``updates`` to the task row (see ``update_task``) and its event;
        returns the task afterwards.

        Raises:
            ConflictError: another writer changed the task first.
        """
        after = self.update_task(task, updates)
        self.append_event(
            task.id,
            trigger,
            task.state,
            after.state,
            actor,
            at,
            "applied",
            payload,
            after.version,
            request_id,
            request_key,
        )
        return after

    def append_event(
        self,
        task_id: str,
        trigger: str,
        from_state: str | None,
        to_state: str | None,
        actor: str,
        at: dt.datetime,
        outcome: str,
        payload: Mapping[str, Any],
        version: int | None = None,
        request_id: str | None = None,
        request_key: str | None = None,
    ) -> int:
        """Append an event at the head of the chain; return its sequence number.

        ``at`` is stored in Vietnam's time zone, so its first ten characters are the local day.
        """
        head = self._head
        if head is None or not self._depth:
            row = self.conn.execute(_HEAD).fetchone()
            head = (row[0], row[1]) if row else (0, GENESIS)
        seq = head[0] + 1
        local = in_vietnam(at)
        hashed = [  # in the order of HASHED_FIELDS
            seq,
            task_id,
            trigger,
            from_state,
            to_state,
            actor,
            local.isoformat(),
            outcome,
            canonical(payload),
            version,
            request_id,
        ]
        digest = chain_hash(head[1], hashed)
        hashed += (digest, request_key)
        self._cur.execute(_INSERT_EVENT, hashed)
        self._head = (seq, digest) if self._depth else None
        return seq

    def events(self, task_id: str) -> list[Event]:
        """The history of one task, oldest first."""
        return [
            row_to_event(r)
            for r in self.conn.execute(
                _SELECT_EVENT + " WHERE task_id = ? ORDER BY seq", (task_id,)
            )
        ]

    def event_rows(
        self, after: int = 0, limit: int | None = None, applied_only: bool = False
    ) -> list[dict[str, Any]]:
        """Raw event rows after sequence ``after``, in commit order."""
        sql = (
            _SELECT_EVENT + " WHERE seq > ?" + (" AND outcome = 'applied'" if applied_only else "")
        )
        sql += " ORDER BY seq" + (" LIMIT ?" if limit is not None else "")
        params: list[Any] = [after] + ([limit] if limit is not None else [])
        return [dict(zip(EVENT_COLUMNS, r, strict=True)) for r in self.conn.execute(sql, params)]

    def event_rows_of(self, task_id: str) -> list[dict[str, Any]]:
        """Raw event rows of one task, oldest first."""
        rows = self.conn.execute(_SELECT_EVENT + " WHERE task_id = ? ORDER BY seq", (task_id,))
        return [dict(zip(EVENT_COLUMNS, r, strict=True)) for r in rows]

    def request(self, request_id: str) -> tuple[str, str, int] | None:
        """(task id, request key, sequence) of an earlier request with this id."""
        row = self.conn.execute(
            "SELECT task_id, request_key, seq FROM events WHERE request_id = ?", (request_id,)
        ).fetchone()
        return (row[0], row[1], row[2]) if row else None

    # -- consolidations -------------------------------------------------------------------
    def insert_consolidation(
        self, seq: int, year: int, at: dt.datetime, actor: str, record: Mapping[str, Any]
    ) -> None:
        """Store a consolidated-report record (its event is ``seq``) of ``record["period"]``."""
        self.conn.execute(
            "INSERT INTO consolidations(seq, year, at, actor, tasks, missing, waived, recipients, "
            "period) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                seq,
                year,
                at.isoformat(),
                actor,
                canonical(record["tasks"]),
                canonical(record["missing"]),
                canonical(record["waived"]),
                canonical(record["recipients"]),
                record["period"],
            ),
        )

    def consolidations(self, year: int, period: str | None = None) -> list[dict[str, Any]]:
        """Consolidated-report records of ``year`` (of one period when given), oldest first;
        each with the ``level`` its event names (``None``: the province's)."""
        cols = ("seq", "year", "at", "actor", "tasks", "missing", "waived", "recipients", "period")
        where, params = ("c.year = ?", (year,)) if period is None else ("c.period = ?", (period,))
        rows = self.conn.execute(
            f"SELECT {', '.join('c.' + c for c in cols)}, json_extract(e.payload, '$.level') "
            f"FROM consolidations c JOIN events e ON e.seq = c.seq WHERE {where} ORDER BY c.seq",
            params,
        )
        out = []
        for r in rows:
            rec = dict(zip((*cols, "level"), r, strict=True))
            for key in ("tasks", "missing", "waived", "recipients"):
                rec[key] = json.loads(rec[key])
            out.append(rec)
        return out


def task_filter(
    prefix: str = "",
    *,
    equal: Mapping[str, object] | None = None,
    among: Mapping[str, Sequence[object] | None] | None = None,
) -> tuple[str, list[Any]]:
    """(SQL condition, parameters) on the tasks table, its columns named with ``prefix``: each
    column of ``equal`` whose value is not ``None`` equal to it, each column of ``among`` whose
    values are not ``None`` among them (an empty list matches nothing). Every read model of the
    store filters tasks with it."""
    where: list[str] = []
    params: list[Any] = []
    for name, value in (equal or {}).items():
        if value is not None:
            where.append(f"{prefix}{name} = ?")
            params.append(value)
    for name, values in (among or {}).items():
        if values is not None:
            marks = ", ".join("?" * len(values))
            where.append(f"{prefix}{name} IN ({marks})" if values else "0 = 1")
            params += values
    return " AND ".join(where) or "1 = 1", params


def _cannot_write(path: str | None, exc: sqlite3.OperationalError) -> str:
    """Why a write could not start: a lock held too long, or a file this user may not write."""
    where = path or "memory"
    name = getattr(exc, "sqlite_errorname", "")
    if path is not None and name.startswith("SQLITE_READONLY"):
        stuck = [
            side
            for side in (path, f"{path}-wal", f"{path}-shm")
            if os.path.exists(side) and not os.access(side, os.W_OK)
        ]
        if stuck:
            return (
                f"cannot write {where}: {', '.join(stuck)} not writable by this user (a reader "
                "without write access may have left the -wal/-shm files); make them writable, "
                "or remove the -wal and -shm files while no program has the database open"
            )
        return f"cannot write {where}: {exc}"
    return (
        f"cannot start a write on {where}: {exc}; another writer held the database too long; "
        "try again"
    )
