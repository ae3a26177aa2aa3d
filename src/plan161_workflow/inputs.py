"""Arguments from callers, checked and normalised before the engine reads or writes anything.

An argument of the wrong type is a caller's bug, not an agency's attempt: it is refused with a
``PayloadError`` that names the argument and shows the expected form, before anything is read or
written. Text is stored as NFC, so "số hộ" typed in NFD and in NFC is one indicator.
"""

from __future__ import annotations

import datetime as dt
import os
import unicodedata
from collections.abc import Iterable

from plan161_workflow.clock import VIETNAM, in_vietnam, today
from plan161_workflow.errors import PayloadError
from plan161_workflow.model.plan import Plan

FIRST_YEAR = 1901
"""The earliest year a day or reporting year may fall in: the first the ``holidays`` package
knows Vietnam's holidays for."""
LAST_YEAR = 2099
"""The latest: the ``holidays`` package knows Vietnam's holidays to 2100, and a reminder counted
in working days from a day late in the last year needs the next year's calendar."""
MAX_DAYS = (LAST_YEAR - FIRST_YEAR + 1) * 366
"""The longest span of days a query may ask for (the whole range above)."""
SQLITE_MAX = 2**63 - 1
"""The largest whole number SQLite stores: the bound of cursors and limits."""

_BLANK_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf"})
"""Spaces, separators, control and format characters (zero-width space, BOM, ...)."""


def _kind(value: object) -> str:
    return "None" if value is None else f"{type(value).__name__} {value!r:.60}"


def text(value: object, what: str, where: str = "") -> str:
    """``value`` as NFC text.

    Raises:
        PayloadError: not text, or text SQLite cannot store (a lone surrogate).
    """
    if not isinstance(value, str):
        raise PayloadError(f"{what} must be text, not {_kind(value)}{where}")
    if value.isascii():
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise PayloadError(
            f"{what} holds an invalid character (a lone surrogate) at position {exc.start}"
            f"{where}; decode the text properly before passing it"
        ) from None
    return unicodedata.normalize("NFC", value)


def blank(value: str) -> bool:
    """Whether ``value`` shows nothing: only spaces, control or format characters."""
    if not value.strip():
        return True
    if value.isprintable():  # the common case: no control or format character at all
        return False
    return all(unicodedata.category(c) in _BLANK_CATEGORIES for c in value)


def day(value: object, what: str = "as_of") -> dt.date:
    """A day in Vietnam: a date as it is, a datetime as Vietnam's date at that instant (a naive
    datetime is taken as Vietnam's time).

    Raises:
        PayloadError: neither a date nor a datetime.
    """
    if isinstance(value, dt.datetime):
        if not FIRST_YEAR <= value.year <= LAST_YEAR:  # converting it could overflow
            raise PayloadError(
                f"{what} must fall between {FIRST_YEAR}-01-01 and {LAST_YEAR}-12-31, not {value}"
            )
        value = today(value)
    if not isinstance(value, dt.date):
        raise PayloadError(
            f"{what} must be a date (datetime.date(2024, 12, 2)) or a datetime, not {_kind(value)}"
        )
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise PayloadError(
            f"{what} must fall between {FIRST_YEAR}-01-01 and {LAST_YEAR}-12-31, not {value}"
        )
    return value


def whole(value: object, what: str, minimum: int | None = None, maximum: int = SQLITE_MAX) -> int:
    """A whole number (not a bool) from ``minimum`` (default: the least SQLite can store) to
    ``maximum`` (default: the most SQLite can store).

    Raises:
        PayloadError: not a whole number, or out of range.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise PayloadError(f"{what} must be a whole number, not {_kind(value)}")
    lowest = -SQLITE_MAX - 1 if minimum is None else minimum
    if value < lowest:
        raise PayloadError(f"{what} must be at least {lowest}, not {value}")
    if value > maximum:
        raise PayloadError(f"{what} must be at most {maximum}, not {value}")
    return value


def codes(value: object, what: str) -> tuple[str, ...]:
    """A list of agency codes (any iterable of text but a text itself).

    Raises:
        PayloadError: not a list of text.
    """
    if isinstance(value, str):
        raise PayloadError(f"{what} must be a list of agency codes, e.g. [{value!r}], not a text")
    if not isinstance(value, Iterable):
        raise PayloadError(f"{what} must be a list of agency codes, not {_kind(value)}")
    return tuple(text(v, f"each code in {what}") for v in value)


def moment(value: object, what: str = "as_of") -> dt.datetime:
    """An instant, in Vietnam's zone: a datetime as it is, a date as the start of that day.

    Raises:
        PayloadError: neither a date nor a datetime, or outside the covered years.
    """
    start = day(value, what)  # checks the type and the years
    if isinstance(value, dt.datetime):
        return in_vietnam(value)
    return dt.datetime.combine(start, dt.time(0), VIETNAM)


def path(value: object, what: str) -> str | os.PathLike[str]:
    """A file path (text or ``pathlib.Path``).

    Raises:
        PayloadError: anything else.
    """
    if isinstance(value, str) and value.strip():
        return value
    if isinstance(value, os.PathLike):
        return value
    raise PayloadError(f"{what} must be a file path (text or pathlib.Path), not {_kind(value)}")


def plan(value: object) -> Plan:
    """A validated plan.

    Raises:
        PayloadError: anything but the ``Plan`` that ``load_rules`` returns.
    """
    if not isinstance(value, Plan):
        raise PayloadError(
            f"plan must be the Plan that load_rules returns, not {type(value).__name__}"
        )
    return value
