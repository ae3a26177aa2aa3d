"""``plan161 changes`` and ``plan161 backup``: the database's change feed and consistent copies
(``verify`` and ``head`` are in ``verify_cmds``)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from plan161_workflow import SQLITE_MAX, copy_database
from plan161_workflow.cli.base import DB_OPTION, cli, open_engine
from plan161_workflow.cli.params import OutputFile, Whole


@cli.command()
@DB_OPTION
@click.option(
    "--after",
    default=0,
    show_default=True,
    type=Whole(0, SQLITE_MAX, what="a sequence number"),
    help="Cursor: list the changes after this sequence number.",
)
@click.option(
    "--limit",
    default=100,
    show_default=True,
    type=Whole(1, SQLITE_MAX, what="a count"),
    help="At most this many changes.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="One JSON object per line (docs/change-feed.schema.json).",
)
def changes(db: str, after: int, limit: int, as_json: bool) -> int:
    """List committed changes in commit order, to poll and resume from the last cursor.

    Reads the database only.
    """
    with open_engine(db, read_only=True) as eng:
        entries = eng.changes(after=after, limit=limit)
    for entry in entries:
        if as_json:
            click.echo(json.dumps(entry.to_json(), ensure_ascii=False, sort_keys=True))
        else:
            click.echo(
                f"{entry.seq:>8}  {entry.at:%Y-%m-%d %H:%M}  {entry.actor:<18} "
                f"{entry.trigger:<12} {entry.task_id}  {entry.from_state or '-'} -> "
                f"{entry.to_state or '-'}"
            )
    return 0


@cli.command()
@DB_OPTION
@click.option(
    "--to",
    "target",
    required=True,
    type=OutputFile(dash=False),
    help="Where to write the copy (must not exist).",
)
def backup(db: str, target: str) -> int:
    """Take a consistent copy of the database while writers run, then verify the copy.

    Reads the database only.
    """
    with open_engine(db, read_only=True) as eng:
        Path(target).parent.mkdir(parents=True, exist_ok=True)  # as every output's folder
        eng.backup(target)
    with open_engine(target, read_only=True) as copy:
        report = copy.verify()
    click.echo(f"backup written to {target}: {report.summary()}")
    return 0 if report.ok else 1


@cli.command(name="copy")
@click.option(
    "--from",
    "source",
    required=True,
    help="The database to copy: a SQLite file or a PostgreSQL URL (only read).",
)
@click.option(
    "--to",
    "target",
    required=True,
    help="Where to copy it: a new SQLite file, or a PostgreSQL URL of an empty database or schema.",
)
def copy_cmd(source: str, target: str) -> int:
    """Copy a plan161 database to another, between SQLite and PostgreSQL either way.

    The source is read as one snapshot (writers may go on) and never changed; the target gets
    every row in one transaction and must then verify intact with the same head as the source,
    or nothing is kept. Prints the rows copied and the head both give.
    """
    if source == target:
        raise click.UsageError("--from and --to are the same database; give another --to")
    copied = copy_database(source, target)
    rows = ", ".join(f"{n} {table}" for table, n in copied.rows.items())
    head = f"{copied.head[0]} {copied.head[1][:16]}" if copied.head else "none (no events)"
    click.echo(f"copied {rows}")
    click.echo(f"head: {head} (the same on both; plan161 verify --db ... to check again)")
    return 0
