"""What the pages offer: the triggers an agency may fire on a task now, and form fields parsed."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable

import attrs

from plan161_workflow.engine import Engine
from plan161_workflow.errors import PayloadError
from plan161_workflow.model.task import Task


@attrs.frozen
class Offer:
    """A trigger the agency may fire on the task now, and what its form asks for."""

    trigger: str
    requires: str | None
    """``report``, ``reason``, ``rating``, ``text``, ``agency`` or ``None``."""


def allowed_triggers(engine: Engine, task: Task, agency: str, on: dt.date) -> list[Offer]:
    """The transitions from the task's state and the actions that ``agency`` plays the role
    of on day ``on``, under the rules the task's cycle follows (the engine decides again on
    firing; this only chooses which forms to show)."""
    book = engine.cycle_book(task.year)
    wf = book.plan.workflow
    out: dict[str, Offer] = {}
    for t in wf.transitions:
        if task.state in t.source and book.may(t.role, agency, task, on):
            out.setdefault(t.trigger, Offer(t.trigger, t.requires))
    for a in wf.actions:
        if book.may(a.role, agency, task, on):
            out.setdefault(a.trigger, Offer(a.trigger, a.requires))
    return list(out.values())


def answered_to(engine: Engine, agency: str, on: dt.date, years: Iterable[int]) -> list[Task]:
    """The consolidator's own tasks of ``years`` that ``agency`` reviews, sends back and grades on
    day ``on`` as the agency the consolidator reports to (``roles.reports_to``): who plays the
    consolidator's role on a task is decided by the rules (``Rulebook.acting``), not here."""
    out: list[Task] = []
    for year in sorted(years):
        book = engine.cycle_book(year)
        held = book.holder("consolidator", on)
        if held == agency:
            continue  # the consolidator follows every task from its dashboard
        out += [
            t
            for t in engine.tasks(year=year, agency=held)
            if book.acting("consolidator", t, on) == agency
        ]
    return out


def parse_lines(text: str) -> list[str]:
    """Non-blank lines, stripped."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def parse_indicators(text: str) -> dict[str, str | int | float]:
    """``name = value`` lines as indicators (a whole number or a decimal becomes a number).

    Raises:
        PayloadError: a line without ``=`` (the message names it).
    """
    out: dict[str, str | int | float] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise PayloadError(
                f"indicator line {number} {line.strip()!r} has no 'name = value'; "
                "write one indicator per line, e.g. so_nguoi_duoc_ho_tro = 120"
            )
        out[key.strip()] = _number(value.strip())
    return out


def _number(value: str) -> str | int | float:
    if value.lstrip("-").isdigit() and len(value) < 16:
        return int(value)
    try:
        number = float(value.replace(",", ".")) if len(value) < 32 else math.nan
    except ValueError:
        return value
    return number if math.isfinite(number) else value  # "nan", "inf" stay text
