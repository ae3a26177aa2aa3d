"""The library's errors: one root, a few meaningful subclasses.

::

    Plan161Error                      every error this library raises on purpose
    ├── RulesError                    invalid rules (carries every Problem found); a ValueError
    ├── WorkflowError                 a request to the engine was refused
    │   ├── PermissionDenied          the acting agency may not fire this trigger on this task
    │   ├── InvalidTransition         the trigger is not allowed in the task's current state
    │   ├── NotFound                  unknown task, agency, cycle or event
    │   ├── CycleClosedError          the task's reporting cycle is closed or not open
    │   ├── PayloadError              a refused argument (no summary, a wrong type); a ValueError
    │   │   └── UnfireableStepError   a workflow step some tasks need that no agency can fire there
    │   ├── AgencyCeasedError         the acting agency no longer exists; names its successor
    │   ├── ConflictError             another writer changed the task first (optimistic concurrency)
    │   └── ConsolidationError        tasks are still unreported and were not waived
    └── StoreError                    the database cannot be used (locked, foreign, newer, corrupt)

Every error carries the data a caller needs as attributes, and a message that says what failed,
where, what was received and what was expected.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs


class Plan161Error(Exception):
    """Root of every error raised by plan161_workflow on purpose."""


@attrs.frozen
class Problem:
    """One problem in a rules file."""

    file: str
    """The file's path, as given to the loader."""
    line: int
    """1-based line of the offending node (0 when unknown)."""
    column: int
    """1-based column of the offending node (0 when unknown)."""
    path: str
    """Path inside the document, such as ``areas[2].lead[0]`` (empty for the whole document)."""
    message: str
    """What was found, what was expected and, where possible, how to fix it."""

    def __str__(self) -> str:
        where = f" {self.path}:" if self.path else ""
        if not self.line:  # the file as a whole: missing, a directory, unreadable, too large
            return f"{self.file}:{where} {self.message}"
        return f"{self.file}:{self.line}:{self.column}:{where} {self.message}"


class RulesError(Plan161Error, ValueError):
    """A rules file is invalid. ``problems`` lists every problem found, in file order.

    Also a ``ValueError``: the rules are an argument the caller gave."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(
            sorted(problems, key=lambda p: (p.file, p.line, p.column, p.path))
        )
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in rules"
        super().__init__(head + ":\n" + "\n".join(str(p) for p in self.problems))


class WorkflowError(Plan161Error):
    """A request to the engine was refused; nothing was changed."""


class PermissionDenied(WorkflowError):
    """The acting agency may not fire this trigger on this task."""

    def __init__(self, actor: str, trigger: str, task_id: str, allowed: Sequence[str] = ()) -> None:
        self.actor = actor
        self.trigger = trigger
        self.task_id = task_id
        self.allowed = tuple(allowed)
        who = f"; allowed: {', '.join(self.allowed)}" if self.allowed else ""
        super().__init__(f"agency {actor!r} may not {trigger!r} task {task_id!r}{who}")


class InvalidTransition(WorkflowError):
    """The trigger is not allowed in the task's current state."""

    def __init__(self, task_id: str, state: str, trigger: str, allowed: Sequence[str]) -> None:
        self.task_id = task_id
        self.state = state
        self.trigger = trigger
        self.allowed = tuple(allowed)
        listed = ", ".join(self.allowed) if self.allowed else "none (final state)"
        super().__init__(
            f"cannot {trigger!r} task {task_id!r} in state {state!r}; allowed triggers: {listed}"
        )


class NotFound(WorkflowError):
    """An unknown task, agency, cycle or event was named."""

    def __init__(self, kind: str, key: object, hint: str = "") -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"unknown {kind} {key!r}" + (f"; {hint}" if hint else ""))


class CycleClosedError(WorkflowError):
    """The reporting cycle of the task is closed (or was never opened)."""


class PayloadError(WorkflowError, ValueError):
    """The request lacks something the trigger needs, or carries something invalid; raised for
    every argument the API refuses. Also a ``ValueError``, so that hosts catching
    ``ValueError`` for bad arguments keep working."""


class UnfireableStepError(PayloadError):
    """A simulation was refused before it began: the path every task must take under the
    workflow has a step that no agency could fire on some tasks (its role has no holder there:
    a step of the coordinating agencies on a task without any, an overseer's step in a plan
    without overseers)."""

    def __init__(self, trigger: str, location: str, role: str, tasks: Sequence[str]) -> None:
        self.trigger = trigger
        """The step's trigger."""
        self.location = location
        """Where the rules declare it: ``workflow.transitions[3]``."""
        self.role = role
        """The role that fires it."""
        self.tasks = tuple(tasks)
        """The ids of the tasks on which no agency could fire it."""
        shown = ", ".join(self.tasks[:5]) + (
            f" and {len(self.tasks) - 5} more" if len(self.tasks) > 5 else ""
        )
        who = "coordinating agencies" if role == "coordinating" else f"{role}s"
        super().__init__(
            f"{location}: the simulation would have to fire {trigger!r} (role {role!r}) on "
            f"{len(self.tasks)} task(s) with no {who} to fire it: {shown}; give the step a role "
            "every task has (responsible, consolidator, evaluator, participant), or give those "
            "tasks such agencies"
        )


class AgencyCeasedError(WorkflowError):
    """The acting agency had ceased to exist on the day of the request."""

    def __init__(
        self, actor: str, ceased_on: object, successors: Sequence[str], task_id: str
    ) -> None:
        self.actor = actor
        self.successors = tuple(successors)
        self.task_id = task_id
        names = ", ".join(self.successors) or "none"
        super().__init__(
            f"agency {actor!r} ceased on {ceased_on}; its successor ({names}) acts on "
            f"task {task_id!r} now"
        )


class AgencyNotYetError(WorkflowError):
    """The agency did not exist yet on the day: it acts, holds or receives a task only from its
    ``valid_from``."""

    def __init__(
        self, agency: str, exists_from: object, task_id: str, what: str = "act on"
    ) -> None:
        self.agency = agency
        self.exists_from = exists_from
        self.task_id = task_id
        super().__init__(
            f"agency {agency!r} exists from {exists_from} (its valid_from); it cannot {what} "
            f"task {task_id!r} before that day"
        )


class ConflictError(WorkflowError):
    """Another writer changed the task between read and write."""

    def __init__(self, task_id: str, expected_version: int, actual_version: int) -> None:
        self.task_id = task_id
        self.expected_version = expected_version
        self.actual_version = actual_version
        super().__init__(
            f"task {task_id!r} was changed by another writer: read version {expected_version}, "
            f"now version {actual_version}; re-read the task and try again"
        )


class ConsolidationError(WorkflowError):
    """Consolidation was refused: tasks are unreported and not waived."""

    def __init__(
        self,
        year: int,
        missing: Sequence[tuple[str, str]],
        ready: Sequence[str] = ("reported",),
        found: Sequence[str] = (),
        period: str | None = None,
    ) -> None:
        self.year = year
        self.period = period
        """The period id refused (``2026S1``); ``None`` when not given."""
        self.missing = tuple(missing)
        """(task id, agency) of each due task not yet reported and not waived."""
        agencies = sorted({agency for _, agency in self.missing})
        still = f" (still {', '.join(found)})" if found else ""
        what = str(year) if period in (None, str(year)) else f"period {period}"
        super().__init__(
            f"cannot consolidate {what}: {len(self.missing)} task(s) not yet "
            f"{' or '.join(ready)}{still}, of {', '.join(agencies)}; wait for them or pass "
            "waive=[...] naming each agency"
        )


class StoreError(Plan161Error):
    """The database cannot be used as asked."""
