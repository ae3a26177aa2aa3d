"""The change feed: every committed change as a numbered, stable JSON entry.

The events table is the outbox: an applied event is written in the same transaction as the task
row it changes, and its ``seq`` is given out inside SQLite's write lock, so ``seq`` order is commit
order and a poller that resumes after its last ``seq`` neither misses nor repeats a change.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import attrs

from plan161_workflow.model.codec import CONVERTER


@attrs.frozen
class Change:
    """One committed change. Its JSON (``to_json``) is documented and stable: see
    ``docs/change-feed.schema.json``."""

    seq: int
    """The cursor: pass it as ``after=`` to get the changes that follow."""
    at: dt.datetime
    """When the change was made (engine clock)."""
    task_id: str
    """The task changed, or the cycle (``cycle_id``: ``cycle/YEAR``) for a cycle-level change."""
    trigger: str
    """What happened: create, start, submit, send_back, consolidate, evaluate, contribute,
    comment, reassign, open_cycle, close_cycle, consolidate_cycle, ..."""
    from_state: str | None
    """State before (``None`` for create)."""
    to_state: str | None
    """State after."""
    actor: str
    """Acting agency code, or ``rules``."""
    version: int | None
    """The task's version after the change (``None`` for cycle-level changes)."""
    payload: dict[str, Any] = attrs.field(factory=dict, eq=False)
    """The change's arguments: report, reason, rating, text, agency, ..."""
    hash: str = ""
    """The event's chain hash."""

    def to_json(self) -> dict[str, Any]:
        """The change as the feed's JSON holds it (``docs/change-feed.schema.json``; the time in
        ISO 8601): what ``plan161 changes --json`` prints, one object per line."""
        out: dict[str, Any] = CONVERTER.unstructure(self)
        return out


def change_from_row(row: dict[str, Any]) -> Change:
    """A ``Change`` from an event row."""
    return Change(
        seq=row["seq"],
        at=dt.datetime.fromisoformat(row["at"]),
        task_id=row["task_id"],
        trigger=row["trigger"],
        from_state=row["from_state"],
        to_state=row["to_state"],
        actor=row["actor"],
        version=row["version"],
        payload=json.loads(row["payload"]),
        hash=row["hash"],
    )
