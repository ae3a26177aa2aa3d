"""Check a database against its own history: the hash chain, and every task against its events.

The chain catches an event that was changed, inserted or removed with plain SQL. Someone who can
rewrite the file can also recompute every later hash: keep the head hash (``VerifyReport.head``)
somewhere else, and pass it back as ``expect_head`` to prove the history up to it did not change
since (events appended after it are fine: the hash must still be in the chain). The first 16 hex
digits that ``VerifyReport.summary`` prints are enough, in either case.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from itertools import groupby
from typing import Any

import attrs

from plan161_workflow.errors import PayloadError
from plan161_workflow.model.task import CYCLE_ID_PREFIX, cycle_id
from plan161_workflow.store.chain import GENESIS, canonical, event_hash
from plan161_workflow.store.replay import REPLAYED, replay
from plan161_workflow.store.repo import EVENT_COLUMNS, Store

_BATCH = 5000
Event = dict[str, Any]
"""An event row as a mapping of column -> value."""


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
    """Tasks whose stored columns disagree with their replayed history."""
    record_problems: tuple[str, ...] = ()
    """Rules, cycle and consolidation rows that disagree with their hash or with the history."""

    @property
    def ok(self) -> bool:
        """True when the chain is intact and every task and record matches its history."""
        return self.first_bad_event is None and not self.task_problems and not self.record_problems

    def summary(self) -> str:
        """One line for people."""
        if self.ok:
            return (
                f"intact: {self.events} events in an unbroken chain, {self.tasks} tasks match "
                f"their history; head {self.head[:16]}"
            )
        parts = []
        if self.first_bad_event is not None:
            parts.append(f"event {self.first_bad_event}: {self.chain_problem}")
        parts += list(self.task_problems) + list(self.record_problems)
        return "TAMPERED: " + "; ".join(parts)


HEAD_MIN_DIGITS = 16
"""The fewest hex digits of a kept head ``verify`` accepts: the 16 that ``summary`` prints (64 bits;
a shorter prefix would be easy to match by grinding a forged history)."""

_HEX = frozenset("0123456789abcdef")


def head_prefix(expect_head: str) -> str:
    """A kept head hash as ``verify`` compares it: the whole SHA-256 (64 hex digits) or a prefix
    of at least ``HEAD_MIN_DIGITS``, in either case, spaces around it ignored; lower case.

    Raises:
        PayloadError: not text, or not 16 to 64 hex digits.
    """
    if not isinstance(expect_head, str):
        raise PayloadError(
            f"expect_head must be text (a head hash), not {type(expect_head).__name__}"
        )
    text = expect_head.strip().lower()
    if not text or not set(text) <= _HEX or not HEAD_MIN_DIGITS <= len(text) <= 64:
        raise PayloadError(
            f"expect_head {expect_head!r} is not a head hash: give the head that verify printed, "
            f"{HEAD_MIN_DIGITS} to 64 hex digits (0-9, a-f), such as "
            "'29f199592bfe223f'"
        )
    return text


def verify(store: Store | sqlite3.Connection, expect_head: str | None = None) -> VerifyReport:
    """Recompute the chain and replay every task; report the first break and every mismatch.

    ``expect_head`` is a head hash kept elsewhere, whole or its first 16 or more hex digits
    (``head_prefix``): the report fails unless some event's hash starts with it.

    Raises:
        PayloadError: ``expect_head`` is not a head hash, or matches more than one event.
    """
    conn = store.conn if isinstance(store, Store) else store
    prefix = None if expect_head is None else head_prefix(expect_head)
    first_bad: int | None = None
    problem = ""
    previous, expected_seq, count = GENESIS, 1, 0
    # A head kept elsewhere still holds when later events were appended: it must be in the chain.
    head_found = prefix is None or GENESIS.startswith(prefix)
    matches: list[int] = []
    cursor = conn.execute(f"SELECT {', '.join(EVENT_COLUMNS)} FROM events ORDER BY seq")
    while rows := cursor.fetchmany(_BATCH):
        for row in rows:
            event = dict(zip(EVENT_COLUMNS, row, strict=True))
            count += 1
            seq = event["seq"]
            if first_bad is None:
                if seq != expected_seq:
                    # Removed: name the first missing one; inserted before 1: name the intruder.
                    first_bad = expected_seq if seq > expected_seq else seq
                    problem = (
                        f"removed (the chain jumps from {expected_seq - 1} to {seq})"
                        if seq > expected_seq
                        else "inserted out of order"
                    )
                elif event_hash(previous, event) != event["hash"]:
                    first_bad = seq
                    problem = (
                        "changed or inserted (its hash does not match its content and the "
                        "previous event's hash)"
                    )
            previous, expected_seq = event["hash"], seq + 1
            if prefix is not None and len(matches) < 2 and str(event["hash"]).startswith(prefix):
                matches.append(seq)
    if len(matches) > 1:
        raise PayloadError(
            f"expect_head {prefix!r} matches events {matches[0]} and {matches[1]}; "
            "give more digits of the head hash"
        )
    head_found = head_found or bool(matches)
    head = previous if count else GENESIS
    if first_bad is None and not head_found:
        first_bad = expected_seq - 1
        kept = (prefix or "")[:16]
        problem = (
            f"no event has the head hash kept elsewhere ({kept}; the head is now {head[:16]}): "
            "history was rewritten"
        )
    task_problems = _tasks(conn)
    record_problems = _records(conn, dict(_histories(conn, cycles=True)))
    total = conn.execute("SELECT count(*) FROM tasks").fetchone()[0]
    return VerifyReport(
        count, int(total), head, first_bad, problem, tuple(task_problems), tuple(record_problems)
    )


# Task columns fixed at creation: the ``create`` event's payload keeps them (key there -> column).
_CREATED = {"agency": "original_agency"}
"""Columns only the create event sets (``due`` is replayed: amendments move it)."""


def _created(history: list[Event]) -> dict[str, Any]:
    for event in history:
        if event["trigger"] == "create" and event["outcome"] == "applied":
            payload = json.loads(event["payload"])
            return {col: payload[key] for key, col in _CREATED.items() if key in payload}
    return {}


def _withdrawn(history: list[Event]) -> bool:
    """True when the task's last applied event withdrew it (an amendment dropped it)."""
    applied = [e for e in history if e["outcome"] == "applied"]
    return bool(applied) and applied[-1]["trigger"] == "withdraw"


def _histories(conn: sqlite3.Connection, *, cycles: bool) -> Iterator[tuple[str, list[Event]]]:
    """(task id, its events in order), one task at a time (the ``events_task`` index)."""
    like = f"task_id LIKE '{CYCLE_ID_PREFIX}%'"
    where = like if cycles else f"NOT {like}"
    cursor = conn.execute(
        f"SELECT {', '.join(EVENT_COLUMNS)} FROM events WHERE {where} ORDER BY task_id, seq"
    )
    rows = (dict(zip(EVENT_COLUMNS, row, strict=True)) for row in cursor)
    for task_id, group in groupby(rows, key=lambda e: str(e["task_id"])):
        yield task_id, list(group)


def _tasks(conn: sqlite3.Connection) -> list[str]:
    """Every task row against its replayed history: a merge of two streams ordered by task id,
    so memory holds one task's history at a time."""
    out: list[str] = []
    columns = (*REPLAYED, *_CREATED.values())
    cursor = conn.execute(f"SELECT id, {', '.join(columns)} FROM tasks ORDER BY id")
    rows = iter(cursor)
    current = next(rows, None)
    for task_id, history in _histories(conn, cycles=False):
        while current is not None and current[0] < task_id:
            out.append(f"task {current[0]}: no history")
            current = next(rows, None)
        if current is None or current[0] != task_id:
            if not _withdrawn(history):
                out.append(f"task {task_id}: has history but no row (deleted?)")
            continue
        stored = dict(zip(columns, current[1:], strict=True))
        current = next(rows, None)
        problem = _compare(task_id, stored, history, columns)
        if problem:
            out.append(problem)
    while current is not None:
        out.append(f"task {current[0]}: no history")
        current = next(rows, None)
    return out


def _compare(
    task_id: str, stored: dict[str, Any], history: list[Event], columns: tuple[str, ...]
) -> str:
    replayed = replay(history)
    if replayed is None:
        return f"task {task_id}: no history"
    replayed["report"] = canonical(replayed["report"]) if replayed["report"] else None
    replayed.update(_created(history))
    diff = [k for k in columns if k in replayed and replayed[k] != stored[k]]
    if not diff:
        return ""
    shown = ", ".join(
        f"{k} stored {stored[k]!r} vs replayed {replayed[k]!r}" for k in diff if k != "report"
    )
    return f"task {task_id}: {shown or 'report differs from its history'}"


def _records(conn: sqlite3.Connection, histories: dict[str, list[Event]]) -> list[str]:
    """Rules rows against their hash; cycle and consolidation rows against the cycle events."""
    out = []
    for digest, plan in conn.execute("SELECT hash, plan FROM rules ORDER BY ordinal"):
        if hashlib.sha256(plan.encode("utf-8")).hexdigest() != digest:
            out.append(f"rules {digest[:16]}: the stored plan does not match its hash")
    cycles = conn.execute("SELECT year, rules_hash, closed_at FROM cycles ORDER BY year")
    seen = set()
    for year, rules_hash, closed_at in cycles.fetchall():
        seen.add(cycle_id(year))
        applied = [e for e in histories.get(cycle_id(year), []) if e["outcome"] == "applied"]
        payloads = [json.loads(e["payload"]) for e in applied]
        # The rules a cycle follows: those of its last event naming rules (open_cycle, amendment).
        rules = [p["rules"] for p in payloads if "rules" in p]
        closed = [e["at"] for e in applied if e["trigger"] == "close_cycle"]
        if not any(e["trigger"] == "open_cycle" for e in applied):
            out.append(f"cycle {year}: no open_cycle event")
        elif not rules or rules[-1] != rules_hash:
            out.append(f"cycle {year}: rules {rules_hash[:16]} differ from its history")
        if closed_at != (closed[0] if closed else None):
            out.append(f"cycle {year}: closed_at {closed_at!r} disagrees with its history")
    # A cycle never opened may still have history: refused attempts at it (a mistyped year).
    orphans = sorted(
        t
        for t, events in histories.items()
        if t.startswith(CYCLE_ID_PREFIX)
        and t not in seen
        and any(e["outcome"] == "applied" for e in events)
    )
    out += [f"cycle {t[6:]}: has history but no row (deleted?)" for t in orphans]
    rows = conn.execute(
        "SELECT c.seq, c.year, c.period, c.at, c.actor, c.tasks, c.missing, c.waived, "
        "c.recipients, e.task_id, e.trigger, e.at, e.actor, e.payload "
        "FROM consolidations c LEFT JOIN events e ON e.seq = c.seq ORDER BY c.seq"
    )
    for seq, year, period, at, actor, *record, task_id, trigger, e_at, e_actor, payload in rows:
        stored = [year, period, at, actor, *map(json.loads, record)]
        if trigger != "consolidate_cycle" or task_id != cycle_id(year):
            out.append(f"consolidation {seq}: no consolidate_cycle event {seq} of {year}")
            continue
        p = json.loads(payload)
        # Before periods (schema 2) a consolidation was of the year, whose period id is the year.
        expected = [p.get("year"), p.get("period", f"{year:04d}"), e_at, e_actor]
        expected += [p.get(k) for k in ("tasks", "missing", "waived", "recipients")]
        if stored != expected:
            out.append(f"consolidation {seq}: the record disagrees with its event")
    return out


def dumps_report(report: VerifyReport) -> str:
    """The report as JSON."""
    return json.dumps({**attrs.asdict(report), "ok": report.ok}, ensure_ascii=False)
