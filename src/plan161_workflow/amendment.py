"""What an amended plan changes in a cycle's tasks (pure).

Tasks are matched by id (``YEAR/UNIT/AGENCY``). A task whose report has arrived (its state is the
workflow's reported state or later) is finished: its due date and coordinating agencies are never
rewritten, and it is never withdrawn; the change is listed as skipped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

import attrs

from plan161_workflow.model.plan import Workflow
from plan161_workflow.model.task import Task

ChangeKind = Literal["due", "coordinating", "new", "withdrawn"]


@attrs.frozen
class TaskChange:
    """One change an amendment makes to one task."""

    task_id: str
    """The task."""
    kind: ChangeKind
    """What changes: its due date, its coordinating agencies, a new task, a withdrawn task."""
    agency: str
    """The task's responsible agency."""
    before: str | None
    """The value before (ISO date, or comma-separated agencies), ``None`` for a new task."""
    after: str | None
    """The value after, ``None`` for a withdrawn task."""
    skipped: bool = False
    """True when the task is finished and is left as it is."""
    becomes_overdue: bool = False
    """True when the change makes the task overdue on the day it is assessed."""


def _finished(task: Task, workflow: Workflow) -> bool:
    states = workflow.states
    return states.index(task.state) >= states.index(workflow.reported_state)


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def diff_tasks(
    current: Sequence[Task], amended: Sequence[Task], workflow: Workflow, as_of: dt.date
) -> list[TaskChange]:
    """The changes that turn ``current`` tasks of a cycle into the ``amended`` plan's tasks."""
    now = {t.id: t for t in current}
    new = {t.id: t for t in amended}
    out: list[TaskChange] = []
    for task_id, old in sorted(now.items()):
        done = _finished(old, workflow)
        target = new.get(task_id)
        if target is None:
            out.append(TaskChange(task_id, "withdrawn", old.agency, old.state, None, skipped=done))
            continue
        if old.due != target.due:
            overdue = (
                not done
                and target.due is not None
                and target.due < as_of
                and (old.due is None or old.due >= as_of)
            )
            out.append(
                TaskChange(
                    task_id,
                    "due",
                    old.agency,
                    _iso(old.due),
                    _iso(target.due),
                    skipped=done,
                    becomes_overdue=overdue,
                )
            )
        if old.coordinating != target.coordinating:
            out.append(
                TaskChange(
                    task_id,
                    "coordinating",
                    old.agency,
                    ",".join(old.coordinating),
                    ",".join(target.coordinating),
                    skipped=done,
                )
            )
    for task_id, task in sorted(new.items()):
        if task_id not in now:
            overdue = task.due is not None and task.due < as_of
            out.append(
                TaskChange(
                    task_id, "new", task.agency, None, _iso(task.due), becomes_overdue=overdue
                )
            )
    return out


@attrs.frozen
class Amendment:
    """What an amendment changes (or changed, when ``applied``)."""

    rules_hash: str
    """Content hash of the amended rules."""
    scope: str
    """``open`` (the open cycles change) or ``future`` (only cycles opened later)."""
    open_cycles: tuple[int, ...]
    """Years whose cycle was open."""
    changes: tuple[TaskChange, ...]
    """Every change to a task, skipped ones included."""
    applied: bool
    """False for a dry run."""

    @property
    def overdue_agencies(self) -> tuple[str, ...]:
        """Agencies whose tasks the amendment makes overdue."""
        return tuple(
            sorted({c.agency for c in self.changes if c.becomes_overdue and not c.skipped})
        )
