"""The ``plan161`` command: argument parsing and printing only; every command calls the public API.

Each group of commands lives in its own module and registers itself on ``cli``. ``main`` turns
every ``Plan161Error`` into a message on stderr and exit status 1, and any other failure into a
short report with exit status 2: never a raw traceback.
"""

from __future__ import annotations

import sys

import click

from plan161_workflow.cli import (  # noqa: F401  (registers commands)
    amend_cmds,
    notice_cmds,
    operate_cmds,
    report_cmds,
    rules_cmds,
    serve_cmds,
    sim_cmds,
    store_cmds,
    verify_cmds,
)
from plan161_workflow.cli.base import cli
from plan161_workflow.cli.terminal import shown_streams
from plan161_workflow.errors import Plan161Error

__all__ = ["cli", "main"]


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit status. Everything it prints shows control characters
    (``cli.terminal``): a text from a database or a rules file cannot drive the terminal."""
    with shown_streams():
        return _run(argv)


def _run(argv: list[str] | None) -> int:
    try:
        result = cli.main(args=argv, prog_name="plan161", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.Abort:
        click.echo("aborted", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except Plan161Error as exc:
        click.echo(f"error: {exc}", err=True)
        return 1
    except OSError as exc:  # a file named on the command line: say which and why, not errno
        where = f"{exc.filename}: " if exc.filename is not None else ""
        click.echo(f"error: {where}{(exc.strerror or str(exc)).lower()}", err=True)
        return 1
    except ValueError as exc:  # a value given on the command line the library refused
        click.echo(f"error: {exc}", err=True)
        return 1
    except Exception as exc:
        click.echo(f"internal error: {type(exc).__name__}: {exc}; please report it", err=True)
        return 2
    return int(result or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
