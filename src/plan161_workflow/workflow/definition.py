"""The lifecycle as data: the library's default workflow and the checks any workflow must pass.

Pure: no ``transitions`` here (``workflow.machine`` is the one module that imports it).
"""

from __future__ import annotations

from collections import deque

from plan161_workflow.model.plan import Workflow, WorkflowAction, WorkflowTransition

DEFAULT_WORKFLOW = Workflow(
    states=("assigned", "in_progress", "reported", "consolidated", "evaluated"),
    initial="assigned",
    final="evaluated",
    transitions=(
        WorkflowTransition("start", ("assigned",), "in_progress", "responsible"),
        WorkflowTransition(
            "submit", ("assigned", "in_progress"), "reported", "responsible", requires="report"
        ),
        WorkflowTransition("send_back", ("reported",), "in_progress", "consolidator", "reason"),
        WorkflowTransition("consolidate", ("reported",), "consolidated", "consolidator"),
        WorkflowTransition("evaluate", ("consolidated",), "evaluated", "evaluator", "rating"),
    ),
    actions=(
        WorkflowAction("contribute", "coordinating", requires="text"),
        WorkflowAction("comment", "participant", requires="text"),
        WorkflowAction("reassign", "consolidator", requires="agency"),
    ),
)
"""assigned → in_progress → reported → consolidated → evaluated, with send_back for revision."""


def workflow_problems(wf: Workflow) -> list[tuple[str, str]]:
    """Every structural problem of a workflow, as (path inside ``workflow``, message).

    Checks: states unique and non-empty; initial, final, reported and consolidated states
    declared; every transition's states declared; trigger names unique across transitions of
    different kinds; every state reachable from the initial one; the final state reachable from
    every state; no transition out of the final state; a ``consolidate`` trigger leading to the
    consolidated state.
    """
    out: list[tuple[str, str]] = []
    declared = set(wf.states)
    if len(declared) != len(wf.states):
        dupes = sorted({s for s in wf.states if wf.states.count(s) > 1})
        out.append(("states", f"state(s) declared twice: {', '.join(dupes)}"))
    for key in ("initial", "final", "reported_state", "consolidated_state"):
        value = getattr(wf, key)
        if value not in declared:
            out.append((key, f"unknown state {value!r}; declared states: {', '.join(wf.states)}"))
    for i, t in enumerate(wf.transitions):
        for j, s in enumerate(t.source):
            if s not in declared:
                out.append((f"transitions[{i}].source[{j}]", f"unknown state {s!r}"))
        if t.dest not in declared:
            out.append((f"transitions[{i}].dest", f"unknown state {t.dest!r}"))
        if wf.final in t.source:
            out.append((f"transitions[{i}].source", f"{t.trigger!r} leaves the final state"))
    action_names = {a.trigger for a in wf.actions}
    for i, t in enumerate(wf.transitions):
        if t.trigger in action_names:
            out.append((f"transitions[{i}].trigger", f"{t.trigger!r} is also an action"))
    seen: set[str] = set()
    for i, a in enumerate(wf.actions):
        if a.trigger in seen:
            out.append((f"actions[{i}].trigger", f"action {a.trigger!r} declared twice"))
        seen.add(a.trigger)
    if not any(
        t.trigger == "consolidate" and t.dest == wf.consolidated_state for t in wf.transitions
    ):
        out.append(("transitions", f"no 'consolidate' trigger leads to {wf.consolidated_state!r}"))
    if out:
        return out  # reachability makes no sense over undeclared states
    edges = {s: {t.dest for t in wf.transitions if s in t.source} for s in wf.states}
    reached = _reach(wf.initial, edges)
    for s in wf.states:
        if s not in reached:
            out.append(("states", f"state {s!r} cannot be reached from {wf.initial!r}"))
    backwards: dict[str, set[str]] = {s: set() for s in wf.states}
    for s, dests in edges.items():
        for d in dests:
            backwards[d].add(s)
    finishing = _reach(wf.final, backwards)
    for s in wf.states:
        if s not in finishing:
            out.append(("states", f"the final state {wf.final!r} cannot be reached from {s!r}"))
    return out


def _reach(start: str, edges: dict[str, set[str]]) -> set[str]:
    seen = {start}
    todo = deque([start])
    while todo:
        for nxt in edges.get(todo.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def open_states(wf: Workflow) -> tuple[str, ...]:
    """States before the report arrives: a task in one of them is open (it can be overdue)."""
    return wf.states[: wf.states.index(wf.reported_state)]


def consolidation_states(wf: Workflow) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(states ``consolidate`` takes a task from, states in which a task is still missing for
    consolidation: every state before those)."""
    ready = next(t.source for t in wf.transitions if t.trigger == "consolidate")
    first = min(wf.states.index(s) for s in ready)
    return ready, wf.states[:first]
