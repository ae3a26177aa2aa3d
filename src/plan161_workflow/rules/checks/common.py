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


def agency_codes(plan: Plan) -> set[str]:
    """Codes of the agency registry."""
    return {a.code for a in plan.agencies}


def unknown_agency(code: str, plan: Plan) -> str:
    """The message for a reference that must name one agency but does not."""
    if code in {g.code for g in plan.groups}:
        return f"{code!r} is a group; name one agency here"
    return f"unknown agency {code!r}" + suggest(code, agency_codes(plan))


def agency_refs(plan: Plan, codes: Iterable[str], path: Path) -> Iterator[Found]:
    """A problem for each code in a list that must name agencies only."""
    known = agency_codes(plan)
    for j, code in enumerate(codes):
        if code not in known:
            yield (*path, j), unknown_agency(code, plan)


def refs(plan: Plan, names: Iterable[str], path: Path) -> Iterator[Found]:
    """A problem for each name in a list of agencies or groups that names neither."""
    known = agency_codes(plan) | {g.code for g in plan.groups}
    for j, ref in enumerate(names):
        if ref not in known:
            yield (*path, j), f"unknown agency or group {ref!r}" + suggest(ref, known)
    yield from repeated(names, path)
