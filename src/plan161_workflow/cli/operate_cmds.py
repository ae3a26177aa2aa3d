"""The operator's commands: run a real reporting cycle on a database, step by step.

``init`` creates a database from a rules file; ``open-cycle`` opens a year; ``fire`` moves one
task (start, submit, send back, comment, ...); ``consolidate``, ``evaluate`` and ``close-cycle``
act on a whole cycle; ``tasks`` and ``history`` read. Every change is made by the agency given
with ``--as`` and recorded in the history as the library records any call, refusals included.
The commands run on the system clock (today in Vietnam).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import attrs
import click

from plan161_workflow import ConsolidationError, Engine, Event, Task, load_rules
from plan161_workflow.cli.base import DB_OPTION, TEXT, cli, open_engine, plural
from plan161_workflow.cli.params import YEAR, Indicator

_AS = click.option(
    "--as",
    "actor",
    required=True,
    type=TEXT,
    help="The agency acting (its code in the rules), recorded as the change's actor.",
)
_YEAR = click.option("--year", required=True, type=YEAR, help="Reporting year.")


@cli.command()
@click.option(
    "--rules",
    required=True,
    type=click.Path(dir_okay=False),
    help="The rules file of the plan (plan161 validate checks it).",
)
@DB_OPTION
def init(rules: str, db: str) -> int:
    """Create a new database for the plan of --rules: the start of real work.

    The database holds the rules (later changes go through plan161 amend). An existing file
    is never replaced. Next: plan161 open-cycle with the year to open.
    """
    plan = load_rules(rules)
    if db == "-":
        raise click.UsageError("--db - : a database cannot go to standard output; give a file")
    path = Path(db)
    if path.exists():
        raise click.ClickException(
            f"{db} exists; it was left as it is. init creates a new database: give a new file "
            f"(to change the rules of this one, use plan161 amend --db {db})"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    # Created under another name and renamed once whole: never a database without its rules.
    partial = path.with_name(f".{path.name}.{os.getpid()}.init")
    try:
        Engine(plan, db=partial).close()
        os.replace(partial, path)
    finally:
        for leftover in (partial, *(Path(f"{partial}{s}") for s in ("-wal", "-shm"))):
            leftover.unlink(missing_ok=True)
    first, last = plan.info.first_year, plan.info.last_year
    click.echo(f"created {db}: {plan.info.title} ({first}-{last})")
    click.echo(f"next: plan161 open-cycle --db {db} --year {first}")
    return 0


@cli.command(name="open-cycle")
@DB_OPTION
@_YEAR
def open_cycle(db: str, year: int) -> int:
    """Open the reporting cycle of --year: create its tasks with their deadlines.

    Opening a year again creates only missing tasks and changes none.
    """
    with open_engine(db, read_only=False) as eng:
        before = len(eng.tasks(year=year))
        tasks = eng.open_cycle(year)
    created = len(tasks) - before
    click.echo(
        f"cycle {year} open: {len(tasks)} {plural(len(tasks), 'task')} "
        f"({created} created now); list them with plan161 tasks --db {db} --year {year}"
    )
    return 0


def _report(
    summary: str | None, indicators: tuple[tuple[str, str], ...], attach: tuple[str, ...]
) -> dict[str, Any] | None:
    """The report of ``submit`` from the options; ``None`` when no report option was given."""
    if summary is None and not indicators and not attach:
        return None
    names = [name for name, _ in indicators]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise click.BadParameter(
            f"{', '.join(twice)} given more than once; give each indicator once",
            param_hint="--indicator",
        )
    report: dict[str, Any] = {"indicators": dict(indicators), "attachments": list(attach)}
    if summary is not None:
        report["summary"] = summary
    return report


@cli.command()
@click.argument("task_id", metavar="TASK", type=TEXT)
@click.argument("trigger", type=TEXT)
@DB_OPTION
@_AS
@click.option("--summary", type=TEXT, help="The report's summary (submit).")
@click.option(
    "--indicator",
    "indicators",
    multiple=True,
    type=Indicator(),
    help="An indicator of the report, NAME=VALUE (submit); repeat for more.",
)
@click.option(
    "--attach",
    multiple=True,
    type=TEXT,
    help="A reference to an attached document (submit); repeat for more.",
)
@click.option("--reason", type=TEXT, help="Why the report goes back (send_back).")
@click.option("--rating", type=TEXT, help="The rating given (evaluate), e.g. hoan-thanh.")
@click.option("--text", type=TEXT, help="The text of a contribution or comment.")
@click.option("--to", "agency", type=TEXT, help="The agency a task is handed to (reassign).")
@click.option(
    "--expected-version",
    type=click.IntRange(min=1),
    help="Refuse the change if the task's version is no longer this (read with tasks --json).",
)
@click.option(
    "--request-id",
    type=TEXT,
    help="A unique id for this request: repeating the command with it changes nothing.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the task afterwards as JSON.")
def fire(
    task_id: str,
    trigger: str,
    db: str,
    actor: str,
    summary: str | None,
    indicators: tuple[tuple[str, str], ...],
    attach: tuple[str, ...],
    reason: str | None,
    rating: str | None,
    text: str | None,
    agency: str | None,
    expected_version: int | None,
    request_id: str | None,
    as_json: bool,
) -> int:
    """Fire TRIGGER on TASK as agency --as: start, submit, send_back, evaluate, comment, ...

    The triggers and who may fire them are the workflow's (plan161 diagram). A refused
    request is recorded in the task's history and changes nothing (exit status 1).
    """
    with open_engine(db, read_only=False) as eng:
        task = eng.fire(
            task_id,
            trigger,
            actor=actor,
            report=_report(summary, indicators, attach),
            reason=reason,
            rating=rating,
            text=text,
            agency=agency,
            expected_version=expected_version,
            request_id=request_id,
        )
    if as_json:
        click.echo(_dumps(_task_json(task)))
    else:
        click.echo(f"{task.id}: {task.state} (version {task.version}, {task.agency})")
    return 0


@cli.command()
@DB_OPTION
@_YEAR
@_AS
@click.option(
    "--waive",
    multiple=True,
    type=TEXT,
    help="An agency whose missing reports are waived; repeat for more.",
)
@click.option(
    "--waive-missing",
    is_flag=True,
    help="Waive every agency whose report is still missing (they are listed).",
)
@click.option(
    "--period",
    type=TEXT,
    help="The period consolidated: an id (2026S1, 2026) or a series with one period that "
    "year; needed when the plan has several.",
)
@click.option(
    "--level",
    type=TEXT,
    help="A consolidation level of the rules (cap-xa): consolidate its members' reports as "
    "its consolidator. Default: the province's consolidation of the rest.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the consolidation record as JSON.")
def consolidate(
    db: str,
    year: int,
    actor: str,
    waive: tuple[str, ...],
    waive_missing: bool,
    period: str | None,
    level: str | None,
    as_json: bool,
) -> int:
    """Consolidate every reported task of --year (of one --period, of one --level), as the
    consolidating agency (--as).

    Refused, changing nothing, while due reports are missing from agencies not waived: the
    message lists them.
    """
    with open_engine(db, read_only=False) as eng:
        waived = set(waive)
        if waive_missing:
            missing = eng.consolidation_candidates(year, period, level=level)[1]
            waived |= {t.agency for t in missing}
        try:
            record = eng.consolidate(year, period, actor=actor, waive=sorted(waived), level=level)
        except ConsolidationError as exc:
            agencies = sorted({agency for _, agency in exc.missing})
            raise _cli_refusal(exc, agencies) from None
    if as_json:
        click.echo(_dumps(record.to_json()))
        return 0
    tasks, waived_list = record.tasks, record.waived
    click.echo(
        f"consolidated {record.label or year}"
        + (f" ({record.level})" if record.level else "")
        + f": {len(tasks)} {plural(len(tasks), 'task')}"
        + (f"; waived: {', '.join(waived_list)}" if waived_list else "")
        + f"; to: {', '.join(record.recipients)}"
    )
    return 0


def _cli_refusal(exc: ConsolidationError, agencies: list[str]) -> click.ClickException:
    """The refusal of ``consolidate`` worded for the command line (``--waive``)."""
    first = str(exc).split("; wait for them", 1)[0]
    return click.ClickException(
        f"{first}; wait for them, or waive them with "
        + " ".join(f"--waive {a}" for a in agencies)
        + " (or --waive-missing). The refusal is recorded; nothing was consolidated"
    )


@cli.command()
@DB_OPTION
@_YEAR
@_AS
@click.option("--rating", required=True, type=TEXT, help="The rating given, e.g. hoan-thanh.")
@click.argument("task", nargs=-1, type=TEXT)
def evaluate(db: str, year: int, actor: str, rating: str, task: tuple[str, ...]) -> int:
    """Evaluate the consolidated tasks of --year (or only the TASKs named) with --rating.

    Each task is evaluated by its own recorded change, as plan161 fire TASK evaluate would;
    the first refusal stops the command (the tasks evaluated before it stay evaluated).
    """
    with open_engine(db, read_only=False) as eng:
        book = eng.cycle_book(year)  # the workflow the cycle of that year follows
        trigger = book.evaluation
        if trigger is None:
            final = book.plan.workflow.final
            raise click.ClickException(f"the workflow has no trigger leading to {final!r}")
        if task:
            chosen = [eng.task(i) for i in task]
            other = [t.id for t in chosen if t.year != year]
            if other:
                raise click.BadParameter(f"{', '.join(other)} not of {year}", param_hint="TASK")
        else:
            chosen = [t for t in eng.tasks(year=year) if t.state in trigger.source]
            if not chosen:
                raise click.ClickException(
                    f"no task of {year} is {' or '.join(trigger.source)}: consolidate first "
                    f"(plan161 consolidate --db {db} --year {year} --as ...)"
                )
        for one in chosen:
            eng.fire(one.id, trigger.trigger, actor=actor, rating=rating)
    click.echo(f"evaluated {len(chosen)} {plural(len(chosen), 'task')} of {year}: {rating}")
    return 0


@cli.command(name="close-cycle")
@DB_OPTION
@_YEAR
@_AS
def close_cycle(db: str, year: int, actor: str) -> int:
    """Close the cycle of --year: no task of it can change afterwards."""
    with open_engine(db, read_only=False) as eng:
        eng.close_cycle(year, actor=actor)
    click.echo(f"cycle {year} closed")
    return 0


@cli.command()
@DB_OPTION
@click.option("--year", type=YEAR, help="Only tasks of this year.")
@click.option("--state", type=TEXT, help="Only tasks in this state.")
@click.option("--agency", type=TEXT, help="Only tasks held by this agency.")
@click.option("--area", type=TEXT, help="Only the tasks of this content area (its id).")
@click.option("--duty", type=TEXT, help="Only the tasks of this duty (its id).")
@click.option("--json", "as_json", is_flag=True, help="A JSON list of the tasks.")
def tasks(
    db: str,
    year: int | None,
    state: str | None,
    agency: str | None,
    area: str | None,
    duty: str | None,
    as_json: bool,
) -> int:
    """List tasks matching every filter given, by year and id. Reads the database only."""
    with open_engine(db, read_only=True) as eng:
        found = eng.tasks(year=year, state=state, agency=agency, area=area, duty=duty)
    if as_json:
        click.echo(_dumps([_task_json(t) for t in found]))
        return 0
    for t in found:
        due = t.due.isoformat() if t.due else "-"
        click.echo(f"{t.id:<28} {t.state:<13} {due:<10}  v{t.version:<3} {t.agency}")
    click.echo(f"{len(found)} {plural(len(found), 'task')}", err=True)
    return 0


@cli.command()
@click.argument("task_id", metavar="TASK", type=TEXT)
@DB_OPTION
@click.option("--json", "as_json", is_flag=True, help="A JSON list of the events.")
def history(task_id: str, db: str, as_json: bool) -> int:
    """The history of TASK (or of a cycle: cycle/2024), oldest first, refusals included.

    Reads the database only.
    """
    with open_engine(db, read_only=True) as eng:
        events = eng.history(task_id)
    if as_json:
        click.echo(_dumps([_event_json(e) for e in events]))
        return 0
    for e in events:
        move = f"{e.from_state or '-'} -> {e.to_state or '-'}"
        note = "" if e.outcome == "applied" else f"  REFUSED: {e.payload.get('message', '')}"
        click.echo(f"{e.seq:>6}  {e.at:%Y-%m-%d %H:%M}  {e.actor:<14} {e.trigger:<12} {move}{note}")
    return 0


def _plain(value: Any) -> Any:
    """A value as JSON holds it: days and times in ISO 8601, tuples as lists."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _task_json(task: Task) -> dict[str, Any]:
    return {k: _plain(v) for k, v in attrs.asdict(task, recurse=False).items()}


def _event_json(event: Event) -> dict[str, Any]:
    return {k: _plain(v) for k, v in attrs.asdict(event, recurse=False).items()}


def _dumps(data: object) -> str:
    return json.dumps(_plain(data), ensure_ascii=False, indent=2, sort_keys=True)
