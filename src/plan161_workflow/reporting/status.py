"""A reporting cycle at a glance: plain JSON-ready data, and aligned text tables for a terminal.

Everything is as recorded at the end of the ``as_of`` day in Vietnam (``Engine.tasks_as_of``):
counts, rates and overdue lists come from one view of the record, so a report that arrived later
is not counted and its task is overdue if it was on that day. The data depends only on the
database and that day: no wall-clock time, agencies in Vietnamese order, so the same database
gives byte-identical JSON (``json.dumps(..., sort_keys=True)``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from plan161_workflow.engine import Engine
from plan161_workflow.errors import NotFound
from plan161_workflow.reporting import metrics
from plan161_workflow.reporting.collation import vietnamese_key
from plan161_workflow.reporting.labels import percent
from plan161_workflow.reporting.report import cycle_plans, name_in, title_in, unit_order
from plan161_workflow.store import asof

RATE_DIGITS = 4


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value, RATE_DIGITS)


def figures(r: metrics.Rates) -> dict[str, Any]:
    """The figures of one group as a dict (rates rounded to four decimals)."""
    return {
        "tasks": r.tasks,
        "expected": r.expected,
        "received": r.received,
        "on_time": r.on_time,
        "late": r.late,
        "missing": r.missing,
        "no_deadline": r.no_deadline,
        "not_due": r.not_due,
        "reporting_rate": _rate(r.reporting_rate),
        "on_time_rate": _rate(r.on_time_rate),
        "median_days_late": r.median_days_late,
    }


def status_data(
    engine: Engine,
    year: int,
    as_of: dt.date,
    period: str | None = None,
    level: str | None = None,
) -> dict[str, Any]:
    """Counts by state, rates per agency and area, and overdue agencies of ``year`` (of one
    ``period`` of it when given: an id, or a series with one period that year), as recorded at
    the end of day ``as_of`` (Vietnam's day). A task due after that day whose report had not
    arrived is not expected yet: it is out of the rates (``not_due``). With ``level`` (a
    consolidation level of the rules), only the tasks of its members count.

    The cycle is as it stood then (``Engine.cycle_as_of``): its rules (the workflow whose states
    are counted), whether it was closed, the consolidations made by then. Before the cycle opened
    there is nothing to count: zeros and empty lists.

    Raises:
        NotFound: the cycle of ``year`` was never opened, ``period`` names no period of it, or
            ``level`` no level of its rules.
    """
    store = engine.store
    plans = cycle_plans(engine, year)  # names as that cycle's rules give them
    if engine.store.cycle(year) is None:
        opened = [str(c.year) for c in engine.cycles()]
        raise NotFound("cycle", year, f"cycles in this database: {', '.join(opened) or 'none'}")
    chosen = None if period is None else engine.period_of(year, period)
    periods = None if chosen is None else [chosen.id]
    book = engine.cycle_book(year)
    members, level_json = None, None
    if level is not None:
        holder = book.level_holder(level, as_of)  # NotFound for an unknown level
        members = book.plan.expand(book.levels[level].members)
        level_json = {"id": level, "name": book.levels[level].name, "consolidator": holder}
    cycle = engine.cycle_as_of(year, as_of)
    book = book if cycle is None else engine.book_for(cycle.rules_hash)
    wf = book.plan.workflow
    consolidations = store.consolidation_count(year, as_of)
    years = [year]
    scope: dict[str, Any] = {"years": years, "periods": periods, "members": members}
    agencies = [
        {"agency": r.key[0], "name": name_in(plans, str(r.key[0]), "vi"), **figures(r)}
        for r in metrics.rates(store, **scope, by=("agency",), as_of=as_of)
    ]
    states = metrics.state_counts(store, wf, **scope, by=("area",), as_of=as_of)
    areas = [
        {
            "area": r.key[0],
            "title": title_in(plans, str(r.key[0]), "vi"),
            **figures(r),
            "states": states[r.key],
        }
        for r in metrics.rates(store, **scope, by=("area",), as_of=as_of)
    ]
    items: dict[str, list[dict[str, Any]]] = {}
    for o in metrics.overdue(store, wf, as_of, **scope):
        items.setdefault(o.agency, []).append(
            {
                "task": o.task_id,
                "period": o.period,
                "unit": o.unit,
                "due": o.due.isoformat(),
                "state": o.state,
                "days_late": o.days_late,
            }
        )
    overdue = [
        {
            "agency": a.agency,
            "name": name_in(plans, a.agency, "vi"),
            "tasks": a.tasks,
            "max_days_late": a.max_days_late,
            "items": items[a.agency],
        }
        for a in metrics.overdue_by_agency(store, wf, as_of, **scope)
    ]
    counts = metrics.state_counts(store, wf, **scope, as_of=as_of)[()]
    order = unit_order(plans[0], (a["area"] for a in areas))
    return {
        "year": year,
        "period": None if chosen is None else {"id": chosen.id, "label": chosen.label},
        "level": level_json,
        "as_of": as_of.isoformat(),
        "cycle": {
            "rules_hash": cycle and cycle.rules_hash,
            "opened_at": cycle and cycle.opened_at.isoformat(),
            "closed_at": cycle and cycle.closed_at and cycle.closed_at.isoformat(),
            "consolidations": int(consolidations),
        },
        "states": counts,
        "open": {s: n for s, n in counts.items() if s != wf.final},
        "totals": figures(metrics.rates(store, **scope, by=(), as_of=as_of)[0]),
        "agencies": sorted(agencies, key=lambda a: vietnamese_key(a["name"])),
        "areas": sorted(areas, key=lambda a: order.index(a["area"])),
        "overdue": sorted(overdue, key=lambda a: vietnamese_key(a["name"])),
        "no_deadline": asof.no_deadline_ids(store, year, as_of, periods, members),
    }


def table(heads: Sequence[str], rows: Sequence[Sequence[object]], right: Sequence[int] = ()) -> str:
    """Rows aligned in columns under ``heads``; columns in ``right`` are right-aligned."""
    cells = [[str(h) for h in heads], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(heads))]

    def line(row: list[str]) -> str:
        return "  ".join(
            (c.rjust(w) if i in right else c.ljust(w))
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])


def _median(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:g}"


def _share(part: int, whole: int) -> str:
    """``part`` of ``whole`` as a percentage, rounded once from the counts (the data's rates are
    already rounded to four decimals: rounding those again can differ, 80.65% -> 80.7%)."""
    return percent(part / whole if whole else None, "en")


def _figures_row(label: str, figures: dict[str, Any]) -> list[object]:
    """One line of the rates tables: a label, then the figures."""
    return [
        label,
        figures["expected"],
        figures["received"],
        figures["on_time"],
        figures["late"],
        _share(figures["received"], figures["expected"]),
        _share(figures["on_time"], figures["expected"]),
        _median(figures["median_days_late"]),
    ]


def status_text(data: dict[str, Any]) -> str:
    """The status as aligned plain-text tables (Vietnamese names, bilingual headings)."""
    t = data["totals"]
    cycle = data["cycle"]
    period = data.get("period")
    lines = [
        f"Năm / year {data['year']}"
        + (f", {period['label']} ({period['id']})" if period else "")
        + ", theo ghi nhận đến hết ngày / as recorded at the end of "
        f"{data['as_of']}"
        + ("; chưa mở / not opened yet" if cycle.get("opened_at", "") is None else "")
        + (f"; đã đóng / closed {cycle['closed_at']}" if cycle["closed_at"] else "")
        + f"; tổng hợp / consolidations: {cycle['consolidations']}",
        "",
        "Tình trạng / states",
        table(["state", "tasks"], list(data["states"].items()), right=[1]),
        "",
        f"Tỷ lệ báo cáo / reporting rate: {_share(t['received'], t['expected'])} "
        f"({t['received']}/{t['expected']}); đúng hạn / on time: "
        f"{_share(t['on_time'], t['expected'])} ({t['on_time']}/{t['expected']}); "
        f"trung vị ngày chậm / median days late: {_median(t['median_days_late'])}",
        f"Không có hạn / no deadline (outside the rates): {t['no_deadline']}; "
        f"chưa đến hạn / not due yet: {t.get('not_due', 0)}",
        "",
        "Theo cơ quan / by agency",
    ]
    heads = ["agency", "expected", "received", "on time", "late", "rate", "on-time", "median late"]
    nums = list(range(1, 8))
    lines.append(
        table(
            heads,
            [_figures_row(a["name"], a) for a in data["agencies"]],
            right=nums,
        )
    )
    lines += ["", "Theo nội dung / by area"]
    lines.append(
        table(
            ["area", *heads[1:]],
            [_figures_row(a["area"], a) for a in data["areas"]],
            right=nums,
        )
    )
    lines += ["", f"Quá hạn / overdue on {data['as_of']}"]
    if data["overdue"]:
        lines.append(
            table(
                ["agency", "tasks", "days late", "overdue tasks"],
                [
                    [
                        a["name"],
                        a["tasks"],
                        a["max_days_late"],
                        ", ".join(f"{i['unit']} ({i['days_late']})" for i in a["items"]),
                    ]
                    for a in data["overdue"]
                ],
                right=[1, 2],
            )
        )
    else:
        lines.append("không có / none")
    return "\n".join(lines)
