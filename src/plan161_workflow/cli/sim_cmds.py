"""``plan161 simulate``: whole reporting cycles on a simulated clock."""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import attrs
import click

from plan161_workflow import (
    WorkingCalendar,
    check_replaceable,
    discard_files,
    plan_tasks,
    remove_database,
)
from plan161_workflow.cli.base import cli, parse_years, refuse_database, write_output
from plan161_workflow.cli.params import OutputFile
from plan161_workflow.clock import FakeClock, today
from plan161_workflow.engine import Engine
from plan161_workflow.engine.transfer import copy_database, redact
from plan161_workflow.errors import StoreError
from plan161_workflow.reporting.output import make_report
from plan161_workflow.reporting.report import yearly_period
from plan161_workflow.rules import load_rules
from plan161_workflow.simulate import SimulationParams, simulate

_SHOWN_DB = "plan161.shown_db"
"""``ctx.meta`` key: the database name to print, when the simulation's file is not the target."""


@cli.command(name="simulate")
@click.argument("rules", type=click.Path(dir_okay=False))
@click.option(
    "--db",
    required=True,
    type=click.Path(dir_okay=False),
    help="Database file to create (must not exist), or a PostgreSQL URL of an empty database "
    "or schema (the simulation is copied there whole).",
)
@click.option("--years", default=None, help="Years to simulate, e.g. 2023-2025 (default: all).")
@click.option("--seed", default=161, show_default=True, help="Same seed, same database.")
@click.option(
    "--late-share",
    type=click.FloatRange(0, 1),
    default=None,
    help="Share of reports arriving late (every agency kind).",
)
@click.option(
    "--no-show-share",
    type=click.FloatRange(0, 1),
    default=None,
    help="Share of reports never arriving (every agency kind).",
)
@click.option(
    "--send-back-share",
    type=click.FloatRange(0, 1),
    default=0.1,
    show_default=True,
    help="Share of reports sent back for revision.",
)
@click.option(
    "--report",
    type=OutputFile(dash=False),
    help="Where to write the last year's report (default: beside the database); an existing "
    "file is replaced only with --replace, and never a database.",
)
@click.option(
    "--replace",
    is_flag=True,
    help="Replace the database if it exists (only a plan161 database is replaced).",
)
def simulate_cmd(
    rules: str,
    db: str,
    years: str | None,
    seed: int,
    late_share: float | None,
    no_show_share: float | None,
    send_back_share: float,
    report: str | None,
    replace: bool,
) -> int:
    """Simulate the reporting cycles of RULES into a new database, print a summary and write
    the consolidated report of the last year (HTML).

    The simulation follows the workflow of the rules, whatever its trigger names. On time, late
    and missing count the tasks with a due date, as the report does; "no deadline" the others;
    "refused" counts the requests the engine refused (each is recorded in the history)."""
    plan = load_rules(rules)
    span = parse_years(years, plan.info.years) if years is not None else plan.info.years
    if db.startswith(("postgresql://", "postgres://")):
        return _simulate_to_server(rules, db, years, report, replace)
    if db == "-":
        raise click.UsageError("--db - : a database cannot go to standard output; give a file")
    if Path(db).exists() and not replace:
        raise StoreError(f"{db} exists; simulate into a new file, or pass --replace")
    check_replaceable(db)  # before simulating: a file that is not ours is never replaced
    target = report or str(Path(db).with_suffix("")) + f"-bao-cao-{span[-1]}.html"
    if Path(target).absolute() == Path(db).absolute():
        raise click.UsageError(f"--report {target} is the database itself; give another file")
    refuse_database(target)
    if Path(target).exists() and not replace:
        raise StoreError(f"{target} exists; write the report to a new file, or pass --replace")
    params = SimulationParams(seed=seed, send_back_share=send_back_share)
    if late_share is not None or no_show_share is not None:
        params = _override(params, late_share, no_show_share)
    Path(db).parent.mkdir(parents=True, exist_ok=True)
    # Written under another name and renamed once complete: an interrupted run leaves neither
    # a half-written database nor a lost one it was to replace.
    partial = Path(db).with_name(Path(db).name + ".partial")
    discard_files(partial)  # left by a run that was killed outright
    clock = FakeClock(dt.date(span.start, 1, 2))
    try:
        with Engine(plan, db=partial, clock=clock) as eng:
            calendar = WorkingCalendar(plan.calendar, span)
            expected = sum(len(plan_tasks(plan, y, calendar)) for y in span) * 4
            progress: Any = click.progressbar(length=expected, label="simulating", file=sys.stderr)
            with progress as bar:
                summaries = simulate(eng, clock, span, params, progress=lambda n: bar.update(n))
            period = yearly_period(eng, span[-1])  # the year's report, in a plan of periods
            _, html = make_report(eng, span[-1], today(clock.now), period=period)
        remove_database(db)
        os.replace(partial, db)
    except BaseException:
        discard_files(partial)
        raise
    write_output(target, html)
    header = (
        f"{'year':<6}{'tasks':>6}{'on time':>9}{'late':>6}{'missing':>9}{'no deadline':>13}"
        f"{'sent back':>11}{'evaluated':>11}{'refused':>9}  consolidator"
    )
    click.echo(header)
    for s in summaries:
        click.echo(
            f"{s.year:<6}{s.tasks:>6}{s.on_time:>9}{s.late:>6}{s.missing:>9}{s.no_deadline:>13}"
            f"{s.sent_back:>11}{s.evaluated:>11}{s.refused:>9}  {s.consolidator}"
        )
    shown = click.get_current_context().meta.get(_SHOWN_DB, db)
    click.echo(f"database: {shown}  (plan161 status --db {shown} --year {span[-1]})")
    click.echo(f"report:   {target}  (open it in a browser)")
    return 0


def _simulate_to_server(
    rules: str, url: str, years: str | None, report: str | None, replace: bool
) -> int:
    """``simulate`` into a PostgreSQL database: into a new SQLite file first, then copied there
    whole in one transaction (``copy_database``), so an interrupted run leaves it empty."""
    if replace:
        raise click.UsageError(
            "--replace works on files only: a PostgreSQL database is never dropped; give an "
            "empty database or schema"
        )
    with tempfile.TemporaryDirectory(prefix="plan161-") as folder:
        local = str(Path(folder) / "simulated.db")
        plan = load_rules(rules)
        last = parse_years(years, plan.info.years)[-1] if years else plan.info.years[-1]
        target = report or f"bao-cao-{last}.html"
        ctx = click.get_current_context()
        ctx.meta[_SHOWN_DB] = redact(url)
        ctx.invoke(
            simulate_cmd,
            rules=rules,
            db=local,
            years=years,
            seed=ctx.params["seed"],
            late_share=ctx.params["late_share"],
            no_show_share=ctx.params["no_show_share"],
            send_back_share=ctx.params["send_back_share"],
            report=target,
            replace=False,
        )
        copied = copy_database(local, url)
    click.echo(
        f"copied to {redact(url)}: {copied.rows['events']} events, head "
        f"{copied.head[1][:16] if copied.head else '-'}"
    )
    return 0


def _override(
    params: SimulationParams, late: float | None, no_show: float | None
) -> SimulationParams:
    pairs = (("late_share", late), ("no_show_share", no_show))
    updates: dict[str, Any] = {k: v for k, v in pairs if v is not None}
    return attrs.evolve(
        params,
        default=attrs.evolve(params.default, **updates),
        behaviour={k: attrs.evolve(v, **updates) for k, v in params.behaviour.items()},
    )
