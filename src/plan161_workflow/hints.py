"""Hints for people fixing a mistyped name (in a rules file, an agency code, a trigger):
the closest known name.

Finding the closest name compares it with every known name, so a file with thousands of
misspelt references against thousands of names would take time that grows with the square of
its size. While a rules file is checked (``suggestion_budget``), the comparisons are counted:
once ``BUDGET`` of them are spent, further mistakes are still reported, without a suggestion,
and checking stays linear in the file's size.
"""

from __future__ import annotations

import contextlib
import contextvars
import difflib
from collections.abc import Collection, Iterable, Iterator

BUDGET = 20_000
"""Name comparisons one rules file may spend on suggestions."""

_left: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar(
    "plan161_suggestion_budget", default=None
)


@contextlib.contextmanager
def suggestion_budget(comparisons: int = BUDGET) -> Iterator[None]:
    """Within the block, suggestions spend at most ``comparisons`` name comparisons in all."""
    token = _left.set([comparisons])
    try:
        yield
    finally:
        _left.reset(token)


def suggest(name: str, known: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest known name, or ``""``."""
    left = _left.get()
    size = len(known) if isinstance(known, Collection) else None
    if left is not None and size is not None and left[0] < size:
        return ""  # before copying the names: that too would be quadratic
    names = list(known)
    if left is not None:
        if left[0] < len(names) or len(name) > 200:
            return ""
        left[0] -= len(names)
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""
