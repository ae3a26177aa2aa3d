"""The lifecycle as data: the library's default workflow and the checks any workflow must pass.

Pure: no ``transitions`` here (``workflow.machine`` runs workflows with it).
"""

from __future__ import annotations

import difflib
from collections import deque
from collections.abc import Collection, Iterable

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
    different kinds; a ``consolidate`` trigger leading to the consolidated state; no transition
    out of the final state; every state reachable from the initial one; the final state reachable
    from every state; and the order of ``states`` (see ``order_problems``).
    """
    out: list[tuple[str, str]] = []
    declared = set(wf.states)
    if len(declared) != len(wf.states):
        dupes = sorted({s for s in wf.states if wf.states.count(s) > 1})
        out.append(("states", f"state(s) declared twice: {', '.join(dupes)}; keep one of each"))
    for key in ("initial", "final", "reported_state", "consolidated_state"):
        value = getattr(wf, key)
        if value not in declared:
            out.append((key, _unknown_state(value, wf)))
    for i, t in enumerate(wf.transitions):
        for j, s in enumerate(t.source):
            if s not in declared:
                out.append((f"transitions[{i}].source[{j}]", _unknown_state(s, wf)))
        if t.dest not in declared:
            out.append((f"transitions[{i}].dest", _unknown_state(t.dest, wf)))
        if wf.final in t.source:
            out.append(
                (
                    f"transitions[{i}].source",
                    f"{t.trigger!r} leaves the final state {wf.final!r}; a task there is done: "
                    f"remove {wf.final!r} from its source",
                )
            )
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
    out = reach_problems(wf)
    if out:
        return out  # which states come before the report depends on the transitions being fixed
    return order_problems(wf)


def _unknown_state(name: str, wf: Workflow) -> str:
    close = difflib.get_close_matches(name, wf.states, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown state {name!r}{hint}; declared states: {', '.join(wf.states)}"


def _edges(wf: Workflow) -> dict[str, set[str]]:
    """State -> the states its transitions lead to (itself excluded)."""
    return {s: {t.dest for t in wf.transitions if s in t.source} - {s} for s in wf.states}


def _at(wf: Workflow, state: str) -> str:
    return f"states[{wf.states.index(state)}]"


def _names(states: Iterable[str]) -> str:
    return ", ".join(repr(s) for s in states)


def reach_problems(wf: Workflow) -> list[tuple[str, str]]:
    """States no task can reach, and states from which no task can finish: one problem for each
    group of states that one new transition would fix, at the first state of the group."""
    edges = _edges(wf)
    reached = _reach(wf.initial, edges)
    finishing = _reach(wf.final, _reverse(edges))
    out: list[tuple[str, str]] = []
    if wf.final not in reached:
        sinks = _names(s for s in wf.states if s in reached and not edges[s])
        example = f" (for example from {sinks}, which no transition leaves)" if sinks else ""
        out.append(
            (
                _at(wf, wf.final),
                f"the final state {wf.final!r} cannot be reached from the initial state "
                f"{wf.initial!r}, so no task can finish; add a transition with dest: {wf.final}"
                f"{example}",
            )
        )
    unreached = [s for s in wf.states if s not in reached and s != wf.final]
    for group in _end_groups(unreached, _reverse(edges)):
        first = group[0]
        if len(group) == 1:
            found = f"state {first!r} cannot be reached from the initial state {wf.initial!r}"
            found += ": no transition leads to it"
        else:
            found = f"states {_names(group)} cannot be reached from the initial state "
            found += f"{wf.initial!r}: only transitions among them lead to them"
        fix = f"add a transition with dest: {first}"
        if not any(s in finishing for s in group):
            fix += f" and one out of it (source: [{first}])"
        out.append((_at(wf, first), f"{found}; {fix}, or remove {_names(group)} from states"))
    if wf.final not in reached:
        return out  # every state a task can reach is a dead end: one problem, reported above
    stuck = [s for s in wf.states if s in reached and s not in finishing]
    for group in _end_groups(stuck, edges):
        first = group[0]
        if len(group) == 1:
            found = f"no transition leads out of state {first!r}"
        else:
            found = f"the transitions out of states {_names(group)} lead only to each other"
        out.append(
            (
                _at(wf, first),
                f"{found}, so a task there can never reach the final state {wf.final!r}; add a "
                f"transition with source: [{first}] to a state from which {wf.final!r} can be "
                "reached",
            )
        )
    return out


def _end_groups(states: list[str], edges: dict[str, set[str]]) -> list[list[str]]:
    """The groups of ``states`` that ``edges`` lead out of to no other state of ``states``
    (strongly connected groups at the end of the graph), each in the given order."""
    inside = set(states)
    ahead = {s: _reach(s, edges) & inside for s in states}
    groups: list[list[str]] = []
    for s in states:
        if all(s in ahead[t] for t in ahead[s]) and not any(s in g for g in groups):
            groups.append([t for t in states if t in ahead[s]])
    return groups


def _reverse(edges: dict[str, set[str]]) -> dict[str, set[str]]:
    backwards: dict[str, set[str]] = {s: set() for s in edges}
    for s, dests in edges.items():
        for d in dests:
            backwards[d].add(s)
    return backwards


def _reach(start: str, edges: dict[str, set[str]], stop: Collection[str] = ()) -> set[str]:
    """States reachable from ``start`` (included) without entering a state of ``stop``."""
    if start in stop:
        return set()
    seen = {start}
    todo = deque([start])
    while todo:
        for nxt in edges.get(todo.popleft(), ()):
            if nxt not in seen and nxt not in stop:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def order_problems(wf: Workflow) -> list[tuple[str, str]]:
    """The order of ``states`` the rest of the library relies on (for a workflow whose every
    state is reachable and can reach the final state).

    ``open_states``: the states listed before ``reported_state`` must be exactly those a task
    can be in before its first report, i.e. reachable from ``initial`` without passing through
    ``reported_state``. ``consolidation_states``: the states listed before the first state that
    ``consolidate`` takes tasks from must be exactly those a task can be in before it is first
    ready for consolidation, i.e. reachable from ``initial`` without passing through a state
    ``consolidate`` takes tasks from. The second rule is checked once the first holds.
    """
    edges = _edges(wf)
    before_report = _reach(wf.initial, edges, stop={wf.reported_state})
    out = _prefix_problems(
        wf,
        wf.reported_state,
        before_report,
        f"the reported state {wf.reported_state!r}",
        f"a task in a state listed before {wf.reported_state!r} counts as not yet reported and "
        "can be shown overdue",
    )
    if out:
        return out
    ready, _ = consolidation_states(wf)
    first = ready[0]
    return _prefix_problems(
        wf,
        first,
        _reach(wf.initial, edges, stop=set(ready)),
        f"{first!r}, the first state 'consolidate' takes tasks from,",
        f"a task in a state listed before {first!r} counts as missing when a cycle is consolidated",
    )


def _prefix_problems(
    wf: Workflow, mark: str, early: set[str], named: str, why: str
) -> list[tuple[str, str]]:
    """A problem for each state listed on the wrong side of ``mark``: those of ``early`` go
    before it, the others after it."""
    listed = set(wf.states[: wf.states.index(mark)])
    out = []
    for s in wf.states:
        if s in early and s not in listed:
            out.append(
                (
                    _at(wf, s),
                    f"state {s!r} can be reached before {named} but is listed after it; "
                    f"move {s!r} before {mark!r} in states ({why})",
                )
            )
        elif s in listed and s not in early:
            out.append(
                (
                    _at(wf, s),
                    f"state {s!r} is listed before {named} but can only be reached after it; "
                    f"move {s!r} after {mark!r} in states ({why})",
                )
            )
    return out


def open_states(wf: Workflow) -> tuple[str, ...]:
    """States before the report arrives: a task in one of them is open (it can be overdue)."""
    return wf.states[: wf.states.index(wf.reported_state)]


def consolidation_states(wf: Workflow) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(states ``consolidate`` takes a task from, in the order of ``states``; states in which a
    task is still missing for consolidation: every state listed before those)."""
    sources = {s for t in wf.transitions if t.trigger == "consolidate" for s in t.source}
    ready = tuple(s for s in wf.states if s in sources)
    return ready, wf.states[: wf.states.index(ready[0])]


def evaluating_transition(wf: Workflow) -> WorkflowTransition | None:
    """The transition by which the evaluator completes a task: the first declared into the final
    state that requires a rating, else the first declared into the final state (``evaluate`` in
    the default workflow); ``None`` when none leads there."""
    finishing = [t for t in wf.transitions if t.dest == wf.final]
    return next((t for t in finishing if t.requires == "rating"), next(iter(finishing), None))


def comment_actions(wf: Workflow) -> tuple[WorkflowAction, ...]:
    """The actions by which overseers (or any participant) comment: what a report's section III
    gathers and what a simulation fires for comments (``comment`` in the default workflow)."""
    return tuple(
        a for a in wf.actions if a.role in ("overseer", "participant") and a.requires != "agency"
    )
