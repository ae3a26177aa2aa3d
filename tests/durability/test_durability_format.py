"""The hash format is what docs/durability.md says: SHA-256 of the canonical JSON (sorted keys, no
spaces, UTF-8 as is) of ``[previous hash, *HASHED_FIELDS]``, however fast the code writes it."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plan161_workflow.store.chain import HASHED_FIELDS, canonical, chain_hash
from strategies import JSON, TEXT


def _reference(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@pytest.mark.slow
@settings(max_examples=300)
@given(JSON)
def test_canonical_is_json_dumps_with_sorted_keys_and_no_spaces(value: Any) -> None:
    assert canonical(value) == _reference(value)


# Fields as events hold them (text, whole numbers, nulls), and anything else a changed row might
# hold instead (a tampered database is verified with the same function).
FIELD = st.one_of(TEXT, st.none(), st.integers(), st.booleans(), st.floats(), st.lists(TEXT))
EVENT = st.fixed_dictionaries(
    {
        "seq": st.integers(1, 2**40) | FIELD,
        "task_id": TEXT,
        "trigger": TEXT,
        "from_state": st.none() | TEXT,
        "to_state": st.none() | TEXT,
        "actor": TEXT | FIELD,
        "at": TEXT,
        "outcome": st.sampled_from(["applied", "refused"]),
        "payload": JSON.map(_reference),
        "version": st.none() | st.integers(0, 2**31) | FIELD,
        "request_id": st.none() | TEXT,
    }
)


@pytest.mark.slow
@settings(max_examples=300)
@given(st.text("0123456789abcdef", min_size=64, max_size=64), EVENT)
def test_chain_hash_is_sha256_of_the_canonical_list(previous: str, event: dict[str, Any]) -> None:
    hashed = [event[name] for name in HASHED_FIELDS]
    body = _reference([previous, *hashed])
    assert chain_hash(previous, hashed) == hashlib.sha256(body.encode("utf-8")).hexdigest()
