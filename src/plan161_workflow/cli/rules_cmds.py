"""``plan161 validate`` and ``plan161 show``."""

from __future__ import annotations

import json

import click

from plan161_workflow.cli.base import cli
from plan161_workflow.errors import RulesError
from plan161_workflow.reporting.plan_view import plan_json, plan_text
from plan161_workflow.rules import load_rules


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def validate(files: tuple[str, ...]) -> int:
    """Check rules FILES; print one line per problem as file:line:col: message.

    Exit status 0 when every file is valid, 1 otherwise.
    """
    failed = 0
    for name in files:
        try:
            plan = load_rules(name)
        except RulesError as exc:
            failed += 1
            for problem in exc.problems:
                click.echo(str(problem))
            continue
        tasks = sum(len(plan.expand(a.lead)) for a in plan.areas)
        click.echo(
            f"{name}: valid: {len(plan.areas)} areas, {tasks} area tasks a year, "
            f"{len(plan.duties)} duties, {len(plan.agencies)} agencies"
        )
    return 1 if failed else 0


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the resolved plan as JSON.")
def show(file: str, as_json: bool) -> int:
    """Summarise the plan in rules FILE: areas, leads, coordinators, duties, deadlines per year."""
    plan = load_rules(file)
    if as_json:
        click.echo(json.dumps(plan_json(plan), ensure_ascii=False, indent=2))
    else:
        click.echo(plan_text(plan))
    return 0
