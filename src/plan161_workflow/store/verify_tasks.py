"""``verify``'s second pass: every task row against its replayed history, and every task's
events against each other (each follows on from the one before).

Both streams are read ordered by task id and merged, so memory holds one task's history at a
time. A value the library never writes (a BLOB where it writes text, text that is not JSON) is
reported as tampering with that task, never raised.

The statements run on both backends (``conn`` is SQLite's connection or ``PostgresStore.conn``):
the few things they say differently are here (``in_code_order``, ``table_columns``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from itertools import groupby
from typing import Any

from plan161_workflow.model.task import CYCLE_ID_PREFIX
from plan161_workflow.store.chain import canonical
from plan161_workflow.store.replay import REPLAYED, replay
from plan161_workflow.store.repo import EVENT_COLUMNS

Event = dict[str, Any]
"""An event row as a mapping of column -> value."""

UNREADABLE = (TypeError, ValueError, KeyError, AttributeError, RecursionError, OverflowError)
"""What reading a value the library never writes can raise (json, comparisons, decoding)."""

_KINDS = {int: "integer", float: "real", bytes: "blob"}
"""SQLite's names of the types a task id may hold when SQL wrote it (the library writes text)."""

# Task columns fixed at creation: the ``create`` event's payload keeps them (key there -> column).
_CREATED = {"agency": "original_agency"}
"""Columns only the create event sets (``due`` is replayed: amendments move it)."""


def in_code_order(conn: sqlite3.Connection, column: str) -> str:
    """``column`` for ``ORDER BY`` in the order Python compares text (code points), which the
    merges rely on: SQLite's own (``BINARY``); on PostgreSQL the ``"C"`` collation, since the
    database's may be a language's."""
    return column if isinstance(conn, sqlite3.Connection) else f'{column} COLLATE "C"'


def table_columns(conn: sqlite3.Connection, table: str) -> set[str]:
    """The columns of ``table`` as this connection sees it (temporary views first); empty when
    there is no such table."""
    if isinstance(conn, sqlite3.Connection):
        return {str(r[1]) for r in conn.execute(f"PRAGMA table_info({table})")}
    rows = conn.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(?) AND attnum > 0 "
        "AND NOT attisdropped",
        (table,),
    )
    return {str(r[0]) for r in rows}


def histories(conn: sqlite3.Connection, *, cycles: bool) -> Iterator[tuple[str, list[Event]]]:
    """(task id, its events in order), one task at a time (the ``events_task`` index)."""
    like = f"task_id LIKE '{CYCLE_ID_PREFIX}%'"
    where = like if cycles else f"NOT {like}"
    order = in_code_order(conn, "task_id")
    cursor = conn.execute(
        f"SELECT {', '.join(EVENT_COLUMNS)} FROM events WHERE {where} ORDER BY {order}, seq"
    )
    rows = (dict(zip(EVENT_COLUMNS, row, strict=True)) for row in cursor)
    for task_id, group in groupby(rows, key=lambda e: str(e["task_id"])):
        yield task_id, list(group)


def _payload(event: Event) -> dict[str, Any]:
    """An event's payload as a mapping.

    Raises:
        ValueError: not a JSON object written as text.
    """
    raw = event["payload"]
    value = json.loads(raw) if isinstance(raw, str) else None
    if not isinstance(value, dict):
        raise ValueError(f"event {event['seq']}: its payload is not a JSON object")
    return value


def follow_on(task_id: str, history: list[Event], *, cycle: bool = False) -> str:
    """What is wrong with the order of a task's events (empty if nothing): every applied event
    starts from the state the one before left and raises the version by one (a ``create`` starts
    afresh at no state), and a refused attempt leaves state and version as they were.

    A cycle's events (``cycle/YEAR``) carry no version; their applied events follow on in state.
    """
    state: Any = None
    version: Any = None
    for event in history:
        seq, trigger = event["seq"], event["trigger"]
        if event["outcome"] == "applied":
            if trigger == "create" and not cycle:
                ok = event["from_state"] is None and event["version"] == 1
            elif cycle:
                ok = event["from_state"] == state
            else:
                ok = (
                    event["from_state"] == state
                    and type(version) is int
                    and event["version"] == version + 1
                )
            if not ok:
                return (
                    f"task {task_id}: event {seq} ({trigger}) does not follow on from the one "
                    f"before (from state {event['from_state']!r}, version {event['version']!r}; "
                    f"the history was at state {state!r}, version {version!r})"
                )
            state, version = event["to_state"], event["version"]
        elif event["outcome"] == "refused":
            same = (
                (event["from_state"], event["to_state"]) == (None, None)
                if cycle
                else event["from_state"] == event["to_state"] == state
                and event["version"] == version
            )
            if not same:
                return (
                    f"task {task_id}: refused attempt {seq} ({trigger}) is recorded at state "
                    f"{event['from_state']!r}, version {event['version']!r}, but the history "
                    f"was at state {state!r}, version {version!r}"
                )
        else:
            return f"task {task_id}: event {seq} has the outcome {event['outcome']!r}"
    return ""


def _created(history: list[Event]) -> dict[str, Any]:
    """The columns only the create event sets (``history`` with parsed payloads)."""
    for event in history:
        if event["trigger"] == "create" and event["outcome"] == "applied":
            payload = event["payload"]
            return {col: payload[key] for key, col in _CREATED.items() if key in payload}
    return {}


def _coordinating(history: list[Event]) -> list[Any] | None:
    """The coordinating agencies the task's last applied event naming them gave it (``create``
    from this version on, amendments); ``None`` when no event names them (older databases)."""
    found: list[Any] | None = None
    for event in history:  # with parsed payloads
        if event["outcome"] != "applied":
            continue
        payload = event["payload"]
        if event["trigger"] == "create":
            found = None
        if "coordinating" in payload:
            found = list(payload["coordinating"])
    return found


def _withdrawn(history: list[Event]) -> bool:
    """True when the task's last applied event withdrew it (an amendment dropped it)."""
    applied = [e for e in history if e["outcome"] == "applied"]
    return bool(applied) and applied[-1]["trigger"] == "withdraw"


def tasks(conn: sqlite3.Connection) -> list[str]:
    """Every task row against its replayed history, and every task's events in order."""
    out: list[str] = []
    columns = (*REPLAYED, *_CREATED.values(), "coordinating")
    cursor = conn.execute(
        f"SELECT CAST(id AS TEXT), id, {', '.join(columns)} FROM tasks "
        f"ORDER BY {in_code_order(conn, 'id')}"
    )
    rows = iter(cursor)
    current = next(rows, None)
    for task_id, history in histories(conn, cycles=False):
        while current is not None and current[0] < task_id:
            out.append(f"task {current[0]}: no history")
            current = next(rows, None)
        try:
            order = follow_on(task_id, history)
        except UNREADABLE as exc:
            order = f"task {task_id}: its history holds a value the library never writes ({exc})"
        if order:
            out.append(order)
        if current is None or current[0] != task_id:
            try:
                withdrawn = _withdrawn(history)
            except UNREADABLE:
                withdrawn = False
            if not withdrawn:
                out.append(f"task {task_id}: has history but no row (deleted?)")
            continue
        kind = "text" if isinstance(current[1], str) else _KINDS.get(type(current[1]), "?")
        stored = dict(zip(columns, current[2:], strict=True))
        current = next(rows, None)
        try:
            problem = "" if kind == "text" else f"task {task_id}: its id is stored as {kind}"
            problem = problem or _compare(task_id, stored, history, columns)
        except UNREADABLE as exc:
            problem = f"task {task_id}: its row or history holds a value the library never "
            problem += f"writes ({type(exc).__name__}: {str(exc)[:120]})"
        if problem:
            out.append(problem)
    while current is not None:
        out.append(f"task {current[0]}: no history")
        current = next(rows, None)
    return out


def _compare(
    task_id: str, stored: dict[str, Any], history: list[Event], columns: tuple[str, ...]
) -> str:
    # Every payload must be a JSON object, refused attempts' included; each is parsed once.
    history = [{**event, "payload": _payload(event)} for event in history]
    replayed = replay(history)
    if replayed is None:
        return f"task {task_id}: no history"
    replayed["report"] = canonical(replayed["report"]) if replayed["report"] else None
    replayed.update(_created(history))
    coordinating = _coordinating(history)
    if coordinating is not None:
        replayed["coordinating"] = canonical(coordinating)
    diff = [k for k in columns if k in replayed and replayed[k] != stored[k]]
    if not diff:
        return ""
    shown = ", ".join(
        f"{k} stored {_short(stored[k])} vs replayed {_short(replayed[k])}"
        for k in diff
        if k != "report"
    )
    return f"task {task_id}: {shown or 'report differs from its history'}"


def _short(value: Any) -> str:
    """``repr(value)``, cut to 80 characters (a forged value may be huge)."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
