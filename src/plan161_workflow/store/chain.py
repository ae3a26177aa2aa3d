"""The tamper-evident chain: each event's hash covers its content and the previous hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
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


def _fast_encoder() -> Callable[[Any], str]:
    """``_CANONICAL.encode`` without its per-call set-up: the C encoder ``json`` itself builds
    on each call, built once (every event is encoded twice, so this is ~2 µs per change).

    Without circular-reference markers (the engine only encodes values it built or checked); a
    Python without the C encoder, or with another signature, gets ``_CANONICAL.encode``.
    """
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - CPython always has it
        return _CANONICAL.encode
    try:
        chunks = make(
            None,
            _CANONICAL.default,
            json.encoder.encode_basestring,
            None,
            ":",
            ",",
            True,  # sort_keys
            False,  # skipkeys
            True,  # allow_nan, as json.dumps
        )
    except TypeError:  # pragma: no cover - a future signature
        return _CANONICAL.encode
    join = "".join

    def encode(value: Any) -> str:
        return join(chunks(value, 0))

    sample = [None, True, 1, 2.5, 'Hà Tĩnh "x"\n', {"b": [], "a": {"c": -0.0}}]
    return encode if encode(sample) == _CANONICAL.encode(sample) else _CANONICAL.encode


_encode = _fast_encoder()


def canonical(value: Any) -> str:
    """Canonical JSON: sorted keys, no spaces, UTF-8 kept as is."""
    return _encode(value)


def event_hash(previous: str, event: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the previous hash and the event's hashed fields."""
    return chain_hash(previous, [event[name] for name in HASHED_FIELDS])


def chain_hash(previous: str, hashed: Sequence[Any]) -> str:
    """SHA-256 (hex) of the previous hash and the values of ``HASHED_FIELDS``, in that order:
    of the canonical JSON of the list ``[previous, *hashed]``."""
    return hashlib.sha256(_chain_body(previous, hashed).encode("utf-8")).hexdigest()


_text = json.encoder.encode_basestring
"""A JSON string, as ``canonical`` writes it."""


def _chain_body(previous: str, hashed: Sequence[Any]) -> str:
    """``canonical([previous, *hashed])``, written out for the types events hold (text, whole
    numbers, nulls), which is a third faster; any other value goes through ``canonical``."""
    seq, task_id, trigger, from_state, to_state, actor, at, outcome, payload, version, req = hashed
    if type(seq) is int and (version is None or type(version) is int):
        try:
            return (
                f"[{_text(previous)},{seq},{_text(task_id)},{_text(trigger)},"
                f"{'null' if from_state is None else _text(from_state)},"
                f"{'null' if to_state is None else _text(to_state)},"
                f"{_text(actor)},{_text(at)},{_text(outcome)},{_text(payload)},"
                f"{'null' if version is None else version},"
                f"{'null' if req is None else _text(req)}]"
            )
        except TypeError:  # a value that is not text where text belongs
            pass
    return canonical([previous, *hashed])
