"""The plan as people and programs read it: a text summary and the resolved JSON (pure)."""

from __future__ import annotations

from typing import Any

from plan161_workflow.calendar import WorkingCalendar
from plan161_workflow.model.codec import CONVERTER
from plan161_workflow.model.period import PeriodInstance
from plan161_workflow.model.plan import Area, Duty, Plan
from plan161_workflow.periods import plan_instances, unit_due, unit_instances


def _unit_json(plan: Plan, unit: Area | Duty, calendar: WorkingCalendar) -> dict[str, Any]:
    due = {
        inst.id: (d.isoformat() if (d := unit_due(plan, unit, inst, calendar)) else None)
        for y in plan.info.years
        for inst in unit_instances(plan, unit, y, calendar)
    }
    out: dict[str, Any] = {
        "id": unit.id,
        "title": unit.title,
        "title_en": unit.title_en,
        "lead": list(plan.expand(unit.lead)),
        "coordinating": list(plan.expand(unit.coordinating)),
        "related": unit.related,
        "deadline": unit.deadline,
        "periods": [p.id for p in plan.unit_periods(unit)],
        "due": due,
        "source": unit.source,
    }
    if isinstance(unit, Area):
        out["items"] = list(unit.items)
    if isinstance(unit, Duty) or unit.recurrence.kind != "yearly":
        out["recurrence"] = CONVERTER.unstructure(unit.recurrence)
    return out


def period_json(instance: PeriodInstance) -> dict[str, Any]:
    """One period as JSON: ``id``, ``series``, ``kind``, ``year``, ``label``, ``start``,
    ``end``, ``cutoff`` and ``due`` (ISO dates; ``due`` null when not set)."""
    return {
        "id": instance.id,
        "series": instance.series,
        "kind": instance.kind,
        "year": instance.year,
        "label": instance.label,
        "start": instance.start.isoformat(),
        "end": instance.end.isoformat(),
        "cutoff": instance.cutoff.isoformat(),
        "due": instance.due.isoformat() if instance.due else None,
    }


def plan_json(plan: Plan) -> dict[str, Any]:
    """The resolved plan: groups expanded, periods listed, due dates computed for every period.

    ``periods`` lists every period of the plan's years (``period_json``: each with its ``id``,
    such as ``2026``, ``2026S1``, ``2026Q2``, ``202606``, ``2026-so-ket``), year by year;
    ``period_series`` the series the rules declare (or the implicit yearly one). Each area has
    ``id``, ``lead`` and ``coordinating`` as lists of agency codes, ``related`` (the plan's
    phrase for unnamed related agencies, or null), ``periods`` (the series it reports in) and
    ``due`` (period id -> ISO date; a yearly period's id is the year).
    """
    calendar = WorkingCalendar(plan.calendar, plan.info.years)
    info = CONVERTER.unstructure(plan.info)
    return {
        "plan": info,
        "years": list(plan.info.years),
        "periods": [period_json(i) for i in plan_instances(plan, calendar)],
        "period_series": CONVERTER.unstructure(plan.period_series()),
        "calendar": CONVERTER.unstructure(plan.calendar),
        "agencies": CONVERTER.unstructure(plan.agencies),
        "groups": {g.code: list(g.members) for g in plan.groups},
        "areas": [_unit_json(plan, a, calendar) for a in plan.areas],
        "duties": [_unit_json(plan, d, calendar) for d in plan.duties],
        "roles": {
            "consolidator": plan.roles.consolidator,
            "evaluator": plan.roles.evaluator,
            "overseers": list(plan.expand(plan.roles.overseers)),
            "recipients": list(plan.expand(plan.roles.recipients)),
        },
        "rating_scale": CONVERTER.unstructure(plan.rating_scale),
        "reminders": CONVERTER.unstructure(plan.reminders),
        "workflow": CONVERTER.unstructure(plan.workflow),
        "tasks_per_year": {
            str(y): sum(
                len(plan.expand(u.lead)) * len(unit_instances(plan, u, y, calendar))
                for u in plan.units()
            )
            for y in plan.info.years
        },
    }


def _names(plan: Plan, refs: list[str] | tuple[str, ...]) -> str:
    """Names of agencies and groups as the rules write them (a group stays one entry)."""
    groups = {g.code: g for g in plan.groups}
    shown = []
    for ref in refs:
        group = groups.get(ref)
        if group:
            shown.append(f"{group.name} ({ref}: {len(group.members)})")
        else:
            shown.append(f"{plan.agency(ref).name} ({ref})")
    return "; ".join(shown) or "—"


def _when(unit: Area | Duty) -> str:
    rec = unit.recurrence
    if rec.kind == "yearly":
        return "hằng năm / yearly"
    if rec.kind == "once":
        return f"một lần năm / once in {rec.year}"
    if rec.kind == "years":
        return "các năm / in " + ", ".join(map(str, rec.years))
    return f"{rec.every} năm một lần từ / every {rec.every} years from {rec.year}"


def plan_text(plan: Plan) -> str:
    """A readable summary in Vietnamese with English, for a terminal."""
    data = plan_json(plan)
    info = plan.info
    lines = [
        info.title,
        f"  ({info.title_en})",
        f"  Cơ quan ban hành / issuer: {plan.agency(info.issuer).name}",
        f"  Số / number: {info.number or 'chưa rõ / unknown'}; "
        f"ngày / date: {info.date or 'chưa rõ / unknown'}",
        f"  Năm báo cáo / reporting years: {info.first_year}-{info.last_year}; "
        f"hạn cuối rơi vào ngày nghỉ / last day on a day off: {plan.calendar.non_working_last_day}",
        "",
        "Nội dung / content areas",
    ]
    for area, unit in zip(data["areas"], plan.areas, strict=True):
        lines += [
            f"  {area['id']}  {area['title']}",
            f"        {area['title_en']}",
            f"        Cơ quan thực hiện / lead ({len(area['lead'])}): {_names(plan, unit.lead)}",
            f"        Cơ quan phối hợp / coordinating: {_names(plan, unit.coordinating)}"
            + (f"; {area['related']} (không nêu tên / names nobody)" if area["related"] else ""),
            "        Hạn báo cáo / due: "
            + ", ".join(f"{y}: {d or 'không đặt / not set'}" for y, d in area["due"].items()),
        ]
    lines += ["", "Nhiệm vụ khác / other duties"]
    for duty, d_unit in zip(data["duties"], plan.duties, strict=True):
        when = _when(d_unit)
        lines += [
            f"  {duty['id']}  {duty['title']}",
            f"        {duty['title_en']}",
            f"        Chủ trì / lead: {_names(plan, d_unit.lead)}; {when}; hạn / due: "
            + ", ".join(f"{y}: {d or 'không đặt / not set'}" for y, d in duty["due"].items()),
        ]
    roles = data["roles"]
    lines += [
        "",
        f"Tổng hợp / consolidator: {_names(plan, [roles['consolidator']])}",
        f"Đánh giá / evaluator: {_names(plan, [roles['evaluator']])}",
        f"Giám sát / overseers: {_names(plan, roles['overseers'])}",
        f"Nơi nhận báo cáo / recipients: {_names(plan, roles['recipients'])}",
        "Nhiệm vụ mỗi năm / tasks per year: "
        + ", ".join(f"{y}: {n}" for y, n in data["tasks_per_year"].items()),
    ]
    ending = [a for a in plan.agencies if a.valid_to is not None]
    if ending:
        lines += ["", "Kế thừa / succession"]
    for agency in ending:
        lines.append(f"  {agency.name} ({agency.code}) đến / until {agency.valid_to}")
        for s in agency.successors:
            scope = s.scope
            parts = [*scope.areas, *scope.duties, *scope.roles] or ["toàn bộ / everything"]
            lines.append(
                f"    -> {plan.agency(s.agency).name} ({s.agency}) từ / from "
                f"{s.effective}: {', '.join(parts)} [{s.basis}]"
            )
    return "\n".join(lines)
