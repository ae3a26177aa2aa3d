"""Tasks, their events and notices as frozen values. No I/O here."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import attrs

from plan161_workflow.model.plan import DayUnit

_CHANGING = frozenset({"state", "agency", "report", "reported_at", "days_late", "rating"})
"""Task fields a workflow change sets (``Task.changed`` builds these directly)."""

CYCLE_ID_PREFIX = "cycle/"
"""How the ids of cycles begin: the events of a cycle itself are recorded under its id, which no
task id shares (task ids begin with a year or a period)."""


def cycle_id(year: int, period: str | None = None) -> str:
    """The id under which the events of a reporting cycle itself are recorded (opened,
    consolidated, amended, closed): ``cycle/2024``; with a period, ``cycle/2024/<period>``.

    The one place that builds it: never write ``f"cycle/{year}"`` by hand.
    """
    return f"{CYCLE_ID_PREFIX}{year}" if period is None else f"{CYCLE_ID_PREFIX}{year}/{period}"


@attrs.frozen
class Task:
    """One agency's work on one area or duty in one reporting period."""

    id: str
    """``PERIOD/UNIT/AGENCY``, e.g. ``2024/II.1/so-tttt`` (a yearly period's id is the year) or
    ``2026S1/II.1/so-tc``: stable across reopenings."""
    year: int
    """Reporting year."""
    area: str | None
    """Content-area id, or ``None`` for a duty task."""
    duty: str | None
    """Duty id, or ``None`` for an area task."""
    agency: str
    """Agency now responsible (changes on reassignment)."""
    coordinating: tuple[str, ...]
    """Coordinating agencies named by the plan (groups expanded)."""
    due: date | None
    """Last day to report; ``None``: the plan sets no deadline."""
    state: str
    """Current state."""
    version: int
    """Incremented by every change; the optimistic-concurrency token."""
    original_agency: str = ""
    """Agency the task was created for."""
    report: dict[str, Any] | None = attrs.field(default=None, eq=False, hash=False)
    """The last report submitted: summary, indicators, attachments (read it; do not change it
    in place: a task is a value, and the engine may hand the same one out again)."""
    reported_at: datetime | None = None
    """When the last report arrived."""
    days_late: int | None = None
    """Days after ``due`` the report arrived (0: on time); ``None`` until reported."""
    rating: str | None = None
    """Rating given by the evaluator."""
    period: str = ""
    """Id of the reporting period it reports on (``2026``, ``2026S1``, ``2026Q2``, ``202606``,
    ``2026-so-ket``): see ``model.period``."""

    def changed(self, version: int, updates: Mapping[str, Any]) -> Task:
        """This task after a change: the columns in ``updates`` set, at ``version``."""
        if not updates.keys() <= _CHANGING:
            return attrs.evolve(self, version=version, **updates)
        get = updates.get  # every change touches these few fields: built directly, not evolved
        return Task(
            self.id,
            self.year,
            self.area,
            self.duty,
            get("agency", self.agency),
            self.coordinating,
            self.due,
            get("state", self.state),
            version,
            self.original_agency,
            get("report", self.report),
            get("reported_at", self.reported_at),
            get("days_late", self.days_late),
            get("rating", self.rating),
            self.period,
        )

    @property
    def unit(self) -> str:
        """The area or duty id."""
        return self.area or self.duty or ""

    @property
    def on_time(self) -> bool | None:
        """Whether the report arrived by the due date; ``None`` until reported."""
        return None if self.days_late is None else self.days_late == 0


@attrs.frozen
class Event:
    """One entry of a task's history: an applied change or a refused attempt."""

    seq: int
    """Position in the database-wide history (commit order)."""
    task_id: str
    """The task, or the cycle (``cycle_id``: ``cycle/YEAR``) for cycle-level events."""
    trigger: str
    """Trigger or action name."""
    from_state: str | None
    """State before."""
    to_state: str | None
    """State after (equal to ``from_state`` for actions and refusals)."""
    actor: str
    """Acting agency code, or ``rules`` for changes made by the rules (succession, amendment)."""
    at: datetime
    """When it happened (the engine's clock)."""
    outcome: str
    """``applied`` or ``refused``."""
    payload: dict[str, Any] = attrs.field(factory=dict, eq=False, hash=False)
    """Trigger arguments, or the refusal's reason."""
    hash: str = ""
    """SHA-256 over the event's content and the previous event's hash."""


@attrs.frozen
class Notice:
    """A reminder or escalation due on a given day."""

    task_id: str
    """The task concerned."""
    to: str
    """Agency code of the recipient."""
    on: date
    """Day the notice is due."""
    days: int
    """Offset from the due date (negative: before)."""
    due: date
    """The task's due date."""
    agency: str
    """The task's responsible agency."""
    day_unit: DayUnit = "calendar_days"
    """What ``days`` counts: calendar days or working days (the reminder rule's unit)."""

    @property
    def is_escalation(self) -> bool:
        """Sent after the due date."""
        return self.days > 0
