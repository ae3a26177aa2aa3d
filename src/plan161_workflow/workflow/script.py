"""What a simulation fires under a workflow, found by structure, never by a trigger's name.

``script_of`` reads roles, requirements and the reported, consolidated and final states; of
trigger names only ``consolidate``, which ``Engine.consolidate`` fires itself. So a province's
own workflow, with more steps or Vietnamese trigger names, is simulated as well. Pure.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Collection, Iterable

import attrs

from plan161_workflow.errors import Plan161Error
from plan161_workflow.model.plan import (
    ROLES,
    Plan,
    Requirement,
    Role,
    Workflow,
    WorkflowAction,
    WorkflowTransition,
)
from plan161_workflow.model.task import Task
from plan161_workflow.workflow.definition import comment_actions, consolidation_states, open_states

HELD: frozenset[Role] = frozenset(
    {"responsible", "consolidator", "evaluator", "overseer", "participant"}
)
"""The roles some agency holds for every task of a plan with overseers: the task's agency, the
consolidator, the evaluator, the overseers and any agency with a role in the plan. Coordinating
agencies are not among them: a task may have none."""


def held_roles(plan: Plan) -> frozenset[Role]:
    """The roles some agency holds for every task of ``plan`` (``HELD``, without ``overseer``
    when the plan names no overseer)."""
    return HELD if plan.expand(plan.roles.overseers) else HELD - {"overseer"}


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
    """Steps from the initial state towards the report that carry no report, forward in the
    order of the states: the responsible agency's are optional (work starts), the others (the
    consolidator accepting the task, say) are fired for every task. None leads where the report
    leaves less readily than from the initial state, or without a report when it leaves from
    there with one."""
    submit: tuple[tuple[str, tuple[Step, ...]], ...]
    """(open state, the steps delivering the report from it): the last one leads to the reported
    state; each is fired by the holder of its role with what it requires, the report going to
    the step that requires one (a path with such a step is preferred)."""
    send_back: Step | None
    """The consolidator's step back from the reported state to an open state, with a reason;
    only to a state from which every task can deliver the report again by roles that always have
    a holder (``None``: nothing is sent back)."""
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


def script_of(wf: Workflow, held: Collection[Role] = HELD) -> Script:
    """What the simulation fires under ``wf``, by structure: roles, requirements and the
    reported, consolidated and final states; of trigger names only ``consolidate``, which
    ``Engine.consolidate`` fires itself. Triggers requiring an agency are never fired.

    Every path is the shortest of those whose steps only roles of ``held`` fire (the roles
    some agency holds for every task, ``held_roles(plan)``; by default those of a plan with
    overseers), so that every task can take it; failing that, of those that coordinating
    agencies may also fire (tasks without any cannot take it); failing that, of any roles (the
    engine refuses those steps, and the simulation counts the refusals). A path to the reported
    state may take steps of any of those roles, each with what it requires, and one with a step
    that takes the report is preferred. Ties go to the transitions declared first. A start step
    never trades a path with the report for one without; a step back is only taken to a state
    from which the report can be delivered again by roles of ``held`` alone.

    Raises:
        Plan161Error: ``wf`` gives the simulation no way to deliver a report from its initial
            state, to reach a state ``consolidate`` takes tasks from, or to reach its final
            state from the consolidated one.
    """
    opened = open_states(wf)
    ready = consolidation_states(wf)[0]
    reported = wf.reported_state
    tiers = _tiers(held)

    def fires(t: WorkflowTransition) -> bool:
        return t.trigger != "consolidate" and t.requires != "agency"

    def delivers(t: WorkflowTransition) -> bool:  # from an open state, before the report
        return fires(t) and (t.dest in opened or t.dest == reported)

    def forward(t: WorkflowTransition) -> bool:
        return fires(t) and t.dest not in opened and t.dest != reported

    found = {s: _best(wf, s, {reported}, delivers, tiers, carry=True) for s in opened}
    paths = {s: f[1] for s, f in found.items() if f}
    rank = {s: f[0] for s, f in found.items() if f}  # the tier of roles the path needs
    carries = {s: any(step.requires == "report" for step in path) for s, path in paths.items()}
    if wf.initial not in paths:
        raise Plan161Error(
            f"the simulation cannot deliver a report under this workflow: no transitions lead "
            f"from {wf.initial!r} to {reported!r} that it can fire (it never fires "
            "'consolidate', a trigger requiring an agency, or one from the reported state)"
        )
    start: list[Step] = []
    state = wf.initial
    # Forward only (in the order of the states), to a state the report can still leave from
    # as readily as from the initial state, and with a report if it can leave with one there.
    while nxt := next(
        (
            t
            for t in wf.transitions
            if state in t.source
            and t.role in tiers[0]
            and fires(t)
            and t.requires != "report"
            and t.dest in paths
            and rank[t.dest] <= rank[wf.initial]
            and (carries[t.dest] or not carries[wf.initial])
            and wf.states.index(t.dest) > wf.states.index(state)
        ),
        None,
    ):
        start.append(Step(nxt.trigger, nxt.role, nxt.requires, state))
        state = nxt.dest
    # Back only to where every task can deliver the report again (by roles of ``held``): the
    # first declared of those, preferring one from where the report leaves with a report.
    back = min(
        (
            t
            for t in wf.transitions
            if t.role == "consolidator"
            and t.requires == "reason"
            and reported in t.source
            and rank.get(t.dest) == 0
        ),
        key=lambda t: not carries[t.dest],
        default=None,
    )
    return Script(
        start=tuple(start),
        submit=tuple(paths.items()),
        send_back=Step(back.trigger, back.role, back.requires, reported) if back else None,
        review=_required(wf, reported, ready, forward, tiers),
        evaluation=_required(wf, wf.consolidated_state, {wf.final}, forward, tiers),
        contribute=_action(wf, ("coordinating",)),
        comment=next((_step(a) for a in comment_actions(wf)), None),
    )


def _tiers(held: Collection[Role]) -> tuple[frozenset[str], ...]:
    """The sets of roles a path may use, in order of preference."""
    first = frozenset[str](held)
    return tuple(dict.fromkeys((first, first | {"coordinating"}, frozenset(ROLES))))


def _best(
    wf: Workflow,
    origin: str,
    goals: Collection[str],
    usable: Callable[[WorkflowTransition], bool],
    tiers: tuple[frozenset[str], ...],
    *,
    carry: bool = False,
) -> tuple[int, tuple[Step, ...]] | None:
    """(the index of the first tier of roles with a path, the path); with ``carry``, a path
    with a step that requires the report is preferred within a tier."""
    for i, roles in enumerate(tiers):
        for with_report in (True, False) if carry else (False,):
            found = _path(wf, origin, goals, usable, roles, with_report)
            if found is not None:
                return i, found
    return None


_Node = tuple[str, bool]
"""A state on a path, and whether a step on the way there took the report."""


def _path(
    wf: Workflow,
    origin: str,
    goals: Collection[str],
    usable: Callable[[WorkflowTransition], bool],
    roles: Collection[str],
    with_report: bool,
) -> tuple[Step, ...] | None:
    """The shortest path of ``usable`` transitions of ``roles`` from ``origin`` to one of
    ``goals`` (ties go to the transition declared first), or ``None``; with ``with_report``,
    only a path with a step requiring the report (which may lead from a state to itself)."""
    first: _Node = (origin, not with_report)
    came: dict[_Node, tuple[_Node, WorkflowTransition]] = {}
    seen, todo = {first}, deque([first])
    while todo:
        node = todo.popleft()
        state, carried = node
        if state in goals:
            if not carried:
                continue  # arrived without the report: a path ends at the goal
            steps: list[Step] = []
            while node != first:
                node, t = came[node]
                steps.append(Step(t.trigger, t.role, t.requires, node[0]))
            return tuple(reversed(steps))
        for t in wf.transitions:
            nxt = (t.dest, carried or t.requires == "report")
            if state in t.source and nxt not in seen and t.role in roles and usable(t):
                seen.add(nxt)
                came[nxt] = (node, t)
                todo.append(nxt)
    return None


def _required(
    wf: Workflow,
    origin: str,
    goals: Collection[str],
    usable: Callable[[WorkflowTransition], bool],
    tiers: tuple[frozenset[str], ...],
) -> tuple[Step, ...]:
    found = _best(wf, origin, goals, usable, tiers)
    if found is None:
        targets = " or ".join(map(repr, sorted(goals)))
        raise Plan161Error(
            f"the simulation finds no path from {origin!r} to {targets} "
            "in this workflow (it never fires 'consolidate' there, nor a trigger leading back "
            "before the report or requiring an agency)"
        )
    return found[1]


def _action(wf: Workflow, roles: tuple[Role, ...]) -> Step | None:
    return next((_step(a) for a in wf.actions if a.role in roles and a.requires != "agency"), None)


def _step(action: WorkflowAction) -> Step:
    return Step(action.trigger, action.role, action.requires)


def remaining(path: tuple[Step, ...], state: str) -> tuple[Step, ...]:
    """The rest of ``path`` for a task in ``state`` (empty when ``state`` is not on it)."""
    return next((path[i:] for i, step in enumerate(path) if step.source == state), ())


def required_steps(wf: Workflow, script: Script) -> list[Step]:
    """The steps the simulation fires on every task it can: the start steps, the report's path
    from each state those leave a task in, the review and the evaluation (not the optional
    actions, nor the step back, which only roles every task has may fire)."""
    steps = list(script.start)
    states = [wf.initial]
    for step in script.start:
        states += [
            t.dest for t in wf.transitions if t.trigger == step.trigger and step.source in t.source
        ][:1]
    for state in dict.fromkeys(states):
        steps += script.submit_from(state)
    return [*steps, *script.review, *script.evaluation]


def unfireable(
    plan: Plan, script: Script, tasks: Iterable[Task]
) -> list[tuple[Step, str, list[str]]]:
    """(step, where the rules declare it, the ids of the tasks) for each step ``script`` must
    fire that has, on some of ``tasks``, no agency holding its role (``held_roles``; a
    coordinating step needs the task's coordinating agencies), in the order they are fired."""
    held = held_roles(plan)
    tasks = list(tasks)
    out = []
    for step in dict.fromkeys(required_steps(plan.workflow, script)):
        if step.role in held:
            continue
        lacking = [t.id for t in tasks if step.role != "coordinating" or not t.coordinating]
        if lacking:
            index = next(
                i
                for i, t in enumerate(plan.workflow.transitions)
                if t.trigger == step.trigger and step.source in t.source
            )
            out.append((step, f"workflow.transitions[{index}]", lacking))
    return out
