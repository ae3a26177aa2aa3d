"""Hypothesis strategies the tests share (one definition each; import them, don't redefine)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

CHARACTERS = st.characters(codec="utf-8")
"""Any character UTF-8 can encode: everything but lone surrogates."""


def texts(max_size: int) -> st.SearchStrategy[str]:
    """Any text of up to ``max_size`` characters that UTF-8 can encode."""
    return st.text(CHARACTERS, max_size=max_size)


TEXT = texts(30)
"""Any text of up to 30 characters: names, summaries, triggers, garbage typed into a file."""
SHORT_TEXT = texts(8)
"""Any text of up to 8 characters, where many values are drawn per example."""
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | TEXT
"""Every JSON scalar, non-finite floats included (storing them must be refused or round-trip)."""
JSON: st.SearchStrategy[Any] = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4)
)
"""Any JSON-like value: scalars, lists and objects with text keys, nested."""
