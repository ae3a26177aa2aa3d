"""The command group every command module registers on, and what the commands share: the
``--db`` option, opening a database, and writing an output file."""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import click

from plan161_workflow import is_sqlite_file
from plan161_workflow.cli.params import (
    Day,
    OutputFile,
    Text,
    parse_year_list,
    parse_years,
)
from plan161_workflow.engine import Engine
from plan161_workflow.errors import StoreError

__all__ = [
    "DATE",
    "DB_OPTION",
    "OUTPUT",
    "TEXT",
    "cli",
    "open_engine",
    "parse_year_list",
    "parse_years",
    "plural",
    "refuse_database",
    "write_output",
]

DB_OPTION = click.option(
    "--db",
    "db",
    required=True,
    type=click.Path(dir_okay=False),
    help="The plan161 database: a SQLite file, or a PostgreSQL URL (postgresql://...).",
)
"""The ``--db`` option of every command that works on a database."""

DATE = Day()
"""A day written YYYY-MM-DD (the value is a ``datetime.date``)."""

TEXT = Text()
"""Text, normalised to NFC."""

OUTPUT = OutputFile()
"""A file to write, or ``-`` for standard output."""


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="plan161-workflow")
def cli() -> None:
    """Run a government plan: rules, reporting cycles, deadlines, history and reports."""


def open_engine(db: str, *, read_only: bool) -> Engine:
    """Open the database of ``--db`` (a file or a PostgreSQL URL); ``read_only`` never writes
    to it (``Engine.open``).

    Raises:
        StoreError: the file is missing or empty (the message says how to create a database),
            the server holds no plan161 database there, or it cannot be used.
    """
    if db.startswith(("postgresql://", "postgres://")):
        return Engine.open(db, read_only=read_only)  # the store says what is missing there
    path = Path(db)
    quoted = shlex.quote(db)
    create = (
        f"plan161 init --rules RULES --db {quoted} (or, for invented data to try the "
        f"commands on, plan161 simulate RULES --db {quoted})"
    )
    if not path.exists():
        raise StoreError(f"{db} does not exist; create a database with: {create}")
    if path.is_file() and path.stat().st_size == 0:
        raise StoreError(
            f"{db} is empty (0 bytes): not a plan161 database; it was left as it is. "
            f"Remove it, then create a database with: {create}"
        )
    return Engine.open(db, read_only=read_only)


def refuse_database(path: str) -> None:
    """Raises ``click.ClickException`` if ``path`` is a SQLite database (never written over)."""
    if is_sqlite_file(path):
        raise click.ClickException(
            f"{path} is a SQLite database; it was left as it is: write to another file"
        )


def write_output(path: str, data: str | bytes) -> None:
    """Write ``data`` (text as UTF-8) to ``path``, or to standard output for ``-``.

    The file is written whole or not at all: under a temporary name beside it, then renamed, so
    a full disk or an interrupted run leaves the previous file as it was. A database is never
    written over.

    Raises:
        click.ClickException: the file is a SQLite database, or could not be written (the
            reason, not a raw errno).
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if path == "-":
        click.echo(raw, nl=False)
        return
    target = Path(path)
    refuse_database(path)
    # A device or a pipe (/dev/stdout, a FIFO) is written as it is: it cannot be replaced.
    special = target.exists() and not target.is_file()
    partial = target if special else target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)  # as --db creates its folder
        with partial.open("wb" if special else "xb") as out:
            out.write(raw)
            out.flush()
            if not special:
                os.fsync(out.fileno())
        if not special:
            os.replace(partial, target)
    except OSError as exc:
        if not special:
            partial.unlink(missing_ok=True)
        reason = exc.strerror or type(exc).__name__
        raise click.ClickException(
            f"cannot write {path}: {reason.lower()}; the previous file, if any, is unchanged"
        ) from exc
    except BaseException:
        if not special:
            partial.unlink(missing_ok=True)
        raise


def plural(count: int, word: str) -> str:
    """``word`` as it goes after ``count``: ``day`` after 1 or -1, ``days`` otherwise."""
    return word if abs(count) == 1 else word + "s"
