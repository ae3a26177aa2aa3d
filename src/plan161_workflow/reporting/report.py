"""The consolidated report as the consolidating agency sends it: a structured document.

``build_report`` reads the database (SQL only) and returns a ``Report``, an attrs value holding
the parts of an official report (Decree 30/2020/NĐ-CP): national title and motto, issuing body,
number and symbol, place and date, ``BÁO CÁO`` and its subject, content (results by content area,
agencies late or missing, difficulties raised, proposals), signer and recipients; and the data of
its charts. ``render_html`` and ``render_md`` print it; ``report_json`` gives plain dicts.

A year's report follows the rules its cycle follows (``Engine.cycle_book``: the version it was
opened or last amended with), whatever rules the engine was opened with later: its areas and
duties and their titles, its workflow's states, labels and comment actions, its rating scale, its
agencies' names, title, place and recipients. Loading newer rules leaves the report of an earlier
year as it was.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

from plan161_workflow.engine import Engine
from plan161_workflow.errors import NotFound
from plan161_workflow.model.codec import CONVERTER
from plan161_workflow.model.period import PeriodInstance
from plan161_workflow.model.plan import Plan
from plan161_workflow.model.records import Consolidation
from plan161_workflow.reporting import metrics
from plan161_workflow.reporting.collation import vietnamese_key
from plan161_workflow.reporting.document import (
    AgencyRate,
    Charts,
    Remark,
    Report,
    Shortfall,
    TaskResult,
    UnitResult,
)
from plan161_workflow.reporting.labels import (
    TEXT,
    Lang,
    abbreviation,
    agency_name,
    check_lang,
    period_phrase,
    place_date,
    state_name,
)
from plan161_workflow.store import asof, reads
from plan161_workflow.workflow.definition import comment_actions


def _cycle_years(engine: Engine) -> list[int]:
    return [c.year for c in engine.cycles()]


def cycle_plans(engine: Engine, year: int) -> tuple[Plan, ...]:
    """The rules of the cycle of ``year``, then those of the earlier cycles, latest first: where
    the report of ``year`` looks up names (the first that knows a code gives its name). Rules
    loaded after the cycle was opened are never among them, unless the cycle was amended."""
    cycles = sorted(
        ((c.year, c.rules_hash) for c in engine.cycles() if c.year <= year),
        reverse=True,
    )
    plans: dict[int, Plan] = {}
    for _, digest in cycles:
        plan = engine.book_for(digest).plan
        plans.setdefault(id(plan), plan)
    return tuple(plans.values())


def name_in(plans: Sequence[Plan], code: str, lang: Lang) -> str:
    """The agency's name in ``lang`` by the first of ``plans`` that knows it (its code when none
    does)."""
    plan = next((p for p in plans if p.has_agency(code)), None)
    return agency_name(plan, code, lang) if plan else code


def title_in(plans: Sequence[Plan], unit: str, lang: Lang) -> str:
    """The title of an area or duty in ``lang`` by the first of ``plans`` that has it (its id when
    none does)."""
    for plan in plans:
        for u in plan.units():
            if u.id == unit:
                return u.title if lang == "vi" else u.title_en
    return unit


def unit_order(plan: Plan, units: Iterable[str]) -> list[str]:
    """``units`` (areas and duties with tasks) in the order of ``plan``, then any it does not
    name (a task kept by an amendment that dropped its area, its report having arrived) by id."""
    present = set(units)
    known = [u.id for u in plan.units() if u.id in present]
    return known + sorted(present - set(known))


def yearly_period(engine: Engine, year: int) -> str:
    """The period of ``year`` whose report is the year's: its yearly period (whose id is the
    year), else the one that ends last.

    Raises:
        NotFound: a year outside the plan.
    """
    periods = engine.periods(year)
    yearly = [p for p in periods if p.kind == "year"]
    return (yearly or sorted(periods, key=lambda p: p.end))[-1].id


def default_report_date(
    engine: Engine, year: int, today: dt.date, period: str | None = None, level: str | None = None
) -> dt.date:
    """The day of the latest consolidation of the year (of ``period`` when given; of ``level``,
    or the province's), or ``today`` when it was never consolidated."""
    rows = [c for c in engine.consolidations(year, period) if c.level == level]
    return rows[-1].at.date() if rows else today


def _tasks(
    engine: Engine,
    year: int,
    period: str,
    members: Sequence[str] | None,
    lang: Lang,
    plans: Sequence[Plan],
) -> dict[str, list[TaskResult]]:
    plan = plans[0]
    workflow = plan.workflow
    ratings = {r.code: (r.name if lang == "vi" else r.name_en) for r in plan.rating_scale}
    out: dict[str, list[TaskResult]] = {}
    for r in reads.task_results(engine.store, year, period, members):
        out.setdefault(r.unit, []).append(
            TaskResult(
                task_id=r.task_id,
                agency=r.agency,
                agency_name=name_in(plans, r.agency, lang),
                in_place_of=_in_place_of(plans, r.agency, r.original_agency, lang),
                state=state_name(r.state, lang, workflow),
                due=r.due,
                reported_on=r.reported_on,
                days_late=r.days_late,
                summary=r.summary,
                indicators=r.indicators,
                rating=ratings.get(r.rating, r.rating) if r.rating else None,
            )
        )
    for tasks in out.values():
        tasks.sort(
            key=lambda t: (vietnamese_key(t.agency_name), vietnamese_key(t.in_place_of or ""))
        )
    return out


def _in_place_of(
    plans: Sequence[Plan], agency: str, original: str | None, lang: Lang
) -> str | None:
    """The name of the agency a task was first given to, when another holds it now."""
    if not original or original == agency:
        return None
    return name_in(plans, original, lang)


def _shortfalls(
    engine: Engine,
    year: int,
    period: str,
    members: Sequence[str] | None,
    on: dt.date,
    lang: Lang,
    plans: Sequence[Plan],
    consolidations: Sequence[Consolidation],
) -> tuple[list[Shortfall], list[Shortfall]]:
    """Reports received late, and not received after their due date, by ``on``."""
    waived = {a for rec in consolidations for a in rec.waived}
    late: list[Shortfall] = []
    missing: list[Shortfall] = []
    for r in reads.shortfalls(engine.store, year, on, period, members):
        item = Shortfall(
            agency=r.agency,
            agency_name=name_in(plans, r.agency, lang),
            in_place_of=_in_place_of(plans, r.agency, r.original_agency, lang),
            unit=r.unit,
            unit_title=title_in(plans, r.unit, lang),
            due=r.due,
            days_late=r.days_late,
            waived=r.missing and r.agency in waived,
        )
        (missing if r.missing else late).append(item)
    for items in (late, missing):
        items.sort(
            key=lambda s: (
                vietnamese_key(s.agency_name),
                vietnamese_key(s.in_place_of or ""),
                s.unit,
            )
        )
    return late, missing


def _own(items: list[Shortfall], issuer: str) -> tuple[list[Shortfall], tuple[Shortfall, ...]]:
    """``items`` of other agencies, and those of the issuing body itself: it is not its own
    subordinate, so it never urges itself; it accounts for its own to the agency above it."""
    return [s for s in items if s.agency != issuer], tuple(s for s in items if s.agency == issuer)


def _remarks(
    engine: Engine,
    year: int,
    period: str,
    members: Sequence[str] | None,
    lang: Lang,
    plans: Sequence[Plan],
) -> list[Remark]:
    triggers = [a.trigger for a in comment_actions(plans[0].workflow)]
    out = [
        Remark(
            agency=r.agency,
            agency_name=name_in(plans, r.agency, lang),
            task_id=r.task_id,
            unit_title=title_in(plans, r.unit, lang),
            on=r.on,
            text=r.text,
        )
        for r in reads.remarks(engine.store, year, triggers, period, members)
    ]
    return sorted(out, key=lambda m: vietnamese_key(m.agency_name))  # stable: seq within agency


def _charts(
    engine: Engine,
    instance: PeriodInstance,
    members: Sequence[str] | None,
    on: dt.date,
    lang: Lang,
    plans: Sequence[Plan],
) -> Charts:
    plan = plans[0]
    store = engine.store
    wf = plan.workflow
    year, periods = instance.year, [instance.id]
    scope: dict[str, Any] = {"years": [year], "periods": periods, "members": members}
    per_unit = metrics.state_counts(store, wf, **scope, by=("area",))
    order = {u.id: i for i, u in enumerate(plan.units())}
    by_unit = sorted(per_unit.items(), key=lambda kv: (order.get(str(kv[0][0]), 1_000), kv[0]))
    rates = metrics.rates(store, **scope, by=("agency",))
    rates = [r for r in rates if r.expected]
    on_time = [
        AgencyRate(
            str(r.key[0]),
            name_in(plans, str(r.key[0]), lang),
            r.on_time,
            r.received,
            r.expected,
        )
        for r in rates
    ]
    years = tuple(y for y in _cycle_years(engine) if y <= year)
    # the grid compares the periods of the same series year by year (a year's report: years)
    series = [p.id for y in years for p in engine.periods(y) if p.series == instance.series]
    cells = metrics.agency_year_grid(store, on, years=list(years), periods=series, members=members)
    agencies = {a for a, _ in cells}
    named = sorted(
        ((a, name_in(plans, a, lang)) for a in agencies), key=lambda p: vietnamese_key(p[1])
    )
    return Charts(
        states=wf.states,
        state_names=tuple(state_name(s, lang, wf) for s in wf.states),
        by_unit=tuple((str(k[0]), tuple(v.values())) for k, v in by_unit),
        on_time=tuple(sorted(on_time, key=lambda a: vietnamese_key(a.name))),
        years=years,
        grid=tuple(
            (code, name, tuple(cells.get((code, y), "none") for y in years)) for code, name in named
        ),
    )


def _proposals(
    engine: Engine,
    year: int,
    period: str,
    on: dt.date,
    lang: Lang,
    report: dict[str, Any],
    plans: Sequence[Plan],
    final: bool,
) -> list[str]:
    """What the report proposes; ``final``: the plan's last period, with no reports to come."""
    text = TEXT[lang]
    evaluator = name_in(plans, engine.holder("evaluator", on, year=year), lang)
    out = []

    def names(items: list[Shortfall]) -> str:
        return ", ".join(dict.fromkeys(s.agency_name for s in items))

    if report["missing"]:
        out.append(
            text["p_missing"].format(
                evaluator=evaluator, names=names(report["missing"]), period=period
            )
        )
    if report["late"]:
        # After the plan's last period there are no coming reports to send on time.
        out.append(text["p_late_last" if final else "p_late"].format(names=names(report["late"])))
    if report["no_deadline"]:
        units = dict.fromkeys(t.split("/")[1] for t in report["no_deadline"])
        out.append(text["p_no_deadline"].format(ids=", ".join(units)))
    if report["remarks"]:
        out.append(text["p_remarks"])
    return out or [text["p_none"]]


def _final(engine: Engine, plan: Plan, instance: PeriodInstance) -> bool:
    """Whether ``instance`` is the plan's last period: in its last year, none ends later."""
    if instance.year < plan.info.last_year:
        return False
    return all(p.end <= instance.end for p in engine.periods(instance.year))


def build_report(
    engine: Engine,
    year: int,
    *,
    on: dt.date,
    period: str | None = None,
    level: str | None = None,
    lang: str = "vi",
    number: int | None = None,
    symbol: str | None = None,
) -> Report:
    """The consolidated report of ``period`` of ``year`` dated ``on``: an id (``2026S1``) or a
    series with one period that year; it may be left out when the plan has a single period
    (the year's). Only that period's tasks, consolidations and waivers are in it. With
    ``level`` (a consolidation level of the rules) it is that level's report, issued by its
    consolidator to the province: its members' tasks and its own consolidations only;
    without, the province's, over every task of the period.

    ``number`` defaults to the count of the period's consolidations (blank in a draft, when
    there is none); ``symbol`` to the initials of the issuing body (``SLĐTBXH``).

    Raises:
        NotFound: the cycle of ``year`` was never opened, ``period`` names no period of it,
            ``level`` no level of its rules.
        PayloadError: ``period`` left out while the plan has several.
        ValueError: ``lang`` is not ``vi`` or ``en``.
    """
    language = check_lang(lang)
    text = TEXT[language]
    store = engine.store
    cycles = _cycle_years(engine)
    if year not in cycles:
        opened = ", ".join(map(str, cycles)) or "none"
        raise NotFound("cycle", year, f"cycles in this database: {opened}")
    instance = engine.period_named(year, period, f"the report of {year}")
    chosen, periods = instance.id, [instance.id]
    phrase = period_phrase(instance, language)
    plans = cycle_plans(engine, year)
    plan = plans[0]  # the rules the cycle follows, not necessarily the engine's latest
    book = engine.cycle_book(year)
    issuer = book.level_holder(level, on)  # the province's consolidator for no level
    members = None if level is None else plan.expand(book.levels[level].members)
    known = next((p for p in plans if p.has_agency(issuer)), None)
    body = known.agency(issuer) if known else None
    parent = body.parent if body else None
    consolidations = [c for c in engine.consolidations(year, chosen) if c.level == level]
    count = number if number is not None else len(consolidations)
    abbr = symbol or abbreviation(body.name if body else issuer)
    tasks = _tasks(engine, year, chosen, members, language, plans)
    scope: dict[str, Any] = {"years": [year], "periods": periods, "members": members}
    states = metrics.state_counts(store, plan.workflow, **scope, by=("area",))
    unit_rates = {str(r.key[0]): r for r in metrics.rates(store, **scope, by=("area",))}
    units = [
        UnitResult(
            id=unit,
            title=title_in(plans, unit, language),
            rates=unit_rates[unit],
            states=states[(unit,)],
            tasks=tuple(tasks[unit]),
        )
        for unit in unit_order(plan, unit_rates)
    ]
    late, missing = _shortfalls(engine, year, chosen, members, on, language, plans, consolidations)
    late, own_late = _own(late, issuer)
    missing, own_missing = _own(missing, issuer)
    own_heading = ""
    if own_late or own_missing:
        superior = name_in(plans, engine.holder("reports_to", on, year=year), language)
        own_heading = text["own"].format(issuer=name_in(plans, issuer, language), superior=superior)
    remarks = _remarks(engine, year, chosen, members, language, plans)
    final = _final(engine, plan, instance)
    no_deadline = tuple(asof.no_deadline_ids(engine.store, year, None, periods, members))
    facts = {"missing": missing, "late": late, "no_deadline": no_deadline, "remarks": remarks}
    recipients_codes = (
        consolidations[-1].recipients
        if consolidations
        else [book.level_holder(None, on)]  # a level reports to the province's consolidator
        if level is not None
        else [engine.holder(r, on, year=year) for r in plan.expand(plan.roles.recipients)]
    )
    title = plan.info.title if language == "vi" else plan.info.title_en
    issuer_name = name_in(plans, issuer, language)
    return Report(
        lang=language,
        year=year,
        period=chosen,
        date=on,
        draft=not consolidations,
        nation=text["nation"],
        motto=text["motto"],
        parent_body=name_in(plans, parent, language).upper() if parent else "",
        issuing_body=issuer_name.upper(),
        number=f"{text['number']}: {count if count else '    '}/BC-{abbr}",
        place_date=place_date(plan.info.place, on, language),
        kind=text["kind"],
        subject=text["subject"].format(title=title, period=phrase),
        intro=text["intro"].format(title=title, issuer=issuer_name, period=phrase),
        totals=metrics.rates(store, **scope, by=())[0],
        no_deadline=no_deadline,
        units=tuple(units),
        late=tuple(late),
        missing=tuple(missing),
        remarks=tuple(remarks),
        proposals=tuple(_proposals(engine, year, phrase, on, language, facts, plans, final)),
        recipients=(
            *(f"{name_in(plans, c, language)};" for c in recipients_codes),
            text["archive"].format(abbr=abbr),
        ),
        signer=text["signer"],
        charts=_charts(engine, instance, members, on, language, plans),
        text=dict(text),
        own_late=own_late,
        own_missing=own_missing,
        own_heading=own_heading,
    )


def report_json(report: Report) -> dict[str, Any]:
    """The report as plain JSON-ready dicts (dates as ISO text; rates included)."""
    data: dict[str, Any] = json.loads(
        json.dumps(CONVERTER.unstructure(report), default=str, ensure_ascii=False)
    )
    data["totals"].update(
        reporting_rate=report.totals.reporting_rate, on_time_rate=report.totals.on_time_rate
    )
    for unit, raw in zip(report.units, data["units"], strict=True):
        raw["rates"].update(
            reporting_rate=unit.rates.reporting_rate, on_time_rate=unit.rates.on_time_rate
        )
    data.pop("text")
    return data
