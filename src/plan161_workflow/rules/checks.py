"""Checks on a structured plan that types alone cannot express: references, duplicates, dates,
cycles, the workflow's shape and the succession of agencies. Pure: returns problems, raises nothing.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable, Iterator

from plan161_workflow.calendar import parse_day_month
from plan161_workflow.model.plan import ROLES, Agency, Area, Deadline, Duty, Plan
from plan161_workflow.rules.source import Path
from plan161_workflow.workflow.definition import workflow_problems

Found = tuple[Path, str]
"""A problem: where (a path in the document) and what."""

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
PLAN_ROLES = ("consolidator", "evaluator", "overseer", "recipient")
"""Roles of the plan that can pass to a successor."""


def suggest(name: str, known: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest known name, or ``""``."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def check_plan(plan: Plan) -> list[Found]:
    """Every semantic problem of ``plan``."""
    return [
        *_agencies(plan),
        *_groups(plan),
        *_info(plan),
        *_deadlines(plan),
        *_units(plan),
        *_roles(plan),
        *_reminders(plan),
        *_succession(plan),
        *((("workflow", *_split(p)), m) for p, m in workflow_problems(plan.workflow)),
    ]


def _split(path: str) -> Path:
    out: list[str | int] = []
    for part in path.replace("]", "").split("."):
        name, *indexes = part.split("[")
        out.append(name)
        out.extend(int(i) for i in indexes)
    return tuple(out)


def _duplicates(keys: Iterable[str], where: str, what: str) -> Iterator[Found]:
    seen: dict[str, int] = {}
    for i, key in enumerate(keys):
        if key in seen:
            yield (where, i), f"duplicate {what} {key!r} (first at {where}[{seen[key]}]); keep one"
        else:
            seen[key] = i


def _agencies(plan: Plan) -> Iterator[Found]:
    yield from _duplicates((a.code for a in plan.agencies), "agencies", "agency code")
    codes = {a.code for a in plan.agencies}
    for i, a in enumerate(plan.agencies):
        if not _CODE.match(a.code):
            yield (
                ("agencies", i, "code"),
                (
                    f"agency code {a.code!r} must be ASCII letters, digits, '.', '_' or '-'; "
                    "keep Vietnamese names in 'name'"
                ),
            )
        if a.parent is not None and a.parent not in codes:
            yield (
                ("agencies", i, "parent"),
                f"unknown agency {a.parent!r}" + suggest(a.parent, codes),
            )
        if a.valid_from and a.valid_to and a.valid_to < a.valid_from:
            yield (
                ("agencies", i, "valid_to"),
                (f"valid_to {a.valid_to} is before valid_from {a.valid_from}"),
            )
    parents = {a.code: a.parent for a in plan.agencies if a.parent in codes}
    for i, a in enumerate(plan.agencies):
        chain = [a.code]
        node = parents.get(a.code)
        while node is not None and node not in chain:
            chain.append(node)
            node = parents.get(node)
        if node == a.code:
            yield (
                ("agencies", i, "parent"),
                (f"agency parents form a cycle: {' -> '.join([*chain, a.code])}"),
            )


def _groups(plan: Plan) -> Iterator[Found]:
    yield from _duplicates((g.code for g in plan.groups), "groups", "group code")
    codes = {a.code for a in plan.agencies}
    for i, g in enumerate(plan.groups):
        if g.code in codes:
            yield ("groups", i, "code"), f"group code {g.code!r} is also an agency code"
        if not g.members:
            yield ("groups", i, "members"), "a group needs at least one member"
        for j, m in enumerate(g.members):
            if m not in codes:
                yield ("groups", i, "members", j), f"unknown agency {m!r}" + suggest(m, codes)


def _known_refs(plan: Plan) -> set[str]:
    return {a.code for a in plan.agencies} | {g.code for g in plan.groups}


def _refs(refs: Iterable[str], path: Path, known: set[str]) -> Iterator[Found]:
    for j, ref in enumerate(refs):
        if ref not in known:
            yield (*path, j), f"unknown agency or group {ref!r}" + suggest(ref, known)


def _info(plan: Plan) -> Iterator[Found]:
    info = plan.info
    if info.last_year < info.first_year:
        yield (
            ("plan", "last_year"),
            (f"last_year {info.last_year} is before first_year {info.first_year}"),
        )
    if not plan.has_agency(info.issuer):
        yield (
            ("plan", "issuer"),
            f"unknown agency {info.issuer!r}"
            + suggest(info.issuer, {a.code for a in plan.agencies}),
        )


def _deadlines(plan: Plan) -> Iterator[Found]:
    yield from _duplicates((d.id for d in plan.deadlines), "deadlines", "deadline id")
    ids = {d.id for d in plan.deadlines}
    years = plan.info.years
    for i, d in enumerate(plan.deadlines):
        yield from (((("deadlines", i, key)), msg) for key, msg in _deadline_fields(d))
        if d.kind == "fixed" and d.date is not None and d.date.year not in years:
            yield (
                ("deadlines", i, "date"),
                (f"{d.date} is outside the plan's years {years.start}-{years.stop - 1}"),
            )
        if d.kind == "offset" and d.after is not None and d.after not in ids:
            yield ("deadlines", i, "after"), f"unknown deadline {d.after!r}" + suggest(d.after, ids)
    by_id = {d.id: d for d in plan.deadlines}
    for i, d in enumerate(plan.deadlines):
        chain = [d.id]
        node = by_id.get(d.after or "")
        while node is not None and node.id not in chain:
            chain.append(node.id)
            node = by_id.get(node.after or "")
        if node is not None and node.id == d.id:
            yield (
                ("deadlines", i, "after"),
                (f"offset deadlines form a cycle: {' -> '.join([*chain, d.id])}"),
            )


def _deadline_fields(d: Deadline) -> Iterator[tuple[str, str]]:
    needs = {
        "yearly_before": ("day",),
        "yearly_on": ("day",),
        "fixed": ("date",),
        "offset": ("after", "days"),
    }[d.kind]
    for key in ("day", "date", "after", "days"):
        present = getattr(d, key) is not None
        if key in needs and not present:
            yield key, f"a {d.kind!r} deadline needs {key!r}"
        elif key not in needs and present:
            yield key, f"{key!r} does not apply to a {d.kind!r} deadline; remove it"
    if d.day is not None:
        try:
            parse_day_month(d.day)
        except ValueError as exc:
            yield "day", str(exc)


def _units(plan: Plan) -> Iterator[Found]:
    known = _known_refs(plan)
    deadlines = {d.id for d in plan.deadlines}
    yield from _duplicates((a.id for a in plan.areas), "areas", "area id")
    yield from _duplicates((d.id for d in plan.duties), "duties", "duty id")
    shared = {a.id for a in plan.areas} & {d.id for d in plan.duties}
    for i, d in enumerate(plan.duties):
        if d.id in shared:
            yield ("duties", i, "id"), f"id {d.id!r} is also an area id"
    units: tuple[tuple[str, tuple[Area | Duty, ...]], ...] = (
        ("areas", plan.areas),
        ("duties", plan.duties),
    )
    for where, group in units:
        for i, u in enumerate(group):
            if not u.lead:
                yield (
                    (where, i, "lead"),
                    (f"{u.id!r} has no lead agency; name at least one agency or group"),
                )
            yield from _refs(u.lead, (where, i, "lead"), known)
            yield from _refs(u.coordinating, (where, i, "coordinating"), known)
            if u.deadline is not None and u.deadline not in deadlines:
                yield (
                    (where, i, "deadline"),
                    f"unknown deadline {u.deadline!r}" + suggest(u.deadline, deadlines),
                )
    for i, area in enumerate(plan.areas):
        if not area.items:
            yield ("areas", i, "items"), "an area needs at least one content item"
    years = plan.info.years
    for i, duty in enumerate(plan.duties):
        rec = duty.recurrence
        if rec.kind == "once" and rec.year not in years:
            yield (
                ("duties", i, "recurrence"),
                (f"year {rec.year} is outside the plan's years {years.start}-{years.stop - 1}"),
            )


def _roles(plan: Plan) -> Iterator[Found]:
    codes = {a.code for a in plan.agencies}
    known = _known_refs(plan)
    for key in ("consolidator", "evaluator"):
        code = getattr(plan.roles, key)
        if code not in codes:
            yield ("roles", key), f"unknown agency {code!r}" + suggest(code, codes)
    yield from _refs(plan.roles.overseers, ("roles", "overseers"), known)
    yield from _refs(plan.roles.recipients, ("roles", "recipients"), known)
    if not plan.rating_scale:
        yield ("rating_scale",), "the rating scale needs at least one rating"
    yield from _duplicates((r.code for r in plan.rating_scale), "rating_scale", "rating code")


def _reminders(plan: Plan) -> Iterator[Found]:
    codes = {a.code for a in plan.agencies}
    targets = set(ROLES) | codes
    for i, r in enumerate(plan.reminders):
        if r.to not in targets:
            yield (
                ("reminders", i, "to"),
                (
                    f"unknown role or agency {r.to!r}{suggest(r.to, targets)}; "
                    f"roles: {', '.join(ROLES)}"
                ),
            )


def _succession(plan: Plan) -> Iterator[Found]:
    by_code = {a.code: a for a in plan.agencies}
    areas = {a.id for a in plan.areas}
    duties = {d.id for d in plan.duties}
    for i, a in enumerate(plan.agencies):
        for j, s in enumerate(a.successors):
            here: Path = ("agencies", i, "successors", j)
            succ = by_code.get(s.agency)
            if succ is None:
                yield (*here, "agency"), f"unknown agency {s.agency!r}" + suggest(s.agency, by_code)
                continue
            if s.agency == a.code:
                yield (*here, "agency"), f"{a.code!r} cannot succeed itself"
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
            if a.valid_to is None:
                yield (
                    (*here, "effective"),
                    (f"{a.code!r} has successors but no valid_to; set the last day it exists"),
                )
            elif s.effective != a.valid_to + dt.timedelta(days=1):
                yield (
                    (*here, "effective"),
                    (
                        f"a successor takes over the day after {a.code!r} ends "
                        f"({a.valid_to + dt.timedelta(days=1)}), found {s.effective}"
                    ),
                )
            for k, area in enumerate(s.scope.areas):
                if area not in areas:
                    yield (
                        (*here, "scope", "areas", k),
                        f"unknown area {area!r}" + suggest(area, areas),
                    )
            for k, duty in enumerate(s.scope.duties):
                if duty not in duties:
                    yield (
                        (*here, "scope", "duties", k),
                        f"unknown duty {duty!r}" + suggest(duty, duties),
                    )
            for k, role in enumerate(s.scope.roles):
                if role not in PLAN_ROLES:
                    yield (
                        (*here, "scope", "roles", k),
                        (f"unknown role {role!r}; roles that pass: {', '.join(PLAN_ROLES)}"),
                    )
        yield from _loops(plan, i, a, by_code)
        yield from _orphaned(plan, i, a)


def _loops(plan: Plan, index: int, agency: Agency, by_code: dict[str, Agency]) -> Iterator[Found]:
    todo = [(s.agency, [agency.code, s.agency]) for s in agency.successors]
    while todo:
        code, chain = todo.pop()
        if code == agency.code:
            yield (
                ("agencies", index, "successors"),
                (f"successors form a loop: {' -> '.join(chain)}"),
            )
            return
        nxt = by_code.get(code)
        if nxt is not None and len(chain) <= len(by_code):
            todo += [
                (s.agency, [*chain, s.agency]) for s in nxt.successors if s.agency not in chain[1:]
            ]


def agency_duties(plan: Plan, code: str) -> tuple[set[str], set[str], set[str]]:
    """(area ids, duty ids, plan roles) an agency holds in ``plan``."""
    areas = {a.id for a in plan.areas if code in plan.expand(a.lead)}
    duties = {d.id for d in plan.duties if code in plan.expand(d.lead)}
    roles = set()
    if plan.roles.consolidator == code:
        roles.add("consolidator")
    if plan.roles.evaluator == code:
        roles.add("evaluator")
    if code in plan.expand(plan.roles.overseers):
        roles.add("overseer")
    if code in plan.expand(plan.roles.recipients):
        roles.add("recipient")
    return areas, duties, roles


def _orphaned(plan: Plan, index: int, agency: Agency) -> Iterator[Found]:
    if agency.valid_to is None or agency.valid_to.year > plan.info.last_year:
        return
    areas, duties, roles = agency_duties(plan, agency.code)
    if any(s.scope.is_everything for s in agency.successors):
        return
    covered_areas = {x for s in agency.successors for x in s.scope.areas}
    covered_duties = {x for s in agency.successors for x in s.scope.duties}
    covered_roles = {x for s in agency.successors for x in s.scope.roles}
    left = (
        sorted(areas - covered_areas)
        + sorted(duties - covered_duties)
        + sorted(roles - covered_roles)
    )
    if left:
        yield (
            ("agencies", index, "successors"),
            (
                f"{agency.code!r} ends on {agency.valid_to} but nobody takes over: "
                f"{', '.join(left)}; add a successor whose scope covers them"
            ),
        )
