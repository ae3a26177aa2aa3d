"""The tamper-evident chain: each event's hash covers its content and the previous hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

GENESIS = "0" * 64
"""The 'previous hash' of the first event."""

HASHED_FIELDS = (
    "seq",
    "task_id",
    "trigger",
    "from_state",
    "to_state",
    "actor",
    "at",
    "outcome",
    "payload",
    "version",
    "request_id",
)
"""Event columns covered by the hash (``payload`` as its stored JSON text)."""


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical(value: Any) -> str:
    """Canonical JSON: sorted keys, no spaces, UTF-8 kept as is."""
    return _CANONICAL.encode(value)


def event_hash(previous: str, event: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the previous hash and the event's hashed fields."""
    return chain_hash(previous, [event[name] for name in HASHED_FIELDS])


def chain_hash(previous: str, hashed: Sequence[Any]) -> str:
    """SHA-256 (hex) of the previous hash and the values of ``HASHED_FIELDS``, in that order."""
    body = canonical([previous, *hashed])
    return hashlib.sha256(body.encode("utf-8")).hexdigest()
