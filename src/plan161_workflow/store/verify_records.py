"""``verify``'s third pass: the rows outside the ``events`` and ``tasks`` tables that carry
meaning, each against its own hash or against the history (``docs/durability.md`` has the table
of what is caught):

- ``rules``: each plan against its hash; every rules version the history names must be there;
- ``cycles``: rules version, opening and closing time against the cycle's events, a cycle's
  history without its row, and a row without history;
- ``consolidations``: each record against its ``consolidate_cycle`` event, and every such event
  must have its record;
- ``events.request_key`` (not hashed): present exactly on applied requests, naming the task,
  trigger and actor of its event.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from typing import Any

from plan161_workflow.model.task import CYCLE_ID_PREFIX, cycle_id
from plan161_workflow.store.verify_tasks import (
    UNREADABLE,
    Event,
    follow_on,
    histories,
    table_columns,
)


def records(conn: sqlite3.Connection) -> list[str]:
    """Every problem found in the rules, cycle, consolidation and request rows."""
    cycles = dict(histories(conn, cycles=True))
    out = _rules(conn, cycles)
    out += _cycles(conn, cycles)
    out += _consolidations(conn, cycles)
    out += _requests(conn)
    return out


def _guarded(what: str, problem: Any) -> str:
    return f"{what}: holds a value the library never writes ({type(problem).__name__})"


def _payload(event: Event) -> dict[str, Any]:
    value = json.loads(event["payload"]) if isinstance(event["payload"], str) else None
    if not isinstance(value, dict):
        raise ValueError("payload is not a JSON object")
    return value


def _rules(conn: sqlite3.Connection, cycles: dict[str, list[Event]]) -> list[str]:
    out = []
    stored = set()
    for digest, plan in conn.execute("SELECT hash, plan FROM rules ORDER BY ordinal"):
        stored.add(digest)
        if not isinstance(plan, str) or not isinstance(digest, str):
            out.append(f"rules {str(digest)[:16]}: stored as {type(plan).__name__}, not text")
            continue
        if hashlib.sha256(plan.encode("utf-8", "surrogatepass")).hexdigest() != digest:
            out.append(f"rules {digest[:16]}: the stored plan does not match its hash")
    named = set()
    for task_id, events in cycles.items():
        for event in events:
            try:
                rules = _payload(event).get("rules") if event["outcome"] == "applied" else None
            except UNREADABLE as exc:
                out.append(_guarded(f"{task_id} event {event['seq']}", exc))
                continue
            if isinstance(rules, str):
                named.add(rules)
    out += [
        f"rules {digest[:16]}: named by the history but missing (deleted?)"
        for digest in sorted(named - stored)
    ]
    return out


def _cycles(conn: sqlite3.Connection, histories_of: dict[str, list[Event]]) -> list[str]:
    out = []
    seen = set()
    rows = conn.execute("SELECT year, rules_hash, opened_at, closed_at FROM cycles ORDER BY year")
    for year, rules_hash, opened_at, closed_at in rows.fetchall():
        task_id = cycle_id(year)
        seen.add(task_id)
        history = histories_of.get(task_id, [])
        try:
            out += _cycle(year, rules_hash, opened_at, closed_at, history)
        except UNREADABLE as exc:
            out.append(_guarded(f"cycle {year}", exc))
    # A cycle never opened may still have history: refused attempts at it (a mistyped year).
    for task_id, history in sorted(histories_of.items()):
        try:
            order = follow_on(task_id, history, cycle=True)
        except UNREADABLE as exc:
            order = _guarded(task_id, exc)
        if order:
            out.append(order)
        if task_id not in seen and any(e["outcome"] == "applied" for e in history):
            out.append(
                f"cycle {task_id[len(CYCLE_ID_PREFIX) :]}: has history but no row (deleted?)"
            )
    return out


def _cycle(
    year: Any, rules_hash: Any, opened_at: Any, closed_at: Any, history: list[Event]
) -> list[str]:
    applied = [e for e in history if e["outcome"] == "applied"]
    payloads = [_payload(e) for e in applied]
    # The rules a cycle follows: those of its last event naming rules (open_cycle, amendment).
    rules = [p["rules"] for p in payloads if "rules" in p]
    opened = [e["at"] for e in applied if e["trigger"] == "open_cycle"]
    closed = [e["at"] for e in applied if e["trigger"] == "close_cycle"]
    out = []
    if not opened:
        return [f"cycle {year}: no open_cycle event"]
    if not rules or rules[-1] != rules_hash:
        out.append(f"cycle {year}: rules {str(rules_hash)[:16]} differ from its history")
    if opened_at != opened[0]:
        out.append(f"cycle {year}: opened_at {opened_at!r} disagrees with its history")
    if closed_at != (closed[0] if closed else None):
        out.append(f"cycle {year}: closed_at {closed_at!r} disagrees with its history")
    return out


def _consolidations(conn: sqlite3.Connection, cycles: dict[str, list[Event]]) -> list[str]:
    out = []
    found = set()
    rows = conn.execute(
        "SELECT c.seq, c.year, c.period, c.at, c.actor, c.tasks, c.missing, c.waived, "
        "c.recipients, e.task_id, e.trigger, e.at, e.actor, e.payload, e.outcome "
        "FROM consolidations c LEFT JOIN events e ON e.seq = c.seq ORDER BY c.seq"
    )
    for seq, year, period, at, actor, *rest in rows:
        record, (task_id, trigger, e_at, e_actor, payload, outcome) = rest[:4], rest[4:]
        found.add(seq)
        if trigger != "consolidate_cycle" or task_id != cycle_id(year) or outcome != "applied":
            out.append(f"consolidation {seq}: no consolidate_cycle event {seq} of {year}")
            continue
        try:
            stored = [year, period, at, actor, *(json.loads(r) for r in record)]
            p = _payload({"payload": payload})
            # Before periods (schema 4) a consolidation was of the year, whose period id is it.
            expected = [p.get("year"), p.get("period", f"{year:04d}"), e_at, e_actor]
        except UNREADABLE as exc:
            out.append(_guarded(f"consolidation {seq}", exc))
            continue
        expected += [p.get(k) for k in ("tasks", "missing", "waived", "recipients")]
        if stored != expected:
            out.append(f"consolidation {seq}: the record disagrees with its event")
    for task_id, history in sorted(cycles.items()):
        for event in history:
            consolidated = event["trigger"] == "consolidate_cycle" and event["outcome"] == "applied"
            if consolidated and event["seq"] not in found:
                out.append(
                    f"consolidation {event['seq']} of {task_id[len(CYCLE_ID_PREFIX) :]}: its "
                    "event is in the history but its record is missing (deleted?)"
                )
    return out


def _requests(conn: sqlite3.Connection) -> list[str]:
    """Request keys against their events: a key exactly where a request id was applied, naming
    the event's task, trigger and actor (its arguments are the caller's, not recomputable)."""
    out: list[str] = []
    if "request_key" not in table_columns(conn, "events"):
        return out  # a version 1 database read as it is: no request keys yet
    rows = conn.execute(
        "SELECT seq, task_id, trigger, actor, outcome, request_id, request_key FROM events "
        "WHERE request_id IS NOT NULL OR request_key IS NOT NULL ORDER BY seq"
    )
    for seq, task_id, trigger, actor, outcome, request_id, key in rows:
        if request_id is None or outcome != "applied":
            out.append(f"event {seq}: a request key without an applied request")
            continue
        try:
            named = json.loads(key) if isinstance(key, str) else None
        except UNREADABLE:
            named = None
        if not isinstance(named, list) or named[:3] != [task_id, trigger, actor]:
            out.append(
                f"event {seq}: the key of request {str(request_id)[:40]!r} does not name its "
                "task, trigger and actor"
            )
    return out
