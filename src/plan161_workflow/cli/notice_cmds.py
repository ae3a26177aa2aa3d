"""``plan161 notices``: the reminders and escalations due on a day (for a nightly job)."""

from __future__ import annotations

import datetime as dt
import json

import attrs
import click

from plan161_workflow.cli.base import DATE, DB_OPTION, cli, open_engine
from plan161_workflow.clock import system_clock, today
from plan161_workflow.reporting.labels import day_count


@cli.command()
@DB_OPTION
@click.option(
    "--as-of",
    "as_of",
    type=DATE,
    help="The day, read as recorded at the end of it (default: today in Vietnam).",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per notice and line.")
def notices(db: str, as_of: dt.date | None, as_json: bool) -> int:
    """List the reminders (before a due date) and escalations (after it) due on a day, for tasks
    whose report had not arrived by the end of that day (the record as it stood then: a report
    that arrived later does not hide a notice of that day). Run nightly without --as-of, it
    first passes the open tasks of agencies that have ceased to their successors
    (Engine.apply_succession); with --as-of it reads the database only."""
    day = as_of or today(system_clock())
    with open_engine(db, read_only=as_of is not None) as eng:
        if as_of is None:
            eng.apply_succession()
        found = eng.notices(day)
    for n in found:
        if as_json:
            data = {
                k: (v.isoformat() if isinstance(v, dt.date) else v)
                for k, v in attrs.asdict(n).items()
            }
            click.echo(
                json.dumps(
                    {**data, "escalation": n.is_escalation}, ensure_ascii=False, sort_keys=True
                )
            )
        else:
            kind = "escalation" if n.is_escalation else "reminder"
            click.echo(
                f"{n.on}  {kind:<10} to {n.to:<18} {n.task_id} (due {n.due}; "
                f"{day_count(n.days, n.day_unit, 'en')} {'after' if n.days > 0 else 'before'}, "
                f"held by {n.agency})"
            )
    if not as_json:
        click.echo(f"{len(found)} notice(s) on {day}")
    return 0
