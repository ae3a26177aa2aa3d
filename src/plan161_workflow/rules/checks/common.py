"""What every check shares: the problem type and the helpers for duplicates and references."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from plan161_workflow.hints import suggest
from plan161_workflow.model.plan import Plan
from plan161_workflow.rules.source import Path

Found = tuple[Path, str]
"""A problem: where (a path in the document) and what."""

MAX_DAYS = 3660
"""The largest number of days a reminder or an offset deadline may count (about ten years)."""


def duplicates(keys: Iterable[str], where: str, key: str, what: str) -> Iterator[Found]:
    """A problem at ``where[i].key`` for each key seen before, naming the first."""
    seen: dict[str, int] = {}
    for i, name in enumerate(keys):
        if name in seen:
            yield (
                (where, i, key),
                f"duplicate {what} {name!r} (first at {where}[{seen[name]}]); keep one",
            )
        else:
            seen[name] = i


def repeated(refs: Iterable[str], path: Path) -> Iterator[Found]:
    """A problem for each reference listed twice in one list."""
    seen: set[str] = set()
    for j, ref in enumerate(refs):
        if ref in seen:
            yield (*path, j), f"{ref!r} is listed twice; keep one"
        seen.add(ref)


_Codes = tuple[frozenset[str], frozenset[str], frozenset[str]]
_CODES: dict[int, tuple[Plan, _Codes]] = {}


def _codes(plan: Plan) -> _Codes:
    """(agency codes, group codes, both) of ``plan``, computed once per plan: the checks ask for
    each reference, and recomputing them would make checking quadratic in the file's size."""
    cached = _CODES.get(id(plan))
    if cached is not None and cached[0] is plan:
        return cached[1]
    _CODES.clear()  # one plan is checked at a time; keep no other alive
    agencies = frozenset(a.code for a in plan.agencies)
    groups = frozenset(g.code for g in plan.groups)
    _CODES[id(plan)] = (plan, (agencies, groups, agencies | groups))
    return _CODES[id(plan)][1]


def agency_codes(plan: Plan) -> set[str]:
    """Codes of the agency registry."""
    return set(_codes(plan)[0])


def unknown_agency(code: str, plan: Plan) -> str:
    """The message for a reference that must name one agency but does not."""
    agencies, groups, _ = _codes(plan)
    if code in groups:
        return f"{code!r} is a group; name one agency here"
    return f"unknown agency {code!r}" + suggest(code, agencies)


def agency_refs(plan: Plan, codes: Iterable[str], path: Path) -> Iterator[Found]:
    """A problem for each code in a list that must name agencies only."""
    known = _codes(plan)[0]
    for j, code in enumerate(codes):
        if code not in known:
            yield (*path, j), unknown_agency(code, plan)


def refs(plan: Plan, names: Iterable[str], path: Path) -> Iterator[Found]:
    """A problem for each name in a list of agencies or groups that names neither."""
    known = _codes(plan)[2]
    for j, ref in enumerate(names):
        if ref not in known:
            yield (*path, j), f"unknown agency or group {ref!r}" + suggest(ref, known)
    yield from repeated(names, path)
