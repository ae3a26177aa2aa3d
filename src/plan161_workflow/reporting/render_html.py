"""The consolidated report as one self-contained HTML file (inline CSS and SVG, no URL at all)."""

from __future__ import annotations

from html import escape

from plan161_workflow.reporting import charts
from plan161_workflow.reporting.document import (
    RATE_HEADS,
    Report,
    Shortfall,
    TaskResult,
    UnitResult,
    agency_label,
    overview_sentences,
    rate_cells,
)

_CSS = """
:root { --ink: #111; --muted: #555; --rule: #999; }
* { box-sizing: border-box; }
body { margin: 0; background: #F4F4F4; color: var(--ink);
  font-family: 'Times New Roman', 'Liberation Serif', 'Noto Serif', 'DejaVu Serif', serif;
  font-size: 16px; line-height: 1.45; }
main { max-width: 920px; margin: 24px auto; background: #FFF; padding: 40px 56px 56px 72px;
  box-shadow: 0 1px 4px rgba(0,0,0,.15); }
table.head { width: 100%; border-collapse: collapse; margin-bottom: 8px; }
table.head td { vertical-align: top; text-align: center; padding: 0 4px; }
table.head td.body-cell { width: 42%; }
.parent { text-transform: uppercase; font-size: 15px; }
.issuer, .nation { font-weight: bold; font-size: 15px; }
.motto { font-weight: bold; font-size: 16px; }
.rule { width: 36%; margin: 5px auto 8px; border-top: 1px solid var(--ink); }
.motto + .rule { width: 62%; }
.number { font-size: 15px; }
.place-date { font-style: italic; font-size: 15px; margin-top: 6px; }
.draft { display: inline-block; border: 2px solid #D55E00; color: #D55E00; font-weight: bold;
  padding: 0 10px; letter-spacing: .1em; }
h1 { text-align: center; font-size: 19px; margin: 22px 0 2px; letter-spacing: .03em; }
.subject { text-align: center; font-weight: bold; margin: 0 auto 10px; max-width: 80%; }
h2 { font-size: 16px; margin: 26px 0 8px; }
h3 { font-size: 16px; font-style: italic; margin: 18px 0 6px; font-weight: bold; }
h4 { font-size: 15px; margin: 16px 0 6px; }
p { text-align: justify; margin: 6px 0; text-indent: 0; }
p.lead { text-indent: 2em; }
.note { color: var(--muted); font-style: italic; font-size: 14px; }
table.data { width: 100%; border-collapse: collapse; font-size: 13.5px; margin: 6px 0 12px;
  font-family: 'Noto Sans', 'DejaVu Sans', 'Liberation Sans', Arial, sans-serif; }
table.data th, table.data td { border: 1px solid var(--rule); padding: 3px 6px;
  vertical-align: top; }
table.data th { background: #EDEDED; text-align: left; font-weight: 600; }
table.data td.num { text-align: right; white-space: nowrap; }
table.data tr:nth-child(even) td { background: #FAFAFA; }
.late { color: #A34100; font-weight: 600; }
.ind { color: var(--muted); font-size: 12.5px; }
figure { margin: 14px 0 20px; page-break-inside: avoid; break-inside: avoid; }
figcaption { font-weight: bold; font-size: 15px; margin-bottom: 6px; }
svg.chart { max-width: 100%; height: auto; display: block; }
ul.remarks li { margin-bottom: 4px; }
table.foot { width: 100%; margin-top: 30px; border-collapse: collapse; }
table.foot td { vertical-align: top; width: 50%; }
.recipients { font-size: 13px; }
.recipients b { font-style: italic; font-size: 14px; }
.recipients ul { list-style: none; padding-left: 0; margin: 2px 0; }
.recipients li::before { content: "- "; }
.sign { text-align: center; font-weight: bold; }
.sign .hint { font-weight: normal; font-style: italic; font-size: 13px; }
@media print {
  body { background: #FFF; }
  main { box-shadow: none; margin: 0; padding: 0; max-width: none; }
  h2, h3, h4 { page-break-after: avoid; break-after: avoid; }
  tr { page-break-inside: avoid; break-inside: avoid; }
}
@page { size: A4; margin: 20mm 15mm 20mm 30mm; }
"""


def _e(text: object) -> str:
    return escape(str(text))


def _date(value: object, report: Report) -> str:
    if value is None:
        return "—"
    text = str(value)  # ISO
    return f"{text[8:10]}/{text[5:7]}/{text[:4]}" if report.lang == "vi" else text


def _head(report: Report) -> str:
    parent = f'<div class="parent">{_e(report.parent_body)}</div>' if report.parent_body else ""
    return (
        '<table class="head"><tr>'
        f'<td class="body-cell">{parent}<div class="issuer">{_e(report.issuing_body)}</div>'
        f'<div class="rule"></div><div class="number">{_e(report.number)}</div></td>'
        f'<td><div class="nation">{_e(report.nation)}</div><div class="motto">{_e(report.motto)}'
        f'</div><div class="rule"></div><div class="place-date">{_e(report.place_date)}</div>'
        "</td></tr></table>"
    )


def _overview(report: Report) -> str:
    return "".join(f'<p class="lead">{_e(p)}</p>' for p in overview_sentences(report))


def figures(report: Report) -> str:
    """The report's charts as HTML figures (SVG inline): the page and the web dashboard."""
    text = report.text
    titles = {u.id: u.title for u in report.units}
    figures = [
        (text["chart_states"], charts.states_by_unit(report.charts, titles, text["chart_states"])),
    ]
    if report.charts.on_time:
        figures.append(
            (
                text["chart_on_time"],
                charts.on_time_by_agency(
                    report.charts,
                    text["chart_on_time"],
                    report.lang,
                    (text["on_time"], text["received_late_incl"]),
                ),
            )
        )
    if report.charts.grid:
        figures.append(
            (
                text["chart_grid"],
                charts.agency_year_grid(report.charts, text["chart_grid"], report.lang),
            )
        )
    return "".join(
        f"<figure><figcaption>{_e(title)}</figcaption>{svg}</figure>" for title, svg in figures
    )


def _rates_table(report: Report) -> str:
    rows = [
        f'<tr><td title="{_e(u.title)}">{_e(u.id)}</td>'
        + "".join(f'<td class="num">{_e(c)}</td>' for c in rate_cells(u.rates, report.lang))
        + "</tr>"
        for u in report.units
    ]
    return (
        '<table class="data"><tr>'
        + "".join(f"<th>{_e(report.text[h])}</th>" for h in RATE_HEADS)
        + "</tr>"
        + "".join(rows)
        + "</table>"
    )


def _summary(task: TaskResult, no_report: str) -> str:
    if not task.summary:
        return f'<span class="note">{_e(no_report)}</span>'
    listed = "; ".join(f"{k}: {v}" for k, v in task.indicators.items())
    return _e(task.summary) + (f'<br><span class="ind">{_e(listed)}</span>' if listed else "")


def _unit(report: Report, unit: UnitResult) -> str:
    text = report.text
    heads = ("agency", "state", "due", "reported", "days_late", "summary", "rating")
    rows = []
    for t in unit.tasks:
        late = t.days_late or 0
        cells = [
            _e(agency_label(t, text)),
            _e(t.state),
            _e(_date(t.due, report)),
            _e(_date(t.reported_on, report)),
            f'<span class="late">{late}</span>' if late else ("0" if t.days_late == 0 else "—"),
            _summary(t, text["no_report"]),
            _e(t.rating or "—"),
        ]
        rows.append(
            "<tr>"
            + "".join(
                f'<td class="num">{c}</td>' if i in (2, 3, 4) else f"<td>{c}</td>"
                for i, c in enumerate(cells)
            )
            + "</tr>"
        )
    return (
        f"<h4>{_e(unit.id)}. {_e(unit.title)}</h4>"
        '<table class="data">'
        + _colgroup((20, 11, 10, 10, 6, 0, 10))
        + "<tr>"
        + "".join(f"<th>{_e(text[h])}</th>" for h in heads)
        + "</tr>"
        + "".join(rows)
        + "</table>"
    )


def _colgroup(widths: tuple[int, ...]) -> str:
    return (
        "<colgroup>"
        + "".join(f'<col style="width:{w}%">' if w else "<col>" for w in widths)
        + "</colgroup>"
    )


def _shortfalls(report: Report, items: tuple[Shortfall, ...], days: str) -> str:
    text = report.text
    if not items:
        return f"<p>{_e(text['none'])}</p>"
    waived = any(s.waived for s in items)
    rows = "".join(
        f"<tr><td>{_e(agency_label(s, text))}</td><td>{_e(s.unit)}. {_e(s.unit_title)}</td>"
        f'<td class="num">{_e(_date(s.due, report))}</td><td class="num">{s.days_late}</td>'
        + (f"<td>{_e(text['waived']) if s.waived else ''}</td>" if waived else "")
        + "</tr>"
        for s in items
    )
    heads: tuple[str, ...] = (text["agency"], text["unit"], text["due"], text[days])
    heads += (text["note"],) if waived else ()
    widths = (28, 0, 12, 10) + ((17,) if waived else ())
    return (
        '<table class="data">'
        + _colgroup(widths)
        + "<tr>"
        + "".join(f"<th>{_e(h)}</th>" for h in heads)
        + "</tr>"
        + rows
        + "</table>"
    )


def _remarks(report: Report) -> str:
    if not report.remarks:
        return f"<p>{_e(report.text['none'])}</p>"
    out = []
    current = None
    for m in report.remarks:
        if m.agency != current:
            if current is not None:
                out.append("</ul>")
            out.append(f'<p><b>{_e(m.agency_name)}</b></p><ul class="remarks">')
            current = m.agency
        about = report.text["remark_on"].format(unit=m.unit_title)
        out.append(
            f'<li>{_e(m.text)} <span class="note">({_e(_date(m.on, report))}, '
            f"{_e(about)}; {_e(m.task_id)})</span></li>"
        )
    out.append("</ul>")
    return "".join(out)


def render_html(report: Report) -> str:
    """The whole report as an HTML page with its CSS and charts inline."""
    text = report.text
    draft = f'<p style="text-align:center"><span class="draft">{_e(text["draft"])}</span></p>'
    body = [
        _head(report),
        draft if report.draft else "",
        f"<h1>{_e(report.kind)}</h1>",
        f'<p class="subject">{_e(report.subject)}</p><div class="rule"></div>',
        f'<p class="lead">{_e(report.intro)}</p>',
        f"<h2>{_e(text['results'])}</h2>",
        f"<h3>{_e(text['overview'])}</h3>",
        _overview(report),
        _rates_table(report),
        figures(report),
        f"<h3>{_e(text['by_area'])}</h3>",
        *(_unit(report, u) for u in report.units),
        f"<h2>{_e(text['shortfalls'])}</h2>",
        f"<h3>{_e(text['late'])}</h3>",
        _shortfalls(report, report.late, "days_late"),
        f"<h3>{_e(text['missing'])}</h3>",
        _shortfalls(report, report.missing, "days_overdue"),
        *(
            [
                f"<h3>{_e(report.own_heading)}</h3>",
                *([_shortfalls(report, report.own_late, "days_late")] if report.own_late else []),
                *(
                    [_shortfalls(report, report.own_missing, "days_overdue")]
                    if report.own_missing
                    else []
                ),
            ]
            if report.own_heading
            else []
        ),
        f"<h2>{_e(text['difficulties'])}</h2>",
        _remarks(report),
        f"<h2>{_e(text['proposals'])}</h2>",
        f'<p class="note">{_e(text["generated"])}</p>',
        "<ol>" + "".join(f"<li>{_e(p)}</li>" for p in report.proposals) + "</ol>",
        '<table class="foot"><tr><td class="recipients">'
        f"<b>{_e(text['recipients'])}:</b><ul>"
        + "".join(f"<li>{_e(r)}</li>" for r in report.recipients)
        + "</ul></td>"
        f'<td class="sign">{_e(report.signer)}<br><span class="hint">{_e(text["signature"])}'
        "</span></td></tr></table>",
    ]
    title = f"{report.kind}: {report.subject}"
    return (
        f'<!DOCTYPE html>\n<html lang="{report.lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(b for b in body if b)
        + "\n</main>\n</body>\n</html>\n"
    )
