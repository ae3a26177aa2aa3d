"""What the command line accepts: days, years, text and output files, checked before any work.

A bad value is a usage error (exit status 2) that names the option, shows what was given and
says what to write instead. Text is normalised to NFC, so a name typed in decomposed form (NFD,
as some keyboards and macOS file names give it) is the same text as in the rules and reports.
"""

from __future__ import annotations

import calendar
import datetime as dt
import os
import re
import unicodedata
from pathlib import Path

import click

from plan161_workflow import FIRST_YEAR, LAST_YEAR


class Whole(click.ParamType[int]):
    """A whole number from ``minimum`` (up to ``maximum`` when given), in plain words.

    click's ``IntRange`` says "not a valid integer range" and prints an unbounded range as
    ``1<=x<=9223372036854775807``; this says what to write instead.
    """

    name = "integer"

    def __init__(self, minimum: int, maximum: int | None = None, *, what: str = "a number") -> None:
        self.minimum = minimum
        self.maximum = maximum
        self.what = what

    def _bounds(self) -> str:
        if self.maximum is None or self.maximum >= 2**31:  # a storage bound, not a rule
            return f"{self.minimum} or more"
        return f"from {self.minimum} to {self.maximum}"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        else:
            text = str(value).strip()
            if not re.fullmatch(r"[+-]?[0-9]+", text):
                self.fail(f"{text!r} is not {self.what}: write {self._bounds()}", param, ctx)
            number = int(text)
        if number < self.minimum:
            self.fail(f"{number} is out of range: write {self._bounds()}", param, ctx)
        if self.maximum is not None and number > self.maximum:
            self.fail(f"{number} is too large: at most {self.maximum}", param, ctx)
        return number

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        return "YEAR" if self.what == "a year" else "N"


YEAR = Whole(FIRST_YEAR, LAST_YEAR, what="a year")
"""A reporting year."""

_DAY = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_YEARS = re.compile(r"([0-9]+)(?:-([0-9]+))?")


class Day(click.ParamType[dt.date]):
    """A day written YYYY-MM-DD, between ``FIRST_YEAR`` and ``LAST_YEAR``; gives a ``date``."""

    name = "YYYY-MM-DD"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> dt.date:
        if isinstance(value, dt.date):
            return value
        text = str(value).strip()
        found = _DAY.fullmatch(text)
        if found is None:
            self.fail(f"{text!r}: write a day as YYYY-MM-DD, e.g. 2024-12-05", param, ctx)
        year, month, day = (int(g) for g in found.groups())
        if not 1 <= month <= 12:
            self.fail(f"{text!r}: there is no month {month}; months are 01 to 12", param, ctx)
        last = calendar.monthrange(year, month)[1]
        if not 1 <= day <= last:
            self.fail(
                f"{text!r}: that day does not exist; month {month:02d} of {year} has {last} days",
                param,
                ctx,
            )
        if not FIRST_YEAR <= year <= LAST_YEAR:
            self.fail(
                f"{text!r}: give a day between {FIRST_YEAR}-01-01 and {LAST_YEAR}-12-31",
                param,
                ctx,
            )
        return dt.date(year, month, day)


class Text(click.ParamType[str]):
    """Text from the command line, in NFC."""

    name = "text"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> str:
        text = str(value)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            self.fail(f"{text!r} holds bytes that are not UTF-8 text", param, ctx)
        if not text.strip():
            self.fail("an empty text: give a value, or leave the option out", param, ctx)
        if any(unicodedata.category(c) == "Cc" for c in text):
            self.fail(
                f"{text!r} holds a line break or control character; give one line", param, ctx
            )
        return unicodedata.normalize("NFC", text)


class OutputFile(click.ParamType[str]):
    """A file to write; ``-`` is standard output when ``dash`` is allowed. A missing folder is
    created when the file is written (as ``simulate --db`` and ``init --db`` create theirs), so
    the nearest folder that exists must be writable. The file is not opened here."""

    name = "file"

    def __init__(self, *, dash: bool = True) -> None:
        self.dash = dash

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> str:
        text = os.fspath(value) if isinstance(value, os.PathLike) else str(value)
        if text == "-":
            if self.dash:
                return text
            self.fail("'-' (standard output) is not allowed here: give a file name", param, ctx)
        stdout = " or '-' for standard output" if self.dash else ""
        if not text.strip():
            self.fail(f"an empty name: give a file name{stdout}", param, ctx)
        path = Path(text)
        if path.is_dir():
            self.fail(f"{text} is a folder: give a file name inside it{stdout}", param, ctx)
        folder = path.absolute().parent
        existing = next(f for f in (folder, *folder.parents) if f.exists())
        if not existing.is_dir():
            self.fail(f"{text}: {existing} is not a folder; give another path", param, ctx)
        if not os.access(existing, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
            self.fail(f"{text}: this user may not write there; give another path", param, ctx)
        return text


def parse_years(text: str, allowed: range | None = None) -> range:
    """``2023-2025`` or ``2024`` -> a range of years, inside ``allowed`` when given.

    Raises:
        click.BadParameter: not of that form (``2023-`` included), or outside ``allowed``.
    """
    found = _YEARS.fullmatch(text.replace(" ", ""))
    if found is None:
        raise click.BadParameter(
            f"{text!r}: write a year (2024) or a range (2023-2025)", param_hint="--years"
        )
    first = int(found.group(1))
    last = int(found.group(2) or first)
    years = range(first, last + 1)
    if not years:
        raise click.BadParameter(
            f"{text!r}: the first year is after the last", param_hint="--years"
        )
    bounds = allowed if allowed is not None else range(FIRST_YEAR, LAST_YEAR + 1)
    if years.start < bounds.start or years.stop > bounds.stop:
        which = "the plan's reporting years are" if allowed is not None else "years run from"
        raise click.BadParameter(
            f"{text!r}: {which} {bounds.start}-{bounds.stop - 1}", param_hint="--years"
        )
    return years


def parse_year_list(text: str, allowed: range | None = None) -> list[int]:
    """``2023,2025``, ``2023-2024,2025`` or any single year or range -> the years, in order and
    each once, inside ``allowed`` when given.

    Raises:
        click.BadParameter: an empty item, an item not a year or a range, or outside ``allowed``.
    """
    items = text.split(",")
    if any(not item.strip() for item in items):
        raise click.BadParameter(
            f"{text!r}: an empty item; write years and ranges separated by commas "
            "(2023,2025 or 2023-2024,2025)",
            param_hint="--years",
        )
    years = {y for item in items for y in parse_years(item.strip(), allowed)}
    return sorted(years)


class Indicator(click.ParamType[tuple[str, str]]):
    """An indicator of a report, written ``NAME=VALUE``; gives ``(name, value)`` in NFC."""

    name = "NAME=VALUE"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[str, str]:
        if isinstance(value, tuple):
            return value
        text = Text().convert(value, param, ctx)
        name, sep, given = text.partition("=")
        if not sep or not name.strip() or not given.strip():
            self.fail(f"{text!r}: write an indicator as NAME=VALUE, e.g. so-hoi-nghi=3", param, ctx)
        return name.strip(), given.strip()
