"""The consolidated report as Markdown (GitHub-flavoured tables; the charts become tables)."""

from __future__ import annotations

from plan161_workflow.reporting.charts import GRID_STYLE
from plan161_workflow.reporting.document import (
    RATE_HEADS,
    Report,
    Shortfall,
    agency_label,
    overview_sentences,
    rate_cells,
)
from plan161_workflow.reporting.escape import md_inline
from plan161_workflow.reporting.labels import GRID_NAMES, percent

_cell = md_inline


def _head(value: object) -> str:
    return md_inline(value, block_start=False)


"""Every text in the document (typed by agencies, or from the rules file: names, titles) goes
through ``md_inline``: it shows as text, never as markup, a link, an image or a new line."""


def _table(heads: list[str], rows: list[list[object]]) -> list[str]:
    out = ["| " + " | ".join(_cell(h) for h in heads) + " |", "|" + "---|" * len(heads)]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return [*out, ""]


def _date(value: object, report: Report) -> str:
    if value is None:
        return "—"
    text = str(value)
    return f"{text[8:10]}/{text[5:7]}/{text[:4]}" if report.lang == "vi" else text


def _shortfalls(report: Report, items: tuple[Shortfall, ...], days: str) -> list[str]:
    text = report.text
    if not items:
        return [_cell(text["none"]), ""]
    waived = any(s.waived for s in items)  # the note column only when some row has a note
    rows: list[list[object]] = [
        [
            agency_label(s, text),
            f"{s.unit}. {s.unit_title}",
            _date(s.due, report),
            s.days_late,
            *([text["waived"] if s.waived else ""] if waived else []),
        ]
        for s in items
    ]
    heads = [text["agency"], text["unit"], text["due"], text[days]]
    return _table(heads + ([text["note"]] if waived else []), rows)


def _overview(report: Report) -> list[str]:
    out = [line for sentence in overview_sentences(report) for line in (_cell(sentence), "")]
    heads = [report.text[h] for h in RATE_HEADS]
    rows = [[u.id, *rate_cells(u.rates, report.lang)] for u in report.units]
    return out + _table(heads, rows)


def _charts(report: Report) -> list[str]:
    text, lang, charts = report.text, report.lang, report.charts
    out = [f"**{_cell(text['chart_on_time'])}**", ""]
    out += _table(
        [text["agency"], text["on_time"], text["received"], text["expected"], text["on_time_rate"]],
        [
            [a.name, a.on_time, a.received, a.expected, percent(a.on_time / a.expected, lang)]
            for a in charts.on_time
        ],
    )
    names = GRID_NAMES[lang]
    out += [f"**{_cell(text['chart_grid'])}**", ""]
    out += _table(
        [text["agency"], *map(str, charts.years)],
        [
            [name, *(f"{GRID_STYLE[s][1]} {names[s]}".strip() for s in cells)]
            for _, name, cells in charts.grid
        ],
    )
    return out


def render_md(report: Report) -> str:
    """The whole report as Markdown text."""
    text = report.text
    out = []
    if report.parent_body:
        out.append(_cell(report.parent_body) + "  ")
    out += [
        f"**{_cell(report.issuing_body)}**  ",
        _cell(report.number),
        "",
        f"**{_cell(report.nation)}**  ",
        f"**{_cell(report.motto)}**  ",
        f"*{_cell(report.place_date)}*",
        "",
    ]
    if report.draft:
        out += [f"**\\[{_cell(text['draft'])}\\]**", ""]
    out += [
        f"# {_head(report.kind)}",
        "",
        f"**{_cell(report.subject)}**",
        "",
        _cell(report.intro),
        "",
    ]
    out += [f"## {_head(text['results'])}", "", f"### {_head(text['overview'])}", ""]
    out += _overview(report)
    out += _charts(report)
    out += [f"### {_head(text['by_area'])}", ""]
    for unit in report.units:
        out += [f"#### {_head(unit.id)}. {_cell(unit.title)}", ""]
        rows: list[list[object]] = [
            [
                agency_label(t, text),
                t.state,
                _date(t.due, report),
                _date(t.reported_on, report),
                "—" if t.days_late is None else t.days_late,
                (t.summary or text["no_report"])
                + "".join(f"; {k}: {v}" for k, v in t.indicators.items()),
                t.rating or "—",
            ]
            for t in unit.tasks
        ]
        out += _table(
            [
                text[h]
                for h in ("agency", "state", "due", "reported", "days_late", "summary", "rating")
            ],
            rows,
        )
    out += [f"## {_head(text['shortfalls'])}", "", f"### {_head(text['late'])}", ""]
    out += _shortfalls(report, report.late, "days_late")
    out += [f"### {_head(text['missing'])}", ""]
    out += _shortfalls(report, report.missing, "days_overdue")
    if report.own_heading:
        out += [f"### {_head(report.own_heading)}", ""]
        if report.own_late:
            out += _shortfalls(report, report.own_late, "days_late")
        if report.own_missing:
            out += _shortfalls(report, report.own_missing, "days_overdue")
    out += [f"## {_head(text['difficulties'])}", ""]
    if not report.remarks:
        out += [_cell(text["none"]), ""]
    current = None
    for m in report.remarks:
        if m.agency != current:
            if current is not None:
                out.append("")  # end the previous agency's list
            out += [f"**{_cell(m.agency_name)}**", ""]
            current = m.agency
        about = text["remark_on"].format(unit=m.unit_title)
        out.append(
            f"- {_cell(m.text)} *({_date(m.on, report)}, {_cell(about)}; {_cell(m.task_id)})*"
        )
    if report.remarks:
        out.append("")
    out += [f"## {_head(text['proposals'])}", "", f"*{_cell(text['generated'])}*", ""]
    out += [f"{i}. {_cell(p)}" for i, p in enumerate(report.proposals, 1)]
    out += ["", f"**{_cell(report.signer)}**  ", f"*{_cell(text['signature'])}*", ""]
    recipients = [f"- {_cell(r)}" for r in report.recipients]
    out += [f"***{_cell(text['recipients'])}:***", "", *recipients, ""]
    return "\n".join(out)
