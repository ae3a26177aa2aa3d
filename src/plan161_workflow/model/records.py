"""Records the engine returns about cycles and consolidations (typed, frozen)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

import attrs


@attrs.frozen
class Cycle:
    """A reporting cycle: when it was opened and closed, and the rules it follows."""

    year: int
    """The reporting year."""
    rules_hash: str
    """SHA-256 of the rules the cycle follows (that it was opened or last amended with)."""
    opened_at: dt.datetime
    """When it was opened (Vietnam's time)."""
    closed_at: dt.datetime | None = None
    """When it was closed; ``None`` while open."""

    @property
    def closed(self) -> bool:
        """Whether the cycle is closed."""
        return self.closed_at is not None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Cycle:
        """The record of a stored cycle row (times in ISO 8601)."""
        closed = row.get("closed_at")
        return cls(
            year=int(row["year"]),
            rules_hash=str(row["rules_hash"]),
            opened_at=dt.datetime.fromisoformat(str(row["opened_at"])),
            closed_at=dt.datetime.fromisoformat(str(closed)) if closed else None,
        )


@attrs.frozen
class MissingReport:
    """A task whose report had not arrived when its cycle was consolidated (its agency waived)."""

    task_id: str
    """The task."""
    agency: str
    """The agency holding it then."""


@attrs.frozen
class Consolidation:
    """One consolidated report of a cycle: what it took in, whom it waived, where it goes."""

    seq: int
    """The sequence number of its event in the history (on ``cycle/YEAR``)."""
    year: int
    """The reporting year."""
    at: dt.datetime
    """When it was made (Vietnam's time)."""
    actor: str
    """The consolidating agency that made it."""
    tasks: tuple[str, ...]
    """The tasks it consolidated."""
    missing: tuple[MissingReport, ...]
    """The tasks whose reports were still missing (their agencies waived)."""
    waived: tuple[str, ...]
    """The agencies whose missing reports were waived, sorted."""
    recipients: tuple[str, ...]
    """The agencies the consolidated report goes to."""
    period: str = ""
    """The id of the reporting period it consolidates (``2026S1``; ``2024`` for a year)."""
    label: str = ""
    """The period's name in titles (``6 tháng đầu năm 2026``, ``năm 2024``)."""
    due: dt.date | None = None
    """The period's own deadline, when the rules set one."""
    level: str | None = None
    """The consolidation level it consolidates (its members' reports), or ``None``: the
    province's consolidation of the rest (the levels' own reports among them)."""

    def to_json(self) -> dict[str, Any]:
        """The record as JSON holds it (``missing`` as ``{"task", "agency"}`` objects, the time
        in ISO 8601): what ``plan161 consolidate --json`` prints."""
        return {
            "seq": self.seq,
            "year": self.year,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "tasks": list(self.tasks),
            "missing": [{"task": m.task_id, "agency": m.agency} for m in self.missing],
            "waived": list(self.waived),
            "recipients": list(self.recipients),
            "period": self.period,
            "label": self.label,
            "due": self.due.isoformat() if self.due else None,
            "level": self.level,
        }

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Consolidation:
        """The record of a stored consolidation row (lists as JSON text or as lists)."""

        def listed(key: str) -> list[Any]:
            value = row[key]
            return list(json.loads(value) if isinstance(value, str) else value)

        return cls(
            seq=int(row["seq"]),
            year=int(row["year"]),
            at=dt.datetime.fromisoformat(str(row["at"])),
            actor=str(row["actor"]),
            tasks=tuple(str(t) for t in listed("tasks")),
            missing=tuple(
                MissingReport(str(m["task"]), str(m["agency"])) for m in listed("missing")
            ),
            waived=tuple(str(a) for a in listed("waived")),
            recipients=tuple(str(a) for a in listed("recipients")),
            period=str(row.get("period") or f"{int(row['year']):04d}"),
            label=str(row.get("label") or ""),
            due=dt.date.fromisoformat(str(row["due"])) if row.get("due") else None,
            level=str(row["level"]) if row.get("level") else None,
        )
