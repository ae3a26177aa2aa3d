"""Writing a consolidated report to a file, in one of its formats: the one place that does it."""

from __future__ import annotations

import datetime as dt
import json

from plan161_workflow.engine import Engine
from plan161_workflow.errors import PayloadError
from plan161_workflow.reporting.document import Report
from plan161_workflow.reporting.render_html import render_html
from plan161_workflow.reporting.render_md import render_md
from plan161_workflow.reporting.report import build_report, default_report_date, report_json

FORMATS = ("html", "md", "json")


def render_report(report: Report, fmt: str) -> str:
    """The report as HTML (one self-contained file), Markdown or JSON.

    Raises:
        PayloadError: an unknown format.
    """
    if fmt == "html":
        return render_html(report)
    if fmt == "md":
        return render_md(report)
    if fmt == "json":
        return json.dumps(report_json(report), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    raise PayloadError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")


def make_report(
    engine: Engine,
    year: int,
    today: dt.date,
    *,
    fmt: str = "html",
    lang: str = "vi",
    number: int | None = None,
    symbol: str | None = None,
    on: dt.date | None = None,
    period: str | None = None,
    level: str | None = None,
) -> tuple[Report, str]:
    """Build the consolidated report of ``year`` (of ``period``: see ``build_report``) and
    render it; ``on`` defaults to the day of the period's latest consolidation (``today`` when
    there is none: a draft)."""
    if period is not None:
        period = engine.period_named(year, period, f"the report of {year}").id
    day = on or default_report_date(engine, year, today, period, level)
    doc = build_report(
        engine, year, on=day, period=period, level=level, lang=lang, number=number, symbol=symbol
    )
    return doc, render_report(doc, fmt)
