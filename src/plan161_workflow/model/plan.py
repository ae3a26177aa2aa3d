"""The plan as frozen values: what a rules file says, after validation. No I/O here.

Every element carries ``source``: the section of the plan it comes from (``II.3.b``), or
``added: <why>`` for what a rules author adds that the plan's text does not say.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Literal

import attrs

from plan161_workflow.model.period import YEARLY, Period, Recurrence

AgencyKind = Literal[
    "government",
    "ministry",
    "provincial_party_committee",
    "provincial_peoples_council",
    "provincial_peoples_committee",
    "department",
    "district_peoples_committee",
    "commune_peoples_committee",
    "mass_organisation",
    "other",
]
AGENCY_KINDS: tuple[str, ...] = AgencyKind.__args__  # type: ignore[attr-defined]

Shift = Literal["keep", "previous_working_day", "next_working_day"]
SHIFTS: tuple[str, ...] = Shift.__args__  # type: ignore[attr-defined]

DeadlineKind = Literal["yearly_before", "yearly_on", "fixed", "offset", "after_cutoff"]
DEADLINE_KINDS: tuple[str, ...] = DeadlineKind.__args__  # type: ignore[attr-defined]

DayUnit = Literal["calendar_days", "working_days"]
DAY_UNITS: tuple[str, ...] = DayUnit.__args__  # type: ignore[attr-defined]

Role = Literal[
    "responsible", "coordinating", "consolidator", "evaluator", "overseer", "participant"
]
ROLES: tuple[str, ...] = Role.__args__  # type: ignore[attr-defined]
RULES_ACTOR = "rules"
"""The actor of the changes the rules make themselves (create, open_cycle, succession,
amendments): a code no agency of a rules file may take."""

Requirement = Literal["report", "reason", "rating", "agency", "text"]
REQUIREMENTS: tuple[str, ...] = Requirement.__args__  # type: ignore[attr-defined]


@attrs.frozen
class LegalDocument:
    """A document the plan is based on (căn cứ)."""

    number: str
    """Number and symbol, e.g. ``161/QĐ-TTg``."""
    date: dt.date
    """Date of issue."""
    issuer: str
    """Who issued it, in Vietnamese (free text: issuers need not be agencies of the plan)."""
    summary: str
    """What it says, in a sentence."""
    source: str
    """Where the plan cites it."""


@attrs.frozen
class Signer:
    """Who signed the plan."""

    name: str
    """The signer's name."""
    title: str
    """The signature block, e.g. ``TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH / PHÓ CHỦ TỊCH``."""


@attrs.frozen
class PlanInfo:
    """The plan's identity."""

    title: str
    """Vietnamese title."""
    title_en: str
    """English title."""
    issuer: str
    """Agency code of the issuing body."""
    first_year: int
    """First reporting year."""
    last_year: int
    """Last reporting year (the final evaluation's year)."""
    source: str
    """Where the identity is stated."""
    place: str = ""
    """Place name used in dated documents (``Hà Tĩnh, ngày ...``)."""
    signer: Signer | None = None
    """Who signed, if known."""
    number: str | None = None
    """The plan's own number and symbol; unknown when the text lacks it."""
    date: dt.date | None = None
    """The plan's own date; unknown when the text lacks it."""
    legal_basis: tuple[LegalDocument, ...] = ()
    """Documents the plan rests on, in the plan's order."""

    @property
    def years(self) -> range:
        """The reporting years, first to last inclusive."""
        return range(self.first_year, self.last_year + 1)


@attrs.frozen
class CalendarSettings:
    """The working calendar deadlines are computed on."""

    country: str = "VN"
    """Country code for public holidays (the ``holidays`` package)."""
    weekend: tuple[int, ...] = (5, 6)
    """Weekdays off, Monday = 0 (Saturday and Sunday for civil servants)."""
    non_working_last_day: Shift = "keep"
    """What happens to a last day that is not a working day (Civil Code art. 148 says next)."""
    source: str = "added: Vietnamese civil-service calendar"
    """Where the setting comes from."""


@attrs.frozen
class SuccessionScope:
    """Which duties pass to a successor. Every empty list means 'no restriction on this axis';
    all empty means everything."""

    areas: tuple[str, ...] = ()
    """Content-area ids whose tasks pass."""
    duties: tuple[str, ...] = ()
    """Duty ids whose tasks pass."""
    roles: tuple[str, ...] = ()
    """Plan roles that pass: consolidator, evaluator, overseer, recipient."""

    @property
    def is_everything(self) -> bool:
        """True when the scope restricts nothing."""
        return not (self.areas or self.duties or self.roles)


@attrs.frozen
class Succession:
    """From ``effective`` on, ``agency`` takes over the duties in ``scope``."""

    agency: str
    """Code of the successor agency."""
    effective: dt.date
    """First day the successor is responsible."""
    basis: str
    """The legal document that decides it, e.g. ``45/2025/NĐ-CP``."""
    source: str
    """Where the rules author took it from."""
    scope: SuccessionScope = SuccessionScope()
    """What passes; everything by default."""


@attrs.frozen
class Agency:
    """An agency of the registry."""

    code: str
    """Stable ASCII code, e.g. ``so-ldtbxh``."""
    name: str
    """Vietnamese name."""
    name_en: str
    """English name."""
    kind: AgencyKind
    """What kind of body it is."""
    source: str
    """Where the plan names it."""
    parent: str | None = None
    """Code of the agency it belongs to."""
    valid_from: dt.date | None = None
    """First day it exists; unknown or long before the plan when absent."""
    valid_to: dt.date | None = None
    """Last day it exists; still existing when absent."""
    successors: tuple[Succession, ...] = ()
    """Who takes over its duties when it ceases."""


@attrs.frozen
class AgencyGroup:
    """A named set of agencies, usable wherever an agency code is."""

    code: str
    """Stable ASCII code, e.g. ``ubnd-cap-huyen``."""
    name: str
    """Vietnamese name."""
    name_en: str
    """English name."""
    members: tuple[str, ...]
    """Agency codes."""
    source: str
    """Where the plan names the group."""


@attrs.frozen
class Deadline:
    """A named deadline rule. Which fields apply depends on ``kind``:

    * ``yearly_before``: ``day`` (``dd/mm``); the last day is the day before, each year.
    * ``yearly_on``: ``day`` (``dd/mm``); the last day is that day, each year.
    * ``fixed``: ``date``; a single date.
    * ``offset``: ``after`` (another deadline id), ``days`` (may be negative) and ``unit``.
    * ``after_cutoff``: ``days`` and ``unit`` counted from the data cut-off of the period
      reported on (the 31/12 of the year for a plan without periods).
    """

    id: str
    """Identifier referenced by areas, duties and other deadlines."""
    kind: DeadlineKind
    """How the last day is computed."""
    name: str
    """What the deadline is for, in Vietnamese."""
    source: str
    """Where the plan sets it."""
    day: str | None = None
    """``dd/mm`` for the yearly kinds."""
    date: dt.date | None = None
    """The date, for ``fixed``."""
    after: str | None = None
    """The deadline this one is counted from, for ``offset``."""
    days: int | None = None
    """How many days after (negative: before), for ``offset`` and ``after_cutoff``."""
    unit: DayUnit = "calendar_days"
    """Calendar or working days, for ``offset`` and ``after_cutoff``."""
    shift: Shift | None = None
    """Override of the calendar's ``non_working_last_day`` for this deadline."""


@attrs.frozen
class Area:
    """A content area (section II): verbatim items, who leads, who coordinates."""

    id: str
    """Identifier, the plan's numbering: ``II.1``."""
    title: str
    """Vietnamese title, verbatim."""
    title_en: str
    """English title."""
    items: tuple[str, ...]
    """Every content item, verbatim (NFC)."""
    lead: tuple[str, ...]
    """Lead agencies or groups (Cơ quan thực hiện): one task per agency per year."""
    source: str
    """Section of the plan."""
    coordinating: tuple[str, ...] = ()
    """Coordinating agencies or groups that the plan names (Cơ quan phối hợp)."""
    related: str | None = None
    """The plan's phrase for unnamed 'related agencies', verbatim; it names nobody."""
    deadline: str | None = None
    """Id of the deadline of its yearly report; ``None``: not set."""
    periods: tuple[str, ...] = ()
    """Ids of the periods it reports in; empty: every ``year`` period (the implicit yearly
    period of a plan that declares none)."""
    recurrence: Recurrence = YEARLY
    """The years it falls in: every year unless it says otherwise."""


@attrs.frozen
class Duty:
    """A duty that is not a content area (section V)."""

    id: str
    """Identifier, e.g. ``V.3``."""
    title: str
    """What must be done, in Vietnamese."""
    title_en: str
    """The same in English."""
    lead: tuple[str, ...]
    """Who must do it (agencies or groups)."""
    recurrence: Recurrence
    """Yearly, or once in a given year."""
    source: str
    """Section of the plan."""
    coordinating: tuple[str, ...] = ()
    """Coordinating agencies or groups."""
    related: str | None = None
    """The plan's phrase for unnamed related agencies, verbatim; it names nobody."""
    deadline: str | None = None
    """Id of its deadline; ``None``: the plan sets none."""
    periods: tuple[str, ...] = ()
    """Ids of the periods it reports in; empty: every ``year`` period (the implicit yearly
    period of a plan that declares none)."""


@attrs.frozen
class Level:
    """A consolidation level below the province (since 01/07/2025: the communes): its members'
    reports go to the level's consolidator, which sends them back or consolidates them (its
    own units' only), then reports upward to the province as its own task, one per period in
    which its members report."""

    id: str
    """Identifier, e.g. ``cap-xa``; also the unit id of the level's own upward report."""
    name: str
    """Vietnamese name, e.g. ``Cấp xã``."""
    name_en: str
    """English name."""
    members: tuple[str, ...]
    """The agencies (or groups) whose reports this level consolidates."""
    consolidator: str
    """The agency that consolidates the level (a department, or the body the plan names)."""
    source: str
    """Where the plan (or the 2025 reorganisation) sets this up."""
    deadline: str | None = None
    """Id of the deadline of the level's own consolidated report (an offset deadline counts
    from the members' one); ``None``: the period's."""

    def report_unit(self, plan: Plan) -> Duty:
        """The level's own consolidated report to the province, as a duty of the plan: led by
        the level's consolidator, in every period series its members report in."""
        members = set(plan.expand(self.members))
        series = {
            p.id
            for unit in plan.units()
            if members & set(plan.expand(unit.lead))
            for p in plan.unit_periods(unit)
        }
        return Duty(
            id=self.id,
            title=f"Báo cáo tổng hợp kết quả thực hiện của {self.name.lower()}",
            title_en=f"Consolidated report of the {self.name_en.lower()}",
            lead=(self.consolidator,),
            recurrence=YEARLY,
            source=self.source,
            deadline=self.deadline,
            periods=tuple(p.id for p in plan.period_series() if p.id in series),
        )


@attrs.frozen
class Rating:
    """One grade of the evaluation scale."""

    code: str
    """Stable code passed as ``rating=``."""
    name: str
    """Vietnamese name."""
    name_en: str
    """English name."""
    source: str
    """Where the grade comes from (the plan, or ``added:`` and the regulation that sets it)."""


@attrs.frozen
class Roles:
    """Who consolidates, evaluates, oversees and receives."""

    consolidator: str
    """Agency that receives and consolidates the yearly reports."""
    evaluator: str
    """Agency that rates each consolidated task."""
    source: str
    """Section of the plan."""
    overseers: tuple[str, ...] = ()
    """Agencies that may read and comment only."""
    recipients: tuple[str, ...] = ()
    """Agencies that receive the consolidated report."""
    reports_to: str | None = None
    """Agency the consolidator answers to for its own duties (the PPC): it reviews, sends back
    and grades the consolidator's own reports, and receives its escalations, since a consolidator
    is not its own subordinate. Absent: the plan's issuer."""


@attrs.frozen
class Reminder:
    """A notice sent relative to a task's due date."""

    days: int
    """Days relative to the due date: negative before, positive after."""
    to: str
    """A role (responsible, consolidator, evaluator, overseer) or an agency code."""
    source: str
    """Where the rule comes from."""
    unit: DayUnit = "calendar_days"
    """Calendar or working days."""

    @property
    def is_escalation(self) -> bool:
        """A notice after the due date escalates."""
        return self.days > 0


@attrs.frozen
class WorkflowTransition:
    """A trigger that moves a task from one of ``source`` to ``dest``."""

    trigger: str
    """Name of the trigger."""
    source: tuple[str, ...]
    """States it may fire from."""
    dest: str
    """State it leads to."""
    role: Role
    """Who may fire it."""
    requires: Requirement | None = None
    """What the request must carry."""


@attrs.frozen
class WorkflowAction:
    """A recorded action that changes no state."""

    trigger: str
    """Name of the action."""
    role: Role
    """Who may take it."""
    requires: Requirement | None = None
    """What the request must carry."""


@attrs.frozen
class StateLabel:
    """How reports name a state of the workflow."""

    state: str
    """The state."""
    name: str
    """Vietnamese name, as reports show it (e.g. ``Đã thẩm định``)."""
    name_en: str
    """English name."""


@attrs.frozen
class Workflow:
    """The lifecycle of a task: states, state-changing triggers and recorded actions."""

    states: tuple[str, ...]
    """Every state, the initial one first."""
    initial: str
    """State of a new task."""
    final: str
    """State in which a task is done."""
    transitions: tuple[WorkflowTransition, ...]
    """State-changing triggers."""
    actions: tuple[WorkflowAction, ...] = ()
    """Recorded actions that change no state."""
    reported_state: str = "reported"
    """The state in which a report has arrived (on time or late is judged on entering it)."""
    consolidated_state: str = "consolidated"
    """The state that ``Engine.consolidate`` moves reported tasks to."""
    labels: tuple[StateLabel, ...] = ()
    """Names of states for reports; the default states have names already."""

    def label(self, state: str) -> StateLabel | None:
        """The label the rules give ``state``, if any."""
        return next((lab for lab in self.labels if lab.state == state), None)


@attrs.frozen
class Plan:
    """A whole plan, validated. Build it with ``load_rules``."""

    info: PlanInfo
    """Identity, years, legal basis."""
    agencies: tuple[Agency, ...]
    """The agency registry."""
    areas: tuple[Area, ...]
    """Content areas (section II)."""
    roles: Roles
    """Consolidator, evaluator, overseers, recipients."""
    rating_scale: tuple[Rating, ...]
    """Grades the evaluator may give, best first."""
    workflow: Workflow
    """The task lifecycle (the library's default unless the rules declare one)."""
    calendar: CalendarSettings = CalendarSettings()
    """Working calendar settings."""
    groups: tuple[AgencyGroup, ...] = ()
    """Named agency groups."""
    deadlines: tuple[Deadline, ...] = ()
    """Named deadline rules."""
    duties: tuple[Duty, ...] = ()
    """Duties outside the content areas (section V)."""
    reminders: tuple[Reminder, ...] = ()
    """Reminder and escalation notices."""
    periods: tuple[Period, ...] = ()
    """Reporting period series; none declared means one implicit yearly period."""
    levels: tuple[Level, ...] = ()
    """Consolidation levels below the province; none: every report goes to the consolidator."""

    @property
    def reports_to(self) -> str:
        """The agency the consolidator answers to for its own duties (``roles.reports_to``, else
        the plan's issuer)."""
        return self.roles.reports_to or self.info.issuer

    def agency(self, code: str) -> Agency:
        """The agency with this code.

        Raises:
            KeyError: no such agency.
        """
        return _index(self.agencies)[code]

    def has_agency(self, code: str) -> bool:
        """True when ``code`` names an agency of the registry."""
        return code in _index(self.agencies)

    def deadline(self, deadline_id: str) -> Deadline:
        """The deadline rule with this id.

        Raises:
            KeyError: no such deadline.
        """
        return {d.id: d for d in self.deadlines}[deadline_id]

    def expand(self, refs: Iterable[str]) -> tuple[str, ...]:
        """Agency codes for references that may name groups, in order, without repeats."""
        groups = {g.code: g.members for g in self.groups}
        out: dict[str, None] = {}
        for ref in refs:
            for code in groups.get(ref, (ref,)):
                out[code] = None
        return tuple(out)

    def participants(self) -> frozenset[str]:
        """Every agency with a role in the plan (may comment)."""
        refs: list[str] = [self.roles.consolidator, self.roles.evaluator, self.info.issuer]
        refs += self.roles.overseers + self.roles.recipients
        for unit in self.units():
            refs += unit.lead + unit.coordinating
        for level in self.levels:
            refs += (level.consolidator, *level.members)
        return frozenset(self.expand(refs))

    def period_series(self) -> tuple[Period, ...]:
        """The declared period series, or the one implicit yearly period of a plan without."""
        return self.periods or (IMPLICIT_YEAR,)

    def unit_periods(self, unit: Area | Duty) -> tuple[Period, ...]:
        """The period series ``unit`` reports in (unknown ids are left out: the loader refuses
        them)."""
        series = self.period_series()
        if unit.periods:
            by_id = {p.id: p for p in series}
            return tuple(by_id[i] for i in unit.periods if i in by_id)
        return tuple(p for p in series if p.kind == "year")

    def units(self) -> Iterator[Area | Duty]:
        """Areas then duties: everything that becomes tasks."""
        yield from self.areas
        yield from self.duties


IMPLICIT_YEAR = Period(
    id="year", kind="year", source="added: the plan declares no periods: one report a year"
)
"""The period of a plan that declares none."""

_INDEXES: dict[int, tuple[tuple[Agency, ...], dict[str, Agency]]] = {}


def _index(agencies: tuple[Agency, ...]) -> dict[str, Agency]:
    """Code -> agency, built once per registry (a frozen plan's registry never changes)."""
    cached = _INDEXES.get(id(agencies))
    if cached is not None and cached[0] is agencies:
        return cached[1]
    if len(_INDEXES) > 64:  # plans come and go (tests, amendments): keep the cache small
        _INDEXES.clear()
    index = {a.code: a for a in agencies}
    _INDEXES[id(agencies)] = (agencies, index)
    return index
