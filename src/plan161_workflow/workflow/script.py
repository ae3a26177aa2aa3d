"""What a simulation fires under a workflow, found by structure, never by a trigger's name.

``script_of`` reads roles, requirements and the reported, consolidated and final states; of
trigger names only ``consolidate``, which ``Engine.consolidate`` fires itself. So a province's
own workflow, with more steps or Vietnamese trigger names, is simulated as well. Pure.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Collection

import attrs

from plan161_workflow.errors import Plan161Error
from plan161_workflow.model.plan import Requirement, Role, Workflow, WorkflowTransition
from plan161_workflow.workflow.definition import consolidation_states, open_states


@attrs.frozen
class Step:
    """One trigger the simulation fires."""

    trigger: str
    """The trigger's name, as the workflow declares it."""
    role: Role
    """Who fires it: the holder of this role."""
    requires: Requirement | None = None
    """What the request carries."""
    source: str | None = None
    """The state it is fired from on its path (``None`` for an action)."""


@attrs.frozen
class Script:
    """What the simulation fires under one workflow. Paths are steps in order."""

    start: tuple[Step, ...]
    """Optional steps of the responsible agency from the initial state towards the report."""
    submit: tuple[tuple[str, tuple[Step, ...]], ...]
    """(open state, the responsible agency's steps delivering the report from it); the last
    step of each requires the report and leads to the reported state."""
    send_back: Step | None
    """The consolidator's step back from the reported state to an open state, with a reason."""
    review: tuple[Step, ...]
    """From the reported state to a state ``consolidate`` takes tasks from (often empty)."""
    evaluation: tuple[Step, ...]
    """From the consolidated state to the final state."""
    contribute: Step | None
    """The coordinating agencies' action."""
    comment: Step | None
    """The overseers' (or participants') action."""

    def submit_from(self, state: str) -> tuple[Step, ...]:
        """The steps that deliver the report from ``state`` (empty: none can)."""
        return next((path for s, path in self.submit if s == state), ())


def script_of(wf: Workflow) -> Script:
    """What the simulation fires under ``wf``, by structure: roles, requirements and the
    reported, consolidated and final states; of trigger names only ``consolidate``, which
    ``Engine.consolidate`` fires itself. Triggers requiring an agency are never fired.

    Raises:
        Plan161Error: ``wf`` gives the simulation no way to deliver a report from its initial
            state, to reach a state ``consolidate`` takes tasks from, or to reach its final
            state from the consolidated one.
    """
    opened = open_states(wf)
    ready = consolidation_states(wf)[0]

    def prepares(t: WorkflowTransition) -> bool:
        return t.role == "responsible" and t.requires is None and t.dest in opened

    def delivers(t: WorkflowTransition) -> bool:
        return t.role == "responsible" and t.requires == "report" and t.dest == wf.reported_state

    def forward(t: WorkflowTransition) -> bool:
        return (
            t.trigger != "consolidate"
            and t.requires != "agency"
            and t.dest not in opened
            and t.dest != wf.reported_state
        )

    reach = {wf.reported_state}
    submit = {s: _path(wf, s, reach, lambda t: prepares(t) or delivers(t)) for s in opened}
    paths = {s: p for s, p in submit.items() if p}
    if wf.initial not in paths:
        raise Plan161Error(
            f"the simulation cannot deliver a report under this workflow: no transition of the "
            f"responsible agency requiring a report leads from {wf.initial!r} to "
            f"{wf.reported_state!r}"
        )
    start: list[Step] = []
    state = wf.initial
    # Forward only (in the order of the states), to a state the report can still leave from.
    while nxt := next(
        (
            t
            for t in wf.transitions
            if state in t.source
            and prepares(t)
            and t.dest in paths
            and wf.states.index(t.dest) > wf.states.index(state)
        ),
        None,
    ):
        start.append(Step(nxt.trigger, nxt.role, None, state))
        state = nxt.dest
    back = next(
        (
            Step(t.trigger, t.role, t.requires, wf.reported_state)
            for t in wf.transitions
            if t.role == "consolidator"
            and t.requires == "reason"
            and wf.reported_state in t.source
            and t.dest in paths
        ),
        None,
    )
    return Script(
        start=tuple(start),
        submit=tuple(paths.items()),
        send_back=back,
        review=_required(wf, wf.reported_state, ready, forward),
        evaluation=_required(wf, wf.consolidated_state, {wf.final}, forward),
        contribute=_action(wf, ("coordinating",)),
        comment=_action(wf, ("overseer", "participant")),
    )


def _path(
    wf: Workflow,
    origin: str,
    goals: Collection[str],
    usable: Callable[[WorkflowTransition], bool],
) -> tuple[Step, ...] | None:
    """The shortest path of ``usable`` transitions from ``origin`` to one of ``goals`` (ties go
    to the transition declared first), or ``None``."""
    came: dict[str, tuple[str, WorkflowTransition]] = {}
    seen, todo = {origin}, deque([origin])
    while todo:
        state = todo.popleft()
        if state in goals:
            steps: list[Step] = []
            while state != origin:
                state, t = came[state]
                steps.append(Step(t.trigger, t.role, t.requires, state))
            return tuple(reversed(steps))
        for t in wf.transitions:
            if state in t.source and t.dest not in seen and usable(t):
                seen.add(t.dest)
                came[t.dest] = (state, t)
                todo.append(t.dest)
    return None


def _required(
    wf: Workflow,
    origin: str,
    goals: Collection[str],
    usable: Callable[[WorkflowTransition], bool],
) -> tuple[Step, ...]:
    found = _path(wf, origin, goals, usable)
    if found is None:
        targets = " or ".join(map(repr, sorted(goals)))
        raise Plan161Error(
            f"the simulation finds no path from {origin!r} to {targets} "
            "in this workflow (it never fires 'consolidate' there, nor a trigger leading back "
            "before the report or requiring an agency)"
        )
    return found


def _action(wf: Workflow, roles: tuple[Role, ...]) -> Step | None:
    return next(
        (
            Step(a.trigger, a.role, a.requires)
            for a in wf.actions
            if a.role in roles and a.requires != "agency"
        ),
        None,
    )


def remaining(path: tuple[Step, ...], state: str) -> tuple[Step, ...]:
    """The rest of ``path`` for a task in ``state`` (empty when ``state`` is not on it)."""
    return next((path[i:] for i, step in enumerate(path) if step.source == state), ())
