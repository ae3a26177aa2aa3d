"""The command group every command module registers on."""

from __future__ import annotations

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="plan161-workflow")
def cli() -> None:
    """Run a government plan: rules, reporting cycles, deadlines, history and reports."""
