"""Paths and helpers shared by the rules tests."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
REPO = HERE.parents[1]
HA_TINH = REPO / "rules" / "ha-tinh-161.yaml"
SCHEMA = REPO / "rules" / "plan161.schema.json"
DOCS = REPO / "docs" / "rules-format.md"
VALID = sorted((HERE / "valid").glob("*.yaml"))
INVALID = sorted((HERE / "invalid").glob("*.yaml"))
MINIMAL = HERE / "valid" / "minimal.yaml"

_HEADER = re.compile(r"^# (expect-line|expect): (.*)$", re.MULTILINE)


def expectation(path: Path) -> tuple[int, str]:
    """(line, message substring) from the ``# expect-line:`` and ``# expect:`` header."""
    head = path.read_bytes()[:400].decode("utf-8", errors="replace")
    found = dict(_HEADER.findall(head))
    return int(found["expect-line"]), found["expect"]


def plain(value: Any) -> Any:
    """A document with its dates as ISO text, as JSON has them."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
