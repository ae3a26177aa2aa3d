"""Consolidation levels: ids unique and apart from the units', members and consolidators known,
each agency in one level at most, a consolidator outside the level it consolidates, a level
with reports to consolidate, a known deadline."""

from __future__ import annotations

from collections.abc import Iterator

from plan161_workflow.hints import suggest
from plan161_workflow.model.plan import Plan
from plan161_workflow.rules.checks.common import Found, duplicates, refs, unknown_agency
from plan161_workflow.rules.checks.registry import first_day, named_too_early


def level_problems(plan: Plan) -> Iterator[Found]:
    """Every problem of ``plan.levels``."""
    yield from duplicates((lv.id for lv in plan.levels), "levels", "id", "level id")
    units = {u.id for u in plan.units()}
    deadlines = {d.id for d in plan.deadlines}
    leads = {code for u in plan.units() for code in plan.expand(u.lead)}
    first: dict[str, str] = {}
    for i, level in enumerate(plan.levels):
        here = ("levels", i)
        if level.id in units:
            yield (
                (*here, "id"),
                f"level id {level.id!r} is also an area or duty id; the level's own report "
                "is a unit of that id: choose another",
            )
        if not level.members:
            yield (*here, "members"), "a level needs at least one member agency or group"
        yield from refs(plan, level.members, (*here, "members"))
        members = plan.expand(level.members)
        if not plan.has_agency(level.consolidator):
            yield (*here, "consolidator"), unknown_agency(level.consolidator, plan)
        elif level.consolidator in members:
            yield (
                (*here, "consolidator"),
                f"{level.consolidator!r} is a member of level {level.id!r} and cannot "
                "consolidate it: a level's consolidator reports upward, not to itself",
            )
        for j, code in enumerate(members):
            if code in first and first[code] != level.id:
                yield (
                    (*here, "members", j if j < len(level.members) else 0),
                    f"{code!r} is already a member of level {first[code]!r}; an agency "
                    "reports to one level",
                )
            first.setdefault(code, level.id)
        if members and not set(members) & leads:
            yield (
                (*here, "members"),
                f"no member of level {level.id!r} leads an area or duty: the level would have "
                "no reports to consolidate",
            )
        start = first_day(plan)
        for key, named in (("consolidator", (level.consolidator,)), ("members", level.members)):
            what = f"the {key} of level {level.id!r}"
            yield from named_too_early(plan, named, (*here, key), start, what)
        if level.deadline is not None and level.deadline not in deadlines:
            yield (
                (*here, "deadline"),
                f"unknown deadline {level.deadline!r}" + suggest(level.deadline, deadlines),
            )
