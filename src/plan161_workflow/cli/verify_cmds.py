"""``plan161 verify`` and ``plan161 head``: a verdict on any file, and the anchor to keep
elsewhere."""

from __future__ import annotations

import json

import click

from plan161_workflow import PayloadError, StoreError, database_head, verify_database
from plan161_workflow.cli.base import cli
from plan161_workflow.cli.params import Whole

CANNOT_READ = 5
"""``plan161 verify``'s exit status when this process cannot read the file at all, or the
PostgreSQL server cannot be reached."""

_DB = click.option(
    "--db",
    "db",
    required=True,
    type=click.Path(dir_okay=True),
    help="The database: any file (verify says what it is), or a PostgreSQL URL (postgresql://...).",
)


@cli.command()
@_DB
@click.option(
    "--expect-head",
    help="An anchor kept elsewhere: HEAD:COUNT as 'plan161 head' prints it (event COUNT must "
    "still have hash HEAD), or a head hash alone, its first 16 or more hex "
    "digits as verify prints them, or all 64 (some event must still have it).",
)
@click.option(
    "--expect-count",
    type=Whole(1, 2**63 - 1, what="a number of events"),
    help="The number of events the database held when the anchor was taken: fewer now means "
    "events were removed from the end.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def verify(db: str, expect_head: str | None, expect_count: int | None, as_json: bool) -> int:
    """Judge a database (any file, or a PostgreSQL database): recompute the hash chain, check that
    each task's events follow on, replay every task and check the rules, cycle, consolidation
    and request rows.

    One line starting with the verdict, and the exit status: 0 intact; 1 tampered (naming the
    first event changed, inserted or removed and every row that disagrees with its history);
    3 corrupt (SQLite cannot read the file whole); 4 not a plan161 database (missing, empty,
    not SQLite, another program's, or a newer schema); 2 a usage error; 5 the file cannot be
    read here at all (permissions) or the PostgreSQL server cannot be reached: no verdict.
    Reads the database only.
    """
    try:
        report = verify_database(db, expect_head, expect_count)  # the anchor is checked first
    except PayloadError as exc:
        raise click.BadParameter(
            str(exc).removeprefix("expect_head "), param_hint="'--expect-head'"
        ) from None
    except StoreError as exc:  # this process cannot read the database: no verdict on it
        click.echo(f"error: {exc}", err=True)
        return CANNOT_READ
    click.echo(report.to_json() if as_json else report.summary())
    return report.exit_status


@cli.command()
@_DB
@click.option("--json", "as_json", is_flag=True, help="Print head, events and time as JSON.")
def head(db: str, as_json: bool) -> int:
    """Print the anchor of the history: its last hash, a colon and how many events it closes
    (head:count), to publish or sign and give back later to 'verify --expect-head'.

    Verify the database first: an anchor only proves what it closes. Reads the database only.
    """
    anchor = database_head(db)
    if as_json:
        click.echo(json.dumps({"head": anchor.head, "events": anchor.events, "at": anchor.at}))
    else:
        click.echo(str(anchor))
    return 0
