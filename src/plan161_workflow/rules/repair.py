"""Stand-ins for the values that failed to structure, so that the checks of references, dates and
succession still run on the rest of the file and every problem is reported at once.

A wrong value is replaced by a harmless one of the right type (empty text, 0, the first allowed
word, nothing for an optional field); what the checks then find inside the element that held it
(the nearest list item, or the whole workflow) is a consequence and is not reported.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from collections.abc import Collection
from typing import Any, Literal

import attrs

from plan161_workflow.model.codec import field_names, required_names
from plan161_workflow.model.period import Recurrence
from plan161_workflow.model.plan import Plan
from plan161_workflow.rules.source import Path

_PLAIN: dict[Any, Any] = {str: "", int: 0, float: 0.0, bool: False, dt.date: dt.date(2000, 1, 1)}


SELF_CONTAINED = frozenset({"calendar", "rating_scale", "reminders", "workflow"})
"""Sections nothing else refers to: a stand-in for the whole section misleads no other check."""


def repaired(data: dict[str, Any], bad: Collection[Path]) -> dict[str, Any] | None:
    """``data`` with a stand-in at each bad path, or ``None`` when a section that others refer
    to is wrong as a whole (a stand-in for the registry, the plan's years or the areas would make
    every reference to them look wrong)."""
    sections = field_names(Plan)
    if any(not p or (len(p) == 1 and p[0] in sections and p[0] not in SELF_CONTAINED) for p in bad):
        return None
    prefixes = {p[:n] for p in bad for n in range(len(p))}
    fixed: dict[str, Any] = _fix(data, Plan, (), set(bad), prefixes)
    return fixed


def consequence_of(path: Path, bad: Collection[Path]) -> bool:
    """True when a problem at ``path`` lies inside an element that held a bad value."""
    return any(path[: len(a)] == a for a in map(_anchor, bad))


def _anchor(path: Path) -> Path:
    if path[0] == "workflow":
        return path[:1]
    items = [n for n, part in enumerate(path) if isinstance(part, int)]
    return path[: items[-1] + 1] if items else path


def _fix(value: Any, tp: Any, path: Path, bad: set[Path], prefixes: set[Path]) -> Any:
    if path in bad:
        return stand_in(tp)
    if path not in prefixes:
        return value
    if tp is Recurrence:
        return "yearly"
    if attrs.has(tp):
        if not isinstance(value, dict):
            return stand_in(tp)
        return _fix_mapping(value, tp, path, bad, prefixes)
    args = typing.get_args(tp)
    if typing.get_origin(tp) is tuple:
        items = value if isinstance(value, list) else []
        return [_fix(v, args[0], (*path, i), bad, prefixes) for i, v in enumerate(items)]
    if _optional(tp) and value is not None:
        return _fix(value, next(a for a in args if a is not type(None)), path, bad, prefixes)
    return stand_in(tp)


def _fix_mapping(
    value: dict[str, Any], cls: type, path: Path, bad: set[Path], prefixes: set[Path]
) -> dict[str, Any]:
    required = required_names(cls)
    out: dict[str, Any] = {}
    for key, tp in field_names(cls).items():
        here = (*path, key)
        if key in value and not (here in bad and key not in required):
            out[key] = _fix(value[key], tp, here, bad, prefixes)
        elif key in required:
            out[key] = stand_in(tp)
    return out


def stand_in(tp: Any) -> Any:
    """A harmless plain value of type ``tp``."""
    if tp in _PLAIN:
        return _PLAIN[tp]
    if tp is Recurrence:
        return "yearly"
    if attrs.has(tp):
        hints = field_names(tp)
        return {key: stand_in(hints[key]) for key in required_names(tp)}
    if typing.get_origin(tp) is Literal:
        return typing.get_args(tp)[0]
    if typing.get_origin(tp) is tuple:
        return []
    return None  # X | None


def _optional(tp: Any) -> bool:
    return typing.get_origin(tp) in (typing.Union, types.UnionType) and type(None) in (
        typing.get_args(tp)
    )
