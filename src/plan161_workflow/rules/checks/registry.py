"""The agency registry and every reference to it: agencies, groups, the plan's issuer, the areas
and duties, the roles and the reminders."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from plan161_workflow.hints import suggest
from plan161_workflow.model.plan import ROLES, RULES_ACTOR, Agency, Area, Duty, Plan
from plan161_workflow.rules.checks.common import (
    MAX_DAYS,
    Found,
    agency_codes,
    agency_refs,
    duplicates,
    refs,
    repeated,
    unknown_agency,
)

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _code_problem(code: str, path: tuple[str | int, ...], what: str) -> Iterator[Found]:
    if code.strip() and not _CODE.match(code):
        yield (
            path,
            f"{what} code {code!r} must be ASCII letters, digits, '.', '_' or '-' "
            "(starting with a letter or digit); keep Vietnamese names in 'name'",
        )


def agency_problems(plan: Plan) -> Iterator[Found]:
    """Codes unique and well formed, parents known and acyclic, dates in order."""
    yield from duplicates((a.code for a in plan.agencies), "agencies", "code", "agency code")
    for i, a in enumerate(plan.agencies):
        yield from _code_problem(a.code, ("agencies", i, "code"), "agency")
        if a.code == RULES_ACTOR:
            yield (
                ("agencies", i, "code"),
                f"the code {RULES_ACTOR!r} is reserved (the history names the rules' own "
                "changes with it); give the agency another code",
            )
        if a.parent is not None and not plan.has_agency(a.parent):
            yield ("agencies", i, "parent"), unknown_agency(a.parent, plan)
        if a.valid_from and a.valid_to and a.valid_to < a.valid_from:
            yield (
                ("agencies", i, "valid_to"),
                (f"valid_to {a.valid_to} is before valid_from {a.valid_from}"),
            )
    yield from _parent_cycles(plan.agencies)


def _parent_cycles(agencies: tuple[Agency, ...]) -> Iterator[Found]:
    parents = {a.code: a.parent for a in agencies if a.parent is not None}
    reported: set[frozenset[str]] = set()
    for i, a in enumerate(agencies):
        chain = [a.code]
        node = parents.get(a.code)
        while node is not None and node not in chain:
            chain.append(node)
            node = parents.get(node)
        if node == a.code and frozenset(chain) not in reported:
            reported.add(frozenset(chain))
            yield (
                ("agencies", i, "parent"),
                (f"agency parents form a cycle: {' -> '.join([*chain, a.code])}"),
            )


def group_problems(plan: Plan) -> Iterator[Found]:
    """Group codes unique and distinct from agency codes; members are known agencies."""
    yield from duplicates((g.code for g in plan.groups), "groups", "code", "group code")
    codes = agency_codes(plan)
    for i, g in enumerate(plan.groups):
        yield from _code_problem(g.code, ("groups", i, "code"), "group")
        if g.code in codes:
            yield ("groups", i, "code"), f"group code {g.code!r} is also an agency code"
        if not g.members:
            yield ("groups", i, "members"), "a group needs at least one member"
        yield from agency_refs(plan, g.members, ("groups", i, "members"))
        yield from repeated(g.members, ("groups", i, "members"))


def info_problems(plan: Plan) -> Iterator[Found]:
    """Years in order; the issuer is a known agency."""
    info = plan.info
    if info.last_year < info.first_year:
        yield (
            ("plan", "last_year"),
            (f"last_year {info.last_year} is before first_year {info.first_year}"),
        )
    if not plan.has_agency(info.issuer):
        yield ("plan", "issuer"), unknown_agency(info.issuer, plan)


def unit_problems(plan: Plan) -> Iterator[Found]:
    """Ids unique; every area and duty has a lead; references resolve; once-years in the plan."""
    yield from duplicates((a.id for a in plan.areas), "areas", "id", "area id")
    yield from duplicates((d.id for d in plan.duties), "duties", "id", "duty id")
    area_ids = {a.id for a in plan.areas}
    for i, d in enumerate(plan.duties):
        if d.id in area_ids:
            yield ("duties", i, "id"), f"id {d.id!r} is also an area id"
    for i, area in enumerate(plan.areas):
        yield from _unit(plan, area, ("areas", i))
        if not area.items:
            yield ("areas", i, "items"), "an area needs at least one content item"
    years = plan.info.years
    for i, duty in enumerate(plan.duties):
        yield from _unit(plan, duty, ("duties", i))
        rec = duty.recurrence
        if rec.kind == "once" and rec.year not in years:
            yield (
                ("duties", i, "recurrence", "once"),
                (
                    f"year {rec.year} is outside the plan's years {years.start}-{years.stop - 1}; "
                    f"choose one of them, or recurrence: yearly"
                ),
            )


def _unit(plan: Plan, unit: Area | Duty, here: tuple[str, int]) -> Iterator[Found]:
    if not unit.lead:
        yield (
            (*here, "lead"),
            (f"{unit.id!r} has no lead agency; name at least one agency or group"),
        )
    yield from refs(plan, unit.lead, (*here, "lead"))
    yield from refs(plan, unit.coordinating, (*here, "coordinating"))
    leads = set(plan.expand(unit.lead))
    for j, ref in enumerate(unit.coordinating):
        both = sorted(leads & set(plan.expand([ref])))
        if both:
            yield (
                (*here, "coordinating", j),
                (
                    f"{', '.join(both)} already lead{'s' if len(both) == 1 else ''} "
                    f"{unit.id!r}; an agency either leads or coordinates"
                ),
            )
    start = first_day(plan, unit)
    for key, named in (("lead", unit.lead), ("coordinating", unit.coordinating)):
        yield from named_too_early(plan, named, (*here, key), start, f"{key} of {unit.id!r}")
    deadlines = {d.id for d in plan.deadlines}
    if unit.deadline is not None and unit.deadline not in deadlines:
        yield (
            (*here, "deadline"),
            (f"unknown deadline {unit.deadline!r}" + suggest(unit.deadline, deadlines)),
        )


def first_day(plan: Plan, unit: Area | Duty | None = None) -> dt.date | None:
    """The first day of the first year of the plan (in which ``unit`` reports, when given);
    ``None`` when the years are wrong (reported elsewhere)."""
    years = [y for y in plan.info.years if 1 <= y <= 9999]
    if unit is not None:
        years = [y for y in years if unit.recurrence.applies(y)]
    return dt.date(years[0], 1, 1) if years else None


def named_too_early(
    plan: Plan,
    named: tuple[str, ...],
    path: tuple[str | int, ...],
    start: dt.date | None,
    what: str,
) -> Iterator[Found]:
    """An agency named (directly, or in a group) as ``what`` that does not exist yet on
    ``start``, the first day it is needed: it could not act on, hold or receive its tasks."""
    if start is None:
        return
    for code in dict.fromkeys(plan.expand(named)):
        agency = plan.agency(code) if plan.has_agency(code) else None
        if agency is not None and agency.valid_from is not None and agency.valid_from > start:
            yield (
                path,
                f"{code!r} exists from {agency.valid_from} (valid_from) but is named as {what}, "
                f"needed from {start}; name the agency that does it before then and give "
                f"{code!r} as its successor (successors:)",
            )


def role_problems(plan: Plan) -> Iterator[Found]:
    """Consolidator and evaluator are agencies; overseers and recipients resolve; the rating
    scale is not empty and its codes are unique."""
    for key in ("consolidator", "evaluator"):
        code = getattr(plan.roles, key)
        if not plan.has_agency(code):
            yield ("roles", key), unknown_agency(code, plan)
    yield from refs(plan, plan.roles.overseers, ("roles", "overseers"))
    yield from refs(plan, plan.roles.recipients, ("roles", "recipients"))
    yield from _reports_to_problems(plan)
    start = first_day(plan)
    for key in ("consolidator", "evaluator", "overseers", "recipients"):
        value = getattr(plan.roles, key)
        named = (value,) if isinstance(value, str) else value
        yield from named_too_early(plan, named, ("roles", key), start, f"the {key}")
    if not plan.rating_scale:
        yield ("rating_scale",), "the rating scale needs at least one rating"
    codes = (r.code for r in plan.rating_scale)
    yield from duplicates(codes, "rating_scale", "code", "rating code")


def _reports_to_problems(plan: Plan) -> Iterator[Found]:
    """The consolidator answers for its own duties to another agency, never to itself."""
    code = plan.roles.reports_to
    if code is not None and not plan.has_agency(code):
        yield ("roles", "reports_to"), unknown_agency(code, plan)
        return
    if plan.reports_to != plan.roles.consolidator:
        return
    own = [u.id for u in plan.units() if plan.roles.consolidator in plan.expand(u.lead)]
    if own:
        where = "roles.reports_to" if code is not None else "the plan's issuer (the default)"
        yield (
            ("roles", "reports_to") if code is not None else ("roles",),
            (
                f"the consolidator {plan.roles.consolidator!r} leads {', '.join(own)} and would "
                f"answer to itself ({where}); set roles.reports_to to the agency it reports its "
                "own duties to (the Provincial People's Committee)"
            ),
        )


def reminder_problems(plan: Plan) -> Iterator[Found]:
    """Each reminder goes to a role or a known agency, within ten years of the due date."""
    targets = set(ROLES) | agency_codes(plan)
    groups = {g.code for g in plan.groups}
    for i, r in enumerate(plan.reminders):
        if r.to in groups:
            yield (
                ("reminders", i, "to"),
                f"{r.to!r} is a group; name one agency here, or a role: {', '.join(ROLES)}",
            )
        elif r.to not in targets:
            yield (
                ("reminders", i, "to"),
                (
                    f"unknown role or agency {r.to!r}{suggest(r.to, targets)}; "
                    f"roles: {', '.join(ROLES)}"
                ),
            )
        if abs(r.days) > MAX_DAYS:
            yield ("reminders", i, "days"), f"{r.days} days: at most {MAX_DAYS} either way"
