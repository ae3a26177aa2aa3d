"""Rebuild a task's changing columns from its history (pure)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

REPLAYED = (
    "state",
    "version",
    "agency",
    "due",
    "report",
    "reported_at",
    "days_late",
    "rating",
)
"""Task columns that events change, and so that replaying history must reproduce."""

_FROM_PAYLOAD = ("agency", "due", "report", "reported_at", "days_late", "rating")


def replay(events: Iterable[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The replayed columns after a task's events (rows with ``payload`` as JSON text or dict).

    Applied events set ``state`` and ``version``; their payload sets agency, report, rating and
    the first arrival's time and lateness, and amendments the due date. Refused attempts change
    nothing. ``None`` without a ``create`` event, or after a ``withdraw``.
    """
    out: dict[str, Any] | None = None
    for event in events:
        if event["outcome"] != "applied":
            continue
        raw = event["payload"]
        payload = json.loads(raw) if isinstance(raw, str) else raw
        if event["trigger"] == "create":
            out = dict.fromkeys(REPLAYED)
        elif event["trigger"] == "withdraw":
            out = None  # withdrawn by an amendment: the task has no row any more
        if out is None:
            continue
        out["state"] = event["to_state"]
        out["version"] = event["version"]
        for key in _FROM_PAYLOAD:
            if key in payload:
                out[key] = payload[key]
    return out
