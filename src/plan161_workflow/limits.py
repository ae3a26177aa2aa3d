"""Bounds on everything the engine stores, checked before anything is read or written.

A request beyond a bound is refused with ``PayloadError`` and leaves no trace: not even a
refused attempt is recorded, so a caller cannot grow the database by sending huge values. Within
the bounds, a refused attempt's record (its trigger, actor and message) is bounded too. The
figures are documented in ``docs/engine.md`` ("Limits"); a message names the argument, its size
and the bound, never the value itself.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from plan161_workflow.errors import PayloadError

MAX_NAME = 200
"""Characters in a task id, trigger, actor, agency code, rating, request id, indicator name and
any key of a mapping argument."""
MAX_SUMMARY = 50_000
"""Characters in a report's summary (about 25 pages; documents go in attachments)."""
MAX_TEXT = 10_000
"""Characters in a send-back reason, a comment or a contribution."""
MAX_INDICATORS = 500
"""Indicators in one report."""
MAX_INDICATOR_TEXT = 1_000
"""Characters in an indicator's text value."""
MAX_NUMBER = 10**15
"""The largest magnitude of an indicator's number (whole or decimal): exact in a double."""
MAX_ATTACHMENTS = 100
"""Attachment references in one report."""
MAX_ATTACHMENT = 2_000
"""Characters in one attachment reference (a URL or a document number)."""
MAX_CODES = 1_000
"""Agency codes in one list argument (``waive=``)."""
MAX_DEPTH = 4
"""Nesting of mappings and lists in one argument (a report is a mapping of a mapping)."""
MAX_MESSAGE = 2_000
"""Characters of a refusal's message kept in the history (the error raised keeps it whole)."""

_MAX_ITEMS = 1_000
"""Entries in any mapping or list of an argument not bounded more tightly above."""


def _too_long(what: str, size: int, bound: int, unit: str = "characters") -> PayloadError:
    return PayloadError(
        f"{what} is too long: {size:,} {unit}, at most {bound:,}; nothing was recorded "
        "(shorten it, or put long documents in attachments)"
    )


def name(value: object, what: str) -> None:
    """A name (task id, trigger, actor, agency, rating, request id) within ``MAX_NAME``.

    Raises:
        PayloadError: text longer than ``MAX_NAME`` (other types are left to the caller).
    """
    if isinstance(value, str) and len(value) > MAX_NAME:
        raise _too_long(what, len(value), MAX_NAME)


def codes(values: Iterable[object], what: str) -> None:
    """A list of agency codes: at most ``MAX_CODES``, each within ``MAX_NAME``.

    Raises:
        PayloadError: too many codes, or one too long.
    """
    items = list(values)
    if len(items) > MAX_CODES:
        raise _too_long(what, len(items), MAX_CODES, "codes")
    for item in items:
        name(item, f"a code in {what}")


def arguments(args: Mapping[str, object]) -> None:
    """The arguments of ``fire`` (report, reason, rating, text, agency) within their bounds.

    Types are the workflow's to judge (a refusal it records); only sizes are checked here.

    Raises:
        PayloadError: a value beyond its bound (the message names the argument and the bound).
    """
    if all(_small(value) for value in args.values()):
        return  # the common case, at a fraction of the cost of the checks below
    for key in ("rating", "agency"):
        name(args.get(key), f"{key}=")
    for key in ("reason", "text"):
        value = args.get(key)
        if isinstance(value, str) and len(value) > MAX_TEXT:
            raise _too_long(f"{key}=", len(value), MAX_TEXT)
    report = args.get("report")
    if isinstance(report, Mapping):
        _report(report)
    for key, value in args.items():  # then every other value, whatever its place
        if value is not None:
            _shape(value, f"{key}=", 1)


def _small(value: object) -> bool:
    """``None``, a text within ``MAX_NAME``, or a dict of such texts under such keys: within
    every bound whatever the argument."""
    kind = type(value)
    if value is None or (kind is str and len(value) <= MAX_NAME):  # type: ignore[arg-type]
        return True
    if kind is dict and len(value) <= MAX_NAME:  # type: ignore[arg-type]
        return all(
            type(k) is str and len(k) <= MAX_NAME and type(v) is str and len(v) <= MAX_NAME
            for k, v in value.items()  # type: ignore[attr-defined]
        )
    return False


def _report(report: Mapping[Any, Any]) -> None:
    summary = report.get("summary")
    if isinstance(summary, str) and len(summary) > MAX_SUMMARY:
        raise _too_long("the report's summary", len(summary), MAX_SUMMARY)
    indicators = report.get("indicators")
    if isinstance(indicators, Mapping):
        if len(indicators) > MAX_INDICATORS:
            raise _too_long("the report's indicators", len(indicators), MAX_INDICATORS, "entries")
        for key, value in indicators.items():
            if isinstance(value, str) and len(value) > MAX_INDICATOR_TEXT:
                raise _too_long(f"indicator {str(key)[:40]!r}", len(value), MAX_INDICATOR_TEXT)
    attachments = report.get("attachments")
    if isinstance(attachments, list | tuple):
        if len(attachments) > MAX_ATTACHMENTS:
            raise _too_long("the report's attachments", len(attachments), MAX_ATTACHMENTS, "items")
        for item in attachments:
            if isinstance(item, str) and len(item) > MAX_ATTACHMENT:
                raise _too_long("an attachment reference", len(item), MAX_ATTACHMENT)


def _shape(value: object, what: str, depth: int) -> None:
    """Any argument: numbers within ``MAX_NUMBER``, text within the largest text bound, keys
    within ``MAX_NAME``, and no deeper than ``MAX_DEPTH``, without converting a huge number to
    text (Python refuses beyond 4,300 digits)."""
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            return  # the workflow refuses NaN and infinities with its own message
        if abs(value) > MAX_NUMBER:
            raise PayloadError(
                f"a number in {what} is beyond ±{MAX_NUMBER:.0e} (10**15); nothing was recorded"
            )
        return
    if isinstance(value, str):
        if len(value) > MAX_SUMMARY:
            raise _too_long(f"a text in {what}", len(value), MAX_SUMMARY)
        return
    if depth > MAX_DEPTH:
        raise PayloadError(
            f"{what} is nested deeper than {MAX_DEPTH} levels or refers to itself: arguments "
            f"must be JSON values (text, numbers, lists, mappings) at most {MAX_DEPTH} deep; "
            "nothing was recorded"
        )
    if isinstance(value, Mapping):
        if len(value) > _MAX_ITEMS:
            raise _too_long(what, len(value), _MAX_ITEMS, "entries")
        for key, item in value.items():
            name(key, f"a key in {what}")
            _shape(key, what, depth + 1)
            _shape(item, what, depth + 1)
    elif isinstance(value, list | tuple):
        if len(value) > _MAX_ITEMS:
            raise _too_long(what, len(value), _MAX_ITEMS, "items")
        for item in value:
            _shape(item, what, depth + 1)


def message(exc: BaseException) -> str:
    """A refusal's message as the history keeps it: at most ``MAX_MESSAGE`` characters."""
    text = str(exc)
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"
