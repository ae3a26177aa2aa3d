"""An agency's deadlines as an iCalendar file (RFC 5545), built with the ``icalendar`` library.

One all-day event per deadline of the agency: each task it leads (area or duty, each year) and
each area or duty it coordinates (once per year, whatever the number of leads). Every event has an
alarm for each distinct negative reminder offset of the plan, at 08:00 on the reminder's day
(working-day offsets are counted on the plan's working calendar). Units whose deadline the plan
does not set produce no event; they are counted in ``skipped``. UIDs are stable, so importing a
new file updates events instead of duplicating them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence

import attrs
import icalendar

from plan161_workflow.calendar import WorkingCalendar, reminder_date
from plan161_workflow.cycle import plan_tasks
from plan161_workflow.errors import NotFound
from plan161_workflow.model.plan import Area, Duty, Plan
from plan161_workflow.rules.checks import suggest

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


def _event(
    plan: Plan,
    unit: Area | Duty,
    year: int,
    due: dt.date,
    code: str,
    role: str,
    leads: Sequence[str],
    stamp: dt.datetime,
    offsets: Sequence[tuple[int, dt.date]],
) -> icalendar.Event:
    verb = "Hạn báo cáo" if role == "lead" else "Phối hợp báo cáo"
    names = {a.code: a.name for a in plan.agencies}
    deadline = plan.deadline(unit.deadline) if unit.deadline else None
    event = icalendar.Event()
    event.add("uid", _uid(plan, year, unit.id, code, role))
    event.add("dtstamp", stamp.astimezone(dt.UTC))
    event.add("dtstart", due)
    event.add("dtend", due + dt.timedelta(days=1))
    event.add("summary", f"{verb} {unit.id} năm {year}: {unit.title}")
    lines = [
        f"{'Nội dung' if isinstance(unit, Area) else 'Nhiệm vụ'} {unit.id}: {unit.title}",
        f"({unit.title_en})",
        f"Nguồn / source: {unit.source}",
        f"Cơ quan chủ trì / lead: {'; '.join(names.get(c, c) for c in leads)}",
    ]
    if deadline is not None:
        lines.append(f"Hạn / deadline: {deadline.name} ({deadline.source})")
    lines.append(f"Kế hoạch / plan: {plan.info.title}")
    event.add("description", "\n".join(lines))
    event.add("categories", ["plan161", unit.id])
    event.add("transp", "TRANSPARENT")
    for days, day in offsets:
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"Còn {-days} ngày: {verb.lower()} {unit.id} năm {year}")
        alarm.add("trigger", (day - due) + dt.timedelta(hours=ALARM_HOUR))
        event.add_component(alarm)
    return event


def agency_calendar(
    plan: Plan, agency: str, years: Sequence[int], *, stamp: dt.datetime
) -> AgencyCalendar:
    """Every deadline of ``agency`` in ``years`` as iCalendar events.

    ``stamp`` is the file's creation time (``DTSTAMP``); pass a fixed one for a reproducible file.

    Raises:
        NotFound: ``agency`` is not an agency code of the plan (the message suggests the closest).
        ValueError: a year lies outside the plan's reporting years.
    """
    _check_agency(plan, agency)
    working = WorkingCalendar(plan.calendar, plan.info.years)
    units = {u.id: u for u in plan.units()}
    negative = sorted({r.days for r in plan.reminders if r.days < 0})
    by_days = {r.days: r for r in plan.reminders if r.days < 0}
    name = plan.agency(agency).name
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"{name}: hạn báo cáo")
    cal.add("x-wr-caldesc", plan.info.title)
    cal.add("x-wr-timezone", "Asia/Ho_Chi_Minh")
    events = 0
    skipped: list[tuple[int, str]] = []
    for year in years:
        tasks = plan_tasks(plan, year, working)
        leads: dict[str, list[str]] = {}
        roles: dict[str, str] = {}  # unit -> the agency's role; lead wins over coordinating
        dues: dict[str, dt.date | None] = {}
        for task in tasks:
            leads.setdefault(task.unit, []).append(task.agency)
            dues[task.unit] = task.due
            if task.agency == agency:
                roles[task.unit] = "lead"
            elif agency in task.coordinating:
                roles.setdefault(task.unit, "coordinating")
        for unit, role in roles.items():
            due = dues[unit]
            if due is None:
                skipped.append((year, unit))
                continue
            offsets = [(d, reminder_date(due, by_days[d], working)) for d in negative]
            cal.add_component(
                _event(plan, units[unit], year, due, agency, role, leads[unit], stamp, offsets)
            )
            events += 1
    return AgencyCalendar(cal, events, tuple(skipped))
