"""``plan161 status``, ``plan161 report``, ``plan161 calendar`` and ``plan161 diagram``."""

from __future__ import annotations

import datetime as dt
import json

import click

from plan161_workflow import DEFAULT_WORKFLOW
from plan161_workflow.cli.base import (
    DATE,
    DB_OPTION,
    OUTPUT,
    TEXT,
    cli,
    open_engine,
    parse_year_list,
    write_output,
)
from plan161_workflow.cli.params import YEAR
from plan161_workflow.clock import system_clock
from plan161_workflow.reporting.diagram import mermaid, svg
from plan161_workflow.reporting.ical import agency_calendar
from plan161_workflow.reporting.output import FORMATS, make_report
from plan161_workflow.reporting.status import status_data, status_text
from plan161_workflow.rules import load_rules

_YEAR = click.option("--year", required=True, type=YEAR, help="Reporting year.")
_LEVEL_HELP = (
    "A consolidation level of the rules (cap-xa): its members' tasks only, as its "
    "consolidator sees them. Default: the whole province."
)
_PERIOD_HELP = (
    "Reporting period of --year: a period id (2026S1, 2026Q2, 202606, 2026) or a period series "
    "with one period that year (the ids are in 'plan161 show RULES --json')."
)


@cli.command()
@DB_OPTION
@_YEAR
@click.option(
    "--as-of",
    "as_of",
    type=DATE,
    help="Show the cycle as recorded at the end of this day (default: today in Vietnam).",
)
@click.option("--period", type=TEXT, help=_PERIOD_HELP + " Default: every period of the year.")
@click.option("--level", type=TEXT, help=_LEVEL_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (sorted keys) for machines.")
def status(
    db: str,
    year: int,
    as_of: dt.date | None,
    period: str | None,
    level: str | None,
    as_json: bool,
) -> int:
    """The cycle of --year (of one --period) at a glance: tasks by state, rates, overdue
    agencies with days late.

    Everything is as recorded at the end of the --as-of day: a report that arrived later is not
    counted, a task not reported by then is overdue, and a task due after that day is not
    expected yet (out of the rates, counted as not due). The JSON depends only on the database,
    --period and --as-of: the same database gives identical output. Reads the database only.
    """
    day = as_of or system_clock().date()
    with open_engine(db, read_only=True) as engine:
        data = status_data(engine, year, day, period, level)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True))
    else:
        click.echo(status_text(data))
    return 0


@cli.command()
@DB_OPTION
@_YEAR
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="html",
    show_default=True,
    help="html: one self-contained page to print or open; md: Markdown; json: the data.",
)
@click.option(
    "-o", "--output", default="-", type=OUTPUT, help="Output file (default: standard output)."
)
@click.option(
    "--lang",
    type=click.Choice(["vi", "en"]),
    default="vi",
    show_default=True,
    help="Language of the labels and names: Vietnamese or English.",
)
@click.option(
    "--number",
    type=click.IntRange(min=1),
    help="Document number (default: the count of the year's consolidations).",
)
@click.option(
    "--symbol", type=TEXT, help="Issuing body's initials in the symbol (default: from its name)."
)
@click.option(
    "--date",
    "on",
    type=DATE,
    help="Report date (default: the latest consolidation's day, else today).",
)
@click.option(
    "--period",
    type=TEXT,
    help=_PERIOD_HELP + " Needed when the plan has several periods.",
)
@click.option("--level", type=TEXT, help=_LEVEL_HELP)
def report(
    db: str,
    year: int,
    period: str | None,
    level: str | None,
    fmt: str,
    output: str,
    lang: str,
    number: int | None,
    symbol: str | None,
    on: dt.date | None,
) -> int:
    """Write the consolidated report of --year (of its --period) as the consolidating agency
    sends it: that period's tasks, consolidations and waivers only.

    Reads the database only.
    """
    with open_engine(db, read_only=True) as engine:
        doc, text = make_report(
            engine,
            year,
            system_clock().date(),
            fmt=fmt,
            lang=lang,
            number=number,
            symbol=symbol,
            on=on,
            period=period,
            level=level,
        )
    write_output(output, text)
    if output != "-":
        click.echo(
            f"wrote {output}: {len(doc.units)} areas and duties, "
            f"{len(doc.late)} late, {len(doc.missing)} missing",
            err=True,
        )
    return 0


@cli.command()
@click.argument("rules", type=click.Path(dir_okay=False))
@click.option("--agency", required=True, type=TEXT, help="Agency code, e.g. so-ldtbxh.")
@click.option(
    "--years",
    "years_text",
    help="YEAR, FIRST-LAST or a comma list of them, e.g. 2023,2025 (default: all).",
)
@click.option(
    "-o",
    "--output",
    default="-",
    type=OUTPUT,
    help="The .ics file to write (default: standard output).",
)
def calendar(rules: str, agency: str, years_text: str | None, output: str) -> int:
    """Write every deadline of the agency given by --agency in the plan of RULES as iCalendar
    events with reminders.

    Agencies that cease (successors in RULES) are followed as the engine follows them: a
    deadline and its reminders go to the agency that holds the task on the day it falls, and the
    successor's event says whom it replaces ("thay ..."). An agency that has ceased by then gets
    none of it; the command says what passed to its successors."""
    plan = load_rules(rules)
    years = (
        parse_year_list(years_text, plan.info.years)
        if years_text is not None
        else list(plan.info.years)
    )
    result = agency_calendar(plan, agency, years, stamp=system_clock())
    write_output(output, result.calendar.to_ical())
    skipped = ", ".join(f"{u} ({y})" for y, u in result.skipped)
    ceased = plan.agency(agency).valid_to
    passed = ", ".join(f"{u} ({y}) to {h}" for y, u, h in result.handed_over)
    click.echo(
        f"wrote {result.events} events to {output}"
        + (f" ({result.inherited} in place of ceased agencies)" if result.inherited else "")
        + (f"; skipped {len(result.skipped)} without a deadline: {skipped}" if skipped else "")
        + (f"; {agency} ceased on {ceased}, passed to its successors: {passed}" if passed else ""),
        err=True,
    )
    if not result.events:
        contiguous = years == list(range(years[0], years[-1] + 1))
        shown = f"{years[0]}-{years[-1]}" if contiguous else ", ".join(map(str, years))
        shown = str(years[0]) if len(years) == 1 else shown
        if result.handed_over:
            holders = ", ".join(dict.fromkeys(h for _, _, h in result.handed_over))
            click.echo(
                f"note: {agency} ceased on {ceased}; its deadlines in {shown} are in the "
                f"calendars of {holders} (plan161 calendar {rules} --agency CODE); "
                "the calendar has no events",
                err=True,
            )
        else:
            click.echo(
                f"note: {agency} leads or coordinates no area or duty with a deadline in {shown}; "
                "the calendar has no events",
                err=True,
            )
    return 0


@cli.command()
@click.argument("rules", required=False, type=click.Path(dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["mermaid", "svg"]),
    default="mermaid",
    show_default=True,
    help="mermaid: text for Mermaid (Markdown, GitHub); svg: a standalone picture.",
)
@click.option(
    "-o", "--output", default="-", type=OUTPUT, help="Output file (default: standard output)."
)
def diagram(rules: str | None, fmt: str, output: str) -> int:
    """Draw the task workflow (the library's default, or that of RULES) as a state diagram."""
    if rules:
        plan = load_rules(rules)
        workflow, title = plan.workflow, f"{plan.info.title}: workflow"
    else:
        workflow, title = DEFAULT_WORKFLOW, "plan161 default workflow"
    text = mermaid(workflow, title) if fmt == "mermaid" else svg(workflow, title)
    write_output(output, text)
    return 0
