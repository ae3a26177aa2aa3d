"""The command group every command module registers on."""

from __future__ import annotations

import click

DB_OPTION = click.option(
    "--db",
    "db",
    required=True,
    type=click.Path(dir_okay=False),
    help="The plan161 database file.",
)
"""The ``--db`` option of every command that works on a database."""

DATE = click.DateTime(formats=["%Y-%m-%d"])
"""A day written YYYY-MM-DD."""


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="plan161-workflow")
def cli() -> None:
    """Run a government plan: rules, reporting cycles, deadlines, history and reports."""


def parse_years(text: str, allowed: range | None = None) -> range:
    """``2023-2025`` or ``2024`` -> a range of years, inside ``allowed`` when given.

    Raises:
        click.BadParameter: not of that form, or outside ``allowed``.
    """
    first, _, last = text.partition("-")
    try:
        years = range(int(first), int(last or first) + 1)
    except ValueError:
        raise click.BadParameter(
            f"{text!r}: write a year (2024) or a range (2023-2025)", param_hint="--years"
        ) from None
    if not years:
        raise click.BadParameter(
            f"{text!r}: the first year is after the last", param_hint="--years"
        )
    if allowed is not None and (years.start < allowed.start or years.stop > allowed.stop):
        raise click.BadParameter(
            f"{text!r}: the plan's reporting years are {allowed.start}-{allowed.stop - 1}",
            param_hint="--years",
        )
    return years
