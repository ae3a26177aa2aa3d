"""The succession of agencies: who takes over, from when, what, without loops or orphans."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from plan161_workflow.hints import suggest
from plan161_workflow.model.plan import Agency, Plan, Succession
from plan161_workflow.rules.checks.common import Found, unknown_agency
from plan161_workflow.rules.source import Path

PLAN_ROLES = ("consolidator", "evaluator", "overseer", "recipient")
"""Roles of the plan that can pass to a successor."""


def succession_problems(plan: Plan) -> Iterator[Found]:
    """Each successor exists on the day it takes over, the day after its predecessor ends; the
    scope names known areas, duties and roles; no loops; nothing an ending agency holds is left
    to nobody."""
    reported: set[frozenset[str]] = set()
    for i, agency in enumerate(plan.agencies):
        for j, s in enumerate(agency.successors):
            yield from _successor(plan, agency, s, ("agencies", i, "successors", j))
        for loop in _loops(plan, agency):
            if frozenset(loop) not in reported:
                reported.add(frozenset(loop))
                yield (
                    ("agencies", i, "successors"),
                    (f"successors form a loop: {' -> '.join(loop)}"),
                )
        yield from _orphaned(plan, i, agency)


def _successor(plan: Plan, agency: Agency, s: Succession, here: Path) -> Iterator[Found]:
    if not plan.has_agency(s.agency):
        yield (*here, "agency"), unknown_agency(s.agency, plan)
        return
    succ = plan.agency(s.agency)
    if s.agency == agency.code:
        yield (*here, "agency"), f"{agency.code!r} cannot succeed itself"
    if succ.valid_from and s.effective < succ.valid_from:
        yield (
            (*here, "effective"),
            (
                f"successor {succ.code!r} did not exist yet on {s.effective} "
                f"(it exists from {succ.valid_from})"
            ),
        )
    if succ.valid_to and s.effective > succ.valid_to:
        yield (
            (*here, "effective"),
            (
                f"successor {succ.code!r} no longer exists on {s.effective} "
                f"(it ceased on {succ.valid_to})"
            ),
        )
    if agency.valid_to is None:
        yield (
            (*here, "effective"),
            (f"{agency.code!r} has successors but no valid_to; set the last day it exists"),
        )
    elif s.effective != agency.valid_to + dt.timedelta(days=1):
        yield (
            (*here, "effective"),
            (
                f"a successor takes over the day after {agency.code!r} ends "
                f"({agency.valid_to + dt.timedelta(days=1)}), found {s.effective}"
            ),
        )
    yield from _scope(plan, s, (*here, "scope"))


def _scope(plan: Plan, s: Succession, here: Path) -> Iterator[Found]:
    axes = (
        ("areas", s.scope.areas, [a.id for a in plan.areas], "area"),
        ("duties", s.scope.duties, [d.id for d in plan.duties], "duty"),
        ("roles", s.scope.roles, list(PLAN_ROLES), "role"),
    )
    for key, names, known, what in axes:
        for k, name in enumerate(names):
            if name not in known:
                yield (
                    (*here, key, k),
                    f"unknown {what} {name!r}"
                    + (suggest(name, known) or f"; expected one of: {', '.join(known)}"),
                )


def _loops(plan: Plan, agency: Agency) -> Iterator[list[str]]:
    """The first chain of successors that leads back to ``agency``, if any."""
    by_code = {a.code: a for a in plan.agencies}
    seen: set[str] = set()
    todo = [(s.agency, [agency.code, s.agency]) for s in agency.successors]
    while todo:
        code, chain = todo.pop()
        if code == agency.code:
            yield chain
            return
        nxt = by_code.get(code)
        if nxt is not None and code not in seen:
            seen.add(code)
            todo += [(s.agency, [*chain, s.agency]) for s in nxt.successors]


def agency_duties(plan: Plan, code: str) -> tuple[set[str], set[str], set[str]]:
    """(area ids, duty ids, plan roles) an agency holds in ``plan``, leading or coordinating."""

    def holds(refs: tuple[str, ...]) -> bool:
        return code in plan.expand(refs)

    areas = {a.id for a in plan.areas if holds(a.lead) or holds(a.coordinating)}
    duties = {d.id for d in plan.duties if holds(d.lead) or holds(d.coordinating)}
    roles = {r for r in ("consolidator", "evaluator") if getattr(plan.roles, r) == code}
    if holds(plan.roles.overseers):
        roles.add("overseer")
    if holds(plan.roles.recipients):
        roles.add("recipient")
    return areas, duties, roles


def _orphaned(plan: Plan, index: int, agency: Agency) -> Iterator[Found]:
    if agency.valid_to is None or agency.valid_to.year > plan.info.last_year:
        return
    if any(s.scope.is_everything for s in agency.successors):
        return
    areas, duties, roles = agency_duties(plan, agency.code)
    left = sorted(areas - {x for s in agency.successors for x in s.scope.areas})
    left += sorted(duties - {x for s in agency.successors for x in s.scope.duties})
    left += sorted(roles - {x for s in agency.successors for x in s.scope.roles})
    if left:
        key = "successors" if agency.successors else "valid_to"
        yield (
            ("agencies", index, key),
            (
                f"{agency.code!r} ends on {agency.valid_to} but nobody takes over: "
                f"{', '.join(left)}; add a successor whose scope covers them"
            ),
        )
