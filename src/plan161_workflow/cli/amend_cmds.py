"""``plan161 amend``: change a running plan's rules, after looking at what would change."""

from __future__ import annotations

import datetime as dt
import json

import attrs
import click

from plan161_workflow.cli.base import DATE, DB_OPTION, cli, open_engine, plural
from plan161_workflow.rules import load_rules

_KIND = {
    "due": "due date",
    "coordinating": "coordinating",
    "new": "new task",
    "withdrawn": "withdrawn",
}


@cli.command()
@DB_OPTION
@click.option(
    "--rules",
    "rules",
    required=True,
    type=click.Path(dir_okay=False),
    help="The amended rules file (or an amendment file with 'amends:').",
)
@click.option(
    "--scope",
    type=click.Choice(["open", "future"]),
    default="open",
    show_default=True,
    help="Change the open cycles, or only cycles opened later.",
)
@click.option("--dry-run", is_flag=True, help="List what would change; change nothing.")
@click.option(
    "--as-of",
    "as_of",
    type=DATE,
    help="Day on which 'becomes overdue' is judged (default: today).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the changes as JSON.")
def amend(
    db: str, rules: str, scope: str, dry_run: bool, as_of: dt.date | None, as_json: bool
) -> int:
    """Apply amended rules to a database: due dates, agencies, new or withdrawn tasks.

    Tasks whose report has arrived are never rewritten. Without --dry-run every change is
    applied in one transaction, with one event per task. With --dry-run the database is only
    read.
    """
    plan = load_rules(rules)
    with open_engine(db, read_only=dry_run) as eng:
        result = eng.amend(plan, scope=scope, dry_run=dry_run, as_of=as_of)
    if as_json:
        data = attrs.asdict(result)
        data["overdue_agencies"] = list(result.overdue_agencies)
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True))
        return 0
    live = [c for c in result.changes if not c.skipped]
    cycles = ", ".join(map(str, result.open_cycles))
    click.echo(
        f"rules {result.rules_hash[:16]} ({scope}): "
        f"{len(live)} task {plural(len(live), 'change')} "
        f"{'would be made' if dry_run else 'made'}"
        + (f" in the open cycle(s) {cycles}" if cycles else "; no cycle is open")
    )
    for c in result.changes:
        note = (
            " (finished: left as it is)"
            if c.skipped
            else (" -> becomes overdue" if c.becomes_overdue else "")
        )
        click.echo(
            f"  {c.task_id:<34} {_KIND[c.kind]:<13} {c.before or '-'} -> {c.after or '-'}{note}"
        )
    if result.overdue_agencies:
        click.echo("agencies that would become overdue: " + ", ".join(result.overdue_agencies))
    if dry_run:
        click.echo("nothing was changed (dry run)")
    return 0
