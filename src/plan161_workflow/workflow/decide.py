"""Who may do what, when, with what: the pure decision behind every ``fire``, and who may
consolidate or close a cycle. Every permission check of the library is here.

``decide`` takes a task as it is, a request and the time, and either returns the change to make
or raises the ``WorkflowError`` that explains the refusal; ``decide_cycle`` does the same for a
change to a cycle as a whole. They touch no database and no clock.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any, NamedTuple

from plan161_workflow.calendar import WorkingCalendar, days_late
from plan161_workflow.clock import today as vietnam_day
from plan161_workflow.errors import (
    AgencyCeasedError,
    AgencyNotYetError,
    CycleClosedError,
    InvalidTransition,
    NotFound,
    PayloadError,
    PermissionDenied,
)
from plan161_workflow.hints import suggest
from plan161_workflow.inputs import blank, text
from plan161_workflow.model.plan import Plan, Requirement, Role
from plan161_workflow.model.task import Task, cycle_id
from plan161_workflow.workflow.definition import evaluating_transition
from plan161_workflow.workflow.machine import Lifecycle
from plan161_workflow.workflow.succession import SuccessionIndex

REPORT_KEYS = frozenset({"summary", "indicators", "attachments"})
CYCLE_ROLES: Mapping[str, tuple[Role, ...]] = {
    "consolidate": ("consolidator",),
    "close_cycle": ("consolidator", "evaluator"),
}
"""Who may make each change to a cycle as a whole: the roles whose holders may."""
_MAPPING = (dict, Mapping)
"""A mapping, ``dict`` first (the abstract-class check is the slow one)."""


class Outcome(NamedTuple):
    """An accepted request: the new state, the task columns to change, the event payload."""

    to_state: str
    updates: dict[str, Any]
    payload: dict[str, Any]


class Rulebook:
    """Everything ``decide`` needs from a plan, indexed once."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.lifecycle = Lifecycle(plan.workflow)
        self.succession = SuccessionIndex(plan)
        self.calendar = WorkingCalendar(plan.calendar, plan.info.years)
        self.agencies = frozenset(a.code for a in plan.agencies)
        self.participants = plan.participants()
        self.overseers = frozenset(plan.expand(plan.roles.overseers))
        self.ratings = tuple(r.code for r in plan.rating_scale)
        wf = plan.workflow
        self.role_of: dict[str, Role] = {t.trigger: t.role for t in wf.transitions}
        self.role_of.update({a.trigger: a.role for a in wf.actions})
        self.needs: dict[str, Requirement | None] = {t.trigger: t.requires for t in wf.transitions}
        self.needs.update({a.trigger: a.requires for a in wf.actions})
        self.evaluation = evaluating_transition(wf)
        """The transition that completes a task with its rating (``evaluating_transition``), or
        ``None`` when none leads to the final state: what ``plan161 evaluate`` fires."""
        self._held: dict[tuple[str, dt.date], str] = {}
        """(role, day) -> holder: the plan never changes under a rulebook, so neither do these."""
        self.levels = {level.id: level for level in plan.levels}
        self.level_of = {c: lv for lv in plan.levels for c in plan.expand(lv.members)}
        """Member agency -> its consolidation level (its reports go to that level)."""

    def known_agency(self, code: str, where: str = "") -> None:
        """Raises ``NotFound`` (with a did-you-mean) unless ``code`` is an agency of the rules;
        ``where`` says where it was named (``in waive=``)."""
        if code not in self.agencies:
            place = f"{where}; " if where else ""
            raise NotFound(
                "agency", code, place + "agencies are named by code" + suggest(code, self.agencies)
            )

    def holder(self, role: str, on: dt.date) -> str:
        """The agency holding a plan role (consolidator, evaluator) on a day."""
        held = self._held.get((role, on))
        if held is None:
            if role == "reports_to":
                code = self.plan.reports_to
                held = self.succession.holder(code, on, role="recipient")
            else:
                code = getattr(self.plan.roles, role)
                held = self.succession.holder(code, on, role=role)
            self._held[role, on] = held
        return held

    def level_holder(self, level_id: str | None, on: dt.date) -> str:
        """The agency consolidating a level on a day (successors followed), or the plan's
        consolidator for ``None`` (the province).

        Raises:
            NotFound: no such level.
        """
        if level_id is None:
            return self.holder("consolidator", on)
        level = self.levels.get(level_id)
        if level is None:
            known = sorted(self.levels)
            hint = f"levels: {', '.join(known) or 'none'}" + suggest(level_id, known)
            raise NotFound("level", level_id, hint)
        return self.succession.holder(level.consolidator, on, role="consolidator")

    def acting(self, role: str, task: Task, on: dt.date) -> str:
        """Who plays ``role`` (consolidator, evaluator) for ``task`` on day ``on``: its holder
        (for the consolidator, that of the level the task's first agency belongs to: a
        commune's report goes to its level), except on a task that holder leads itself, which
        goes to the agency the consolidator reports to (``Plan.reports_to``): nobody reviews or
        grades its own report."""
        level = self.level_of.get(task.original_agency) if role == "consolidator" else None
        held = self.holder(role, on) if level is None else self.level_holder(level.id, on)
        return self.holder("reports_to", on) if held == task.agency else held

    def may(self, role: Role, actor: str, task: Task, on: dt.date) -> bool:
        """Whether ``actor`` plays ``role`` for ``task`` on day ``on``."""
        if role == "responsible":
            return actor == task.agency
        if role == "coordinating":
            return actor in task.coordinating or any(
                self.succession.holder(c, on, unit=task.unit) == actor for c in task.coordinating
            )
        if role in ("consolidator", "evaluator"):
            return actor == self.acting(role, task, on)
        if role == "overseer":
            return actor in self.overseers
        return actor in self.participants or actor in self.succession.successor_codes

    def role_holders(self, role: Role, task: Task, on: dt.date) -> tuple[str, ...]:
        """The agencies that play ``role`` for ``task`` on day ``on``, successors followed: who
        may fire a trigger of that role, and who receives a notice addressed to it."""
        if role == "responsible":
            return (task.agency,)
        if role == "coordinating":
            return tuple(
                dict.fromkeys(
                    self.succession.holder(c, on, unit=task.unit) for c in task.coordinating
                )
            )
        if role in ("consolidator", "evaluator"):
            return (self.acting(role, task, on),)
        if role == "overseer":
            return tuple(sorted(self.overseers))
        return tuple(sorted(self.participants | self.succession.successor_codes))

    def who_may(self, role: Role, task: Task, on: dt.date) -> tuple[str, ...]:
        """Agencies that play ``role`` for ``task`` (for messages)."""
        if role == "participant":
            return ("any agency with a role in the plan",)
        return self.role_holders(role, task, on)


def decide(
    book: Rulebook,
    task: Task,
    trigger: str,
    actor: str,
    args: Mapping[str, Any],
    now: dt.datetime,
    *,
    cycle_open: bool,
) -> Outcome:
    """The change ``trigger`` by ``actor`` makes to ``task`` at ``now``.

    Raises:
        NotFound: unknown trigger or agency.
        CycleClosedError: the task's cycle is closed.
        AgencyCeasedError: the actor had ceased to exist on that day.
        AgencyNotYetError: the actor (or an agency given the task) did not exist yet that day.
        PermissionDenied: the actor may not fire this trigger on this task.
        InvalidTransition: the trigger is not allowed in the task's state.
        PayloadError: the request lacks what the trigger needs or carries something invalid.
    """
    lifecycle = book.lifecycle
    if trigger not in book.role_of:
        known = sorted(book.role_of)
        raise NotFound(
            "trigger", trigger, f"triggers: {', '.join(known)}" + suggest(trigger, known)
        )
    book.known_agency(actor)
    if not cycle_open:
        raise CycleClosedError(f"the {task.year} cycle is closed; task {task.id!r} cannot change")
    today = vietnam_day(now)  # deadlines are days in Vietnam, whatever the clock's zone
    ceased = book.succession.ceased_on(actor, today)
    if ceased is not None:
        raise AgencyCeasedError(actor, ceased, _successors(book, actor, today, task), task.id)
    starts = book.succession.starts_on(actor, today)
    if starts is not None:
        raise AgencyNotYetError(actor, starts, task.id)
    role = book.role_of[trigger]
    if not book.may(role, actor, task, today):
        raise PermissionDenied(actor, trigger, task.id, book.who_may(role, task, today))
    allowed = lifecycle.allowed(task.state)
    if trigger not in allowed:
        raise InvalidTransition(task.id, task.state, trigger, allowed)
    payload = _payload(book, book.needs[trigger], trigger, args, task, today)
    to_state = lifecycle.fire(trigger, task.state)
    updates: dict[str, Any] = {"state": to_state}
    if "report" in payload:
        updates["report"] = payload["report"]
    if to_state == lifecycle.workflow.reported_state and task.reported_at is None:
        # The first arrival decides on time or late; the event carries it so history replays it.
        updates["reported_at"] = now
        updates["days_late"] = payload["days_late"] = days_late(task.due, today) if task.due else 0
        payload["reported_at"] = now.isoformat()
    if "rating" in payload:
        updates["rating"] = payload["rating"]
    if trigger == "reassign" or "agency" in payload:
        updates["agency"] = payload["agency"]
        payload["previous_agency"] = task.agency
    return Outcome(to_state, updates, payload)


def decide_cycle(
    book: Rulebook, year: int, trigger: str, actor: str, on: dt.date, level: str | None = None
) -> None:
    """Whether ``actor`` may make the change ``trigger`` to the cycle of ``year`` on day ``on``
    (``consolidate`` it, ``close_cycle``): returns if so, raises otherwise. A consolidation of
    a ``level`` is its consolidator's (successors followed).

    Raises:
        NotFound: ``trigger`` is not a change to a cycle, or ``level`` no level of the plan.
        PermissionDenied: ``actor`` holds none of the roles ``CYCLE_ROLES`` gives ``trigger`` on
            that day (successors followed).
    """
    if level is not None and trigger == "consolidate":
        holder = book.level_holder(level, on)
        if actor != holder:
            raise PermissionDenied(actor, trigger, f"{cycle_id(year)} ({level})", [holder])
        return
    roles = CYCLE_ROLES.get(trigger)
    if roles is None:
        known = sorted(CYCLE_ROLES)
        raise NotFound(
            "trigger", trigger, f"changes to a cycle: {', '.join(known)}" + suggest(trigger, known)
        )
    holders = sorted({book.holder(role, on) for role in roles})
    if actor not in holders:
        raise PermissionDenied(actor, trigger, cycle_id(year), holders)


def _successors(book: Rulebook, code: str, today: dt.date, task: Task) -> tuple[str, ...]:
    """Who holds ceased agency ``code``'s duty for ``task`` on day ``today`` (all its direct
    successors when none covers that duty)."""
    holder = book.succession.holder(code, today, unit=task.unit)
    return (holder,) if holder != code else book.succession.successors_of(code)


def _payload(
    book: Rulebook,
    need: Requirement | None,
    trigger: str,
    args: Mapping[str, Any],
    task: Task,
    today: dt.date,
) -> dict[str, Any]:
    for key, given in args.items():
        if given is not None and key != need:
            extra = sorted(k for k, v in args.items() if v is not None and k != need)
            raise PayloadError(
                f"{trigger!r} on task {task.id!r} takes {need or 'no arguments'}; "
                f"unexpected: {', '.join(extra)}"
            )
    if need is None:
        return {}
    value = args.get(need)
    where = f" ({trigger!r} on task {task.id!r})"
    if need == "report":
        return {"report": _report(value, trigger, task.id, where)}
    if need == "rating":
        if value not in book.ratings:
            raise PayloadError(
                f"{trigger!r} on task {task.id!r} needs rating= one of {', '.join(book.ratings)}; "
                f"got {value!r}" + (suggest(value, book.ratings) if isinstance(value, str) else "")
            )
        return {"rating": value}
    if need == "agency":
        if not isinstance(value, str) or value not in book.agencies:
            raise PayloadError(
                f"{trigger!r} on task {task.id!r} needs agency= an agency code; got {value!r}"
                + (suggest(value, book.agencies) if isinstance(value, str) else "")
            )
        if value == task.agency:
            raise PayloadError(f"task {task.id!r} is already held by {value!r}")
        ceased = book.succession.ceased_on(value, today)
        if ceased is not None:
            raise AgencyCeasedError(value, ceased, _successors(book, value, today, task), task.id)
        starts = book.succession.starts_on(value, today)
        if starts is not None:
            raise AgencyNotYetError(value, starts, task.id, "hold")
        return {"agency": value}
    value = text(value, f"{need}=", where)
    if blank(value):
        raise PayloadError(f"{trigger!r} on task {task.id!r} needs {need}= a non-empty text")
    return {need: value}


def _report(value: object, trigger: str, task_id: str, where: str) -> dict[str, Any]:
    if not isinstance(value, _MAPPING):
        raise PayloadError(f"{trigger!r} on task {task_id!r} needs report={{'summary': ...}}")
    extra = value.keys() - REPORT_KEYS
    if extra:
        raise PayloadError(
            f"report keys are {', '.join(sorted(REPORT_KEYS))}; "
            f"unexpected: {', '.join(sorted(map(str, extra)))}{where}"
        )
    summary = value.get("summary")
    if not isinstance(summary, str) or blank(summary):
        raise PayloadError(
            f"{trigger!r} on task {task_id!r} needs a report with a non-empty summary"
        )
    summary = text(summary, "the report's summary", where)
    indicators = value.get("indicators", {})
    if not isinstance(indicators, _MAPPING) or (
        indicators
        and not all(
            isinstance(k, str)
            and isinstance(v, int | float | str)
            and not isinstance(v, bool)
            and (not isinstance(v, float) or math.isfinite(v))  # NaN/Infinity are not JSON
            # (magnitudes are bounded before the workflow sees them: limits.MAX_NUMBER)
            for k, v in indicators.items()
        )
    ):
        raise PayloadError(
            f"report indicators must map names to (finite) numbers or text{where}, "
            f"e.g. {{'so_ho': 12}}"
        )
    if indicators:
        given = len(indicators)
        indicators = {
            text(k, "an indicator name", where): text(v, "an indicator value", where)
            if isinstance(v, str)
            else v
            for k, v in indicators.items()
        }
        if len(indicators) < given:
            raise PayloadError(
                f"report indicators name one indicator twice (the same words in two Unicode "
                f"forms, NFC and NFD){where}; give each name once"
            )
        if any(blank(k) for k in indicators):
            raise PayloadError(f"report indicator names must not be blank{where}")
    attachments = value.get("attachments", [])
    if not isinstance(attachments, list | tuple) or (
        attachments and not all(isinstance(a, str) and not blank(a) for a in attachments)
    ):
        raise PayloadError(f"report attachments must be a list of references (text){where}")
    if attachments:
        attachments = [text(a, "an attachment reference", where) for a in attachments]
    return {"summary": summary, "indicators": dict(indicators), "attachments": list(attachments)}
