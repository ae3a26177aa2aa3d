"""Check a database against its own history: the hash chain, and every task against its events.

The chain catches an event that was changed, inserted or removed with plain SQL. Someone who can
rewrite the file can also recompute every later hash: keep an anchor (``store.anchor``, ``plan161
head``) somewhere else, and give it back as ``expect_head`` to prove the history up to it did not
change since and was not cut short (events appended after it are fine).

Every verdict is one of ``VERDICTS``: a value of the wrong type or text that is not JSON where the
library writes JSON is tampering (only SQL writes it), never an internal error; a file SQLite
reports as damaged is corrupt.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from typing import Any

import attrs

from plan161_workflow.errors import PayloadError, StoreError
from plan161_workflow.store.anchor import HEAD_MIN_DIGITS, Expected, expected, head_prefix
from plan161_workflow.store.chain import GENESIS, event_hash
from plan161_workflow.store.replay import REPLAYED
from plan161_workflow.store.repo import EVENT_COLUMNS, Store
from plan161_workflow.store.verify_records import records
from plan161_workflow.store.verify_tasks import table_columns, tasks

__all__ = [
    "EXIT_STATUS",
    "HEAD_MIN_DIGITS",
    "REQUIRED",
    "VERDICTS",
    "VerifyReport",
    "dumps_report",
    "head_prefix",
    "missing_tables",
    "verify",
]

_BATCH = 5000

REQUIRED = {
    "rules": {"hash", "plan", "ordinal"},
    "cycles": {"year", "rules_hash", "opened_at", "closed_at"},
    "tasks": {"id", "original_agency", "coordinating", *REPLAYED},
    "events": set(EVENT_COLUMNS),
    "consolidations": {
        "seq",
        "year",
        "period",
        "at",
        "actor",
        "tasks",
        "missing",
        "waived",
        "recipients",
    },
}
"""Tables and columns ``verify`` reads: a database without one was changed outside the library
(``period``: a database older than schema 4 is read through views that add it)."""

VERDICTS = ("intact", "tampered", "corrupt", "not a plan161 database")
"""What ``verify`` can say of a file, from best to worst."""

EXIT_STATUS = {"intact": 0, "tampered": 1, "corrupt": 3, "not a plan161 database": 4}
"""``plan161 verify``'s exit status per verdict (2 is a usage error, as for every command)."""


@attrs.frozen
class VerifyReport:
    """What ``verify`` found."""

    events: int
    """Events checked."""
    tasks: int
    """Tasks checked."""
    head: str
    """Hash of the last event (publish it to detect a wholesale rewrite later)."""
    first_bad_event: int | None = None
    """Sequence number of the first event changed, inserted or removed; ``None`` if intact."""
    chain_problem: str = ""
    """What is wrong with the chain at that event."""
    task_problems: tuple[str, ...] = ()
    """Tasks whose stored columns disagree with their replayed history, or whose events do not
    follow on from each other."""
    record_problems: tuple[str, ...] = ()
    """Rules, cycle, consolidation and request rows that disagree with their hash or history."""
    damage: str = ""
    """What SQLite said of a damaged file (the verdict is then ``corrupt``)."""
    foreign: str = ""
    """Why the file is not a plan161 database (the verdict is then ``not a plan161 database``)."""

    @property
    def ok(self) -> bool:
        """True when the chain is intact and every task and record matches its history."""
        return self.verdict == "intact"

    @property
    def verdict(self) -> str:
        """One of ``VERDICTS``."""
        if self.foreign:
            return "not a plan161 database"
        if self.damage:
            return "corrupt"
        if self.first_bad_event is not None or self.task_problems or self.record_problems:
            return "tampered"
        return "intact"

    @property
    def exit_status(self) -> int:
        """The exit status ``plan161 verify`` gives this verdict (``EXIT_STATUS``)."""
        return EXIT_STATUS[self.verdict]

    def to_json(self) -> str:
        """The report as JSON, with its verdict and exit status (``dumps_report``)."""
        return dumps_report(self)

    def summary(self) -> str:
        """One line for people, starting with the verdict."""
        verdict = self.verdict
        if verdict == "intact":
            return (
                f"intact: {self.events} events in an unbroken chain, {self.tasks} tasks match "
                f"their history; head {self.head[:16]}"
            )
        if verdict == "not a plan161 database":
            return f"NOT A PLAN161 DATABASE: {self.foreign}"
        if verdict == "corrupt":
            return (
                f"CORRUPT: SQLite cannot read the file whole ({self.damage}); restore it from a "
                "backup (plan161 backup) and verify the copy"
            )
        parts = []
        if self.first_bad_event is not None:
            parts.append(f"event {self.first_bad_event}: {self.chain_problem}")
        parts += list(self.task_problems) + list(self.record_problems)
        return "TAMPERED: " + "; ".join(parts)


def verify(
    store: Store | sqlite3.Connection,
    expect_head: str | None = None,
    expect_count: int | None = None,
) -> VerifyReport:
    """Recompute the chain, check every task's events follow on and replay every task; check
    the rules, cycle, consolidation and request rows against the history.

    ``expect_head`` is an anchor kept elsewhere: ``HEAD:COUNT`` as ``plan161 head`` prints it
    (event ``COUNT`` must have hash ``HEAD``), or ``HEAD`` alone, whole or its first 16 or more
    hex digits (some event's hash must start with it). ``expect_count``, the number of events
    the chain held when the anchor was taken, asks that it still holds that many.

    Both backends: ``store`` is a ``Store``, a ``PostgresStore`` or a SQLite connection. A table
    or column ``verify`` reads that is missing gives the verdict ``tampered``; a file SQLite
    reports as damaged ``corrupt``, not an error.

    Raises:
        PayloadError: ``expect_head`` is not a head hash (the chain's starting value is none),
            or matches more than one event; a count that is not a whole number from 1.
        StoreError: PostgreSQL failed to answer (the server or the connection, not what the
            database holds): no verdict.
    """
    want = expected(expect_head, expect_count)
    conn = store.conn if isinstance(store, Store) else store
    if isinstance(store, Store) and not isinstance(conn, sqlite3.Connection):
        # PostgreSQL: every statement reads one snapshot, whatever writers commit meanwhile.
        began = not conn.in_transaction
        try:
            if began:
                conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            return _verify(conn, want)
        except store.database_error as exc:
            raise StoreError(
                f"cannot verify {store.path}: {' '.join(str(exc).split())[:500]}"
            ) from exc
        finally:
            if began:
                with contextlib.suppress(store.database_error):
                    conn.execute("ROLLBACK")
    return _verify(conn, want)


def missing_tables(conn: sqlite3.Connection) -> list[str]:
    """The tables and columns ``verify`` reads (``REQUIRED``) that the database lacks."""
    out = []
    for table, columns in REQUIRED.items():
        found = table_columns(conn, table)
        if not found:
            out.append(f"table {table} is missing (dropped outside the library)")
        elif columns - found:
            out.append(f"table {table} lacks {', '.join(sorted(columns - found))}")
    return out


def _verify(conn: sqlite3.Connection, want: Expected) -> VerifyReport:
    try:
        missing = missing_tables(conn)
        if missing:
            return VerifyReport(0, 0, GENESIS, record_problems=tuple(missing))
        count, head, first_bad, problem = _chain(conn, want)
        task_problems = tasks(conn)
        record_problems = records(conn)
        total = conn.execute("SELECT count(*) FROM tasks").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        return VerifyReport(0, 0, GENESIS, damage=" ".join(str(exc).split())[:500])
    return VerifyReport(
        count,
        int(total),
        head,
        first_bad,
        problem,
        tuple(task_problems),
        tuple(record_problems),
    )


def _chain(conn: sqlite3.Connection, want: Expected) -> tuple[int, str, int | None, str]:
    """(events, head, first bad event, what is wrong there) from one pass over the chain."""
    first_bad: int | None = None
    problem = ""
    previous, expected_seq, count = GENESIS, 1, 0
    prefix = want.prefix
    matches: list[int] = []
    at_count: Any = None
    cursor = conn.execute(f"SELECT {', '.join(EVENT_COLUMNS)} FROM events ORDER BY seq")
    while rows := cursor.fetchmany(_BATCH):
        for row in rows:
            event = dict(zip(EVENT_COLUMNS, row, strict=True))
            count += 1
            seq = event["seq"]
            if type(seq) is not int:  # a sequence number stored as text or a BLOB
                if first_bad is None:
                    first_bad, problem = expected_seq, f"its sequence number is {seq!r}"
                expected_seq += 1
                continue
            if first_bad is None:
                if seq != expected_seq:
                    # Removed: name the first missing one; inserted before 1: name the intruder.
                    first_bad = expected_seq if seq > expected_seq else seq
                    problem = (
                        f"removed (the chain jumps from {expected_seq - 1} to {seq})"
                        if seq > expected_seq
                        else "inserted out of order"
                    )
                elif _hash(previous, event) != event["hash"]:
                    first_bad = seq
                    problem = (
                        "changed or inserted (its hash does not match its content and the "
                        "previous event's hash)"
                    )
            previous, expected_seq = str(event["hash"]), seq + 1
            if want.count is not None and count == want.count:
                at_count = event["hash"]
            if prefix is not None and len(matches) < 2 and previous.startswith(prefix):
                matches.append(seq)
    if prefix is not None and want.count is None and len(matches) > 1:
        raise PayloadError(
            f"expect_head {prefix!r} matches events {matches[0]} and {matches[1]}; "
            "give more digits of the head hash, or the whole anchor HEAD:COUNT"
        )
    head = previous if count else GENESIS
    if first_bad is None:
        anchor_problem = _anchor(want, count, head, matches, at_count)
        if anchor_problem:
            first_bad, problem = min(count, want.count or count), anchor_problem
    return count, head, first_bad, problem


def _hash(previous: str, event: dict[str, Any]) -> str | None:
    """The hash an event should have; ``None`` when a column holds a value of a type the
    library never writes there (a BLOB, a real number), which no hash matches."""
    try:
        return event_hash(previous, event)
    except (TypeError, ValueError):
        return None


def _anchor(want: Expected, count: int, head: str, matches: list[int], at_count: Any) -> str:
    """What is wrong with the chain against a kept anchor (empty if nothing)."""
    kept = (want.prefix or "")[:16]
    if want.count is not None and count < want.count:
        return (
            f"the history holds {count} events but the anchor kept elsewhere closes "
            f"{want.count}: events were removed from its end (or the history was rewritten)"
        )
    if want.prefix is None:
        return ""
    if want.count is not None:
        if isinstance(at_count, str) and at_count.startswith(want.prefix):
            return ""
        return (
            f"event {want.count} does not have the head hash kept elsewhere ({kept}; it has "
            f"{str(at_count)[:16]}): history was rewritten"
        )
    if matches:
        return ""
    return (
        f"no event has the head hash kept elsewhere ({kept}; the head is now {head[:16]}): "
        "history was rewritten"
    )


def dumps_report(report: VerifyReport) -> str:
    """The report as JSON, with its verdict and exit status."""
    return json.dumps(
        {
            **attrs.asdict(report),
            "ok": report.ok,
            "verdict": report.verdict,
            "exit_status": report.exit_status,
        },
        ensure_ascii=False,
    )
