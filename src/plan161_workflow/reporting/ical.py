"""An agency's deadlines as an iCalendar file (RFC 5545), built with the ``icalendar`` library.

One all-day event per deadline of the agency: each task it leads (area or duty, each year) and
each area or duty it coordinates (once per year, whatever the number of leads). Every event has an
alarm for each distinct negative reminder offset of the plan, at 08:00 on the reminder's day
(working-day offsets are counted on the plan's working calendar). Units whose deadline the plan
does not set produce no event; they are counted in ``skipped``. UIDs are stable, so importing a
new file updates events instead of duplicating them.

Agencies change (``successors`` in the rules): a deadline belongs to the agency that holds the task,
or the coordinating part, on the day it falls, as the engine's succession decides
(``workflow.succession``: chains, and splits by area, duty or role). An agency that has ceased by
then gets none of it; its successor's event says whom it replaces ("thay ..."). A unit without a
deadline is judged on the last day of its year.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence

import attrs
import icalendar

from plan161_workflow.calendar import WorkingCalendar, reminder_date
from plan161_workflow.errors import NotFound
from plan161_workflow.hints import suggest
from plan161_workflow.model.plan import Area, DayUnit, Duty, Plan
from plan161_workflow.model.task import Task
from plan161_workflow.reporting.escape import one_line
from plan161_workflow.reporting.labels import TEXT, agency_name, day_count, in_place_of
from plan161_workflow.workflow.cycle_plan import plan_tasks
from plan161_workflow.workflow.succession import SuccessionIndex

PRODID = "-//plan161-workflow//plan161 calendar//VI"
ALARM_HOUR = 8


@attrs.frozen
class AgencyCalendar:
    """The calendar of one agency's deadlines."""

    calendar: icalendar.Calendar = attrs.field(eq=False)
    """The calendar object (``to_ical()`` gives the file's bytes)."""
    events: int
    """How many events it holds."""
    skipped: tuple[tuple[int, str], ...]
    """(year, area or duty id) of the agency's units without a deadline."""
    inherited: int = 0
    """How many of the events the agency holds in place of an agency that ceased."""
    handed_over: tuple[tuple[int, str, str], ...] = ()
    """(year, area or duty id, holder) of what the plan gives the agency but another agency
    holds on the day, because the agency ceased before it."""


@attrs.frozen
class _Share:
    """What one agency holds of one unit in one year: the event(s) it gets."""

    role: str
    """``lead`` or ``coordinating``."""
    instead: tuple[str, ...]
    """The ceased agencies it holds this in place of (empty: its own)."""
    uid_suffix: str = ""
    """Tells apart the tasks of one unit an agency leads for several predecessors."""


def _check_agency(plan: Plan, code: str) -> None:
    if plan.has_agency(code):
        return
    groups = {g.code: g for g in plan.groups}
    if code in groups:
        members = ", ".join(groups[code].members)
        raise NotFound("agency", code, f"{code!r} is a group; name one of its members: {members}")
    codes = [a.code for a in plan.agencies]
    lowered = {c.lower(): c for c in [*codes, *groups]}
    if code.lower() in lowered:  # codes are lower case: SO-YT is so-yt
        hint = f"; did you mean {lowered[code.lower()]!r}? (codes are written in lower case)"
    else:
        hint = suggest(code.lower(), codes)
    raise NotFound("agency", code, "agencies are named by code" + hint)


def _uid(plan: Plan, year: int, unit: str, code: str, role: str) -> str:
    plan_id = hashlib.sha256(f"{plan.info.issuer}\n{plan.info.title}".encode()).hexdigest()[:12]
    raw = f"{year}-{unit}-{code}-{role}"
    return re.sub(r"[^A-Za-z0-9._-]", "_", raw) + f"@{plan_id}.plan161"


def _names(plan: Plan, codes: Sequence[str]) -> str:
    """Agency names, joined; a whole group of the plan (the district committees) by its name."""
    present = set(codes)
    whole = [g for g in plan.groups if len(g.members) > 1 and present.issuperset(g.members)]
    names: list[str] = []
    for code in codes:
        group = next((g for g in whole if code in g.members), None)
        name = group.name if group else agency_name(plan, code, "vi")
        if name not in names:
            names.append(name)
    return ", ".join(names)


def _in_place_of(plan: Plan, instead: Sequence[str]) -> str:
    """`` (thay Ủy ban nhân dân huyện Can Lộc)``, worded as the reports word it; empty if own."""
    return " " + in_place_of(_names(plan, instead), TEXT["vi"]) if instead else ""


def _leads_line(plan: Plan, holders: dict[str, str]) -> str:
    """The unit's leads as the agencies holding their tasks, with whom each replaces."""
    by_holder: dict[str, list[str]] = {}
    for original, holder in holders.items():
        by_holder.setdefault(holder, [])
        if original != holder:
            by_holder[holder].append(original)
    return "; ".join(
        agency_name(plan, h, "vi") + _in_place_of(plan, instead) for h, instead in by_holder.items()
    )


def _successions(plan: Plan, chains: dict[str, list[tuple[str, str]]]) -> str:
    """``Sở A → Sở B (basis)``, one per distinct chain; predecessors sharing one chain (the
    district committees) are named together."""
    by_chain: dict[tuple[tuple[str, str], ...], list[str]] = {}
    for code, steps in chains.items():
        by_chain.setdefault(tuple(steps), []).append(code)
    return "; ".join(
        " → ".join(
            [_names(plan, codes)] + [f"{agency_name(plan, a, 'vi')} ({b})" for a, b in steps]
        )
        for steps, codes in by_chain.items()
    )


def _event(
    plan: Plan,
    unit: Area | Duty,
    year: int,
    due: dt.date,
    code: str,
    share: _Share,
    leads: str,
    successions: str,
    stamp: dt.datetime,
    offsets: Sequence[tuple[int, DayUnit, dt.date]],
) -> icalendar.Event:
    verb = "Hạn báo cáo" if share.role == "lead" else "Phối hợp báo cáo"
    deadline = plan.deadline(unit.deadline) if unit.deadline else None
    instead = _in_place_of(plan, share.instead)
    event = icalendar.Event()
    event.add("uid", _uid(plan, year, unit.id, code, share.role + share.uid_suffix))
    event.add("dtstamp", stamp.astimezone(dt.UTC))
    event.add("dtstart", due)
    event.add("dtend", due + dt.timedelta(days=1))
    event.add("summary", one_line(f"{verb} {unit.id} năm {year}: {unit.title}{instead}"))
    lines = [
        f"{'Nội dung' if isinstance(unit, Area) else 'Nhiệm vụ'} {unit.id}: {unit.title}",
        f"({unit.title_en})",
        f"Nguồn / source: {unit.source}",
        f"Cơ quan chủ trì / lead: {leads}",
    ]
    if successions:
        lines.append(f"Kế thừa / succession: {successions}")
    if deadline is not None:
        lines.append(f"Hạn / deadline: {deadline.name} ({deadline.source})")
    lines.append(f"Kế hoạch / plan: {plan.info.title}")
    event.add("description", "\n".join(one_line(line) for line in lines))
    event.add("categories", ["plan161", one_line(unit.id)])
    event.add("transp", "TRANSPARENT")
    for days, day_unit, day in offsets:
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        left = f"Còn {day_count(days, day_unit, 'vi')}"
        alarm.add("description", one_line(f"{left}: {verb.lower()} {unit.id} năm {year}{instead}"))
        alarm.add("trigger", (day - due) + dt.timedelta(hours=ALARM_HOUR))
        event.add_component(alarm)
    return event


def _shares(
    tasks: Sequence[Task], agency: str, holders: dict[str, str], helpers: dict[str, str]
) -> list[_Share]:
    """What ``agency`` holds of one unit: one share per task it leads (its own or in place of a
    ceased lead), else one for coordinating (lead wins), else none."""
    led = [t.agency for t in tasks if holders[t.agency] == agency]
    if led:
        return [
            _Share("lead", (), "") if c == agency else _Share("lead", (c,), f"-thay-{c}")
            for c in led
        ]
    helped = [c for c, holder in helpers.items() if holder == agency]
    if helped:
        return [_Share("coordinating", tuple(c for c in helped if c != agency))]
    return []


def agency_calendar(
    plan: Plan, agency: str, years: Sequence[int], *, stamp: dt.datetime
) -> AgencyCalendar:
    """Every deadline of ``agency`` in ``years`` as iCalendar events.

    A deadline belongs to the agency holding the task (or the coordinating part) on the day it
    falls, following the successions of the rules as the engine does: a ceased agency gets none,
    its successor gets it with whom it replaces in the summary.

    ``stamp`` is the file's creation time (``DTSTAMP``); pass a fixed one for a reproducible file.

    Raises:
        NotFound: ``agency`` is not an agency code of the plan (the message suggests the closest).
        ValueError: a year lies outside the plan's reporting years.
    """
    _check_agency(plan, agency)
    working = WorkingCalendar(plan.calendar, plan.info.years)
    succession = SuccessionIndex(plan)
    units = {u.id: u for u in plan.units()}
    # one alarm per distinct (days, unit): 5 calendar days and 5 working days are two alarms
    before = sorted({(r.days, r.unit): r for r in plan.reminders if r.days < 0}.items())
    name = plan.agency(agency).name
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", one_line(f"{name}: hạn báo cáo"))
    cal.add("x-wr-caldesc", one_line(plan.info.title))
    cal.add("x-wr-timezone", "Asia/Ho_Chi_Minh")
    events = inherited = 0
    skipped: list[tuple[int, str]] = []
    handed: dict[tuple[int, str, str], None] = {}
    for year in years:
        by_unit: dict[str, list[Task]] = {}
        for task in plan_tasks(plan, year, working):
            by_unit.setdefault(task.unit, []).append(task)
        for unit, tasks in by_unit.items():
            due = tasks[0].due  # one deadline per unit and year
            # who holds a duty is judged on its day; without one, at the end of the year
            day = due or dt.date(year, 12, 31)
            holders = {t.agency: succession.holder(t.agency, day, unit=unit) for t in tasks}
            helpers = {
                c: succession.holder(c, day, unit=unit)
                for c in dict.fromkeys(c for t in tasks for c in t.coordinating)
            }
            for holder in (holders.get(agency), helpers.get(agency)):
                if holder is not None and holder != agency:
                    handed[(year, unit, holder)] = None
            shares = _shares(tasks, agency, holders, helpers)
            if not shares:
                continue
            if due is None:
                skipped.append((year, unit))
                continue
            offsets = [(d, u, reminder_date(due, r, working)) for (d, u), r in before]
            leads = _leads_line(plan, holders)
            for share in shares:
                steps = {c: succession.chain(c, day, unit=unit) for c in share.instead}
                cal.add_component(
                    _event(
                        plan,
                        units[unit],
                        year,
                        due,
                        agency,
                        share,
                        leads,
                        _successions(plan, steps),
                        stamp,
                        offsets,
                    )
                )
                events += 1
                inherited += bool(share.instead)
    return AgencyCalendar(cal, events, tuple(skipped), inherited, tuple(handed))
