"""A workflow declared in a rules file: the shape checks of ``workflow.definition`` (states
declared, every state reachable, the final state reachable from every state, states listed in
the order a task reaches them), plus what the rest of the library relies on: names that are
identifiers and not the engine's own event names, one role and one requirement per trigger,
``consolidate`` fired by the consolidator, ``reassign`` carrying the agency."""

from __future__ import annotations

import re
from collections.abc import Iterator

from plan161_workflow.model.plan import Workflow, WorkflowAction, WorkflowTransition
from plan161_workflow.rules.checks.common import Found
from plan161_workflow.rules.source import Path
from plan161_workflow.workflow.definition import workflow_problems

NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
"""A state or trigger name: lower-case ASCII letters, digits and '_', not starting with a digit."""

RESERVED = ("create", "withdraw", "open_cycle", "close_cycle", "consolidate_cycle", "amend_cycle")
"""Event names the engine records itself; a trigger may not take them."""


def workflow_checks(wf: Workflow) -> Iterator[Found]:
    """Every problem of a workflow, with paths inside ``workflow``."""
    for path, message in workflow_problems(wf):
        yield ("workflow", *split_path(path)), message
    for i, state in enumerate(wf.states):
        if not NAME.match(state):
            yield ("workflow", "states", i), _bad_name("state", state)
    labelled: set[str] = set()
    for i, label in enumerate(wf.labels):
        if label.state not in wf.states:
            yield (
                ("workflow", "labels", i, "state"),
                f"{label.state!r} is not a state of this workflow; states: {', '.join(wf.states)}",
            )
        elif label.state in labelled:
            yield (
                ("workflow", "labels", i, "state"),
                f"state {label.state!r} is labelled twice; keep one label per state",
            )
        labelled.add(label.state)
        for key in ("name", "name_en"):
            if not getattr(label, key).strip():
                yield ("workflow", "labels", i, key), f"a blank {key}: name the state"
    for i, t in enumerate(wf.transitions):
        if not t.source:
            yield (
                ("workflow", "transitions", i, "source"),
                f"{t.trigger!r} has no source state: list the states it may fire from",
            )
    for key in ("initial", "final"):
        if wf.reported_state == getattr(wf, key):
            yield (
                ("workflow", "reported_state"),
                f"the reported state {wf.reported_state!r} is also the {key} state: a report "
                f"arrives when a task enters a state between {wf.initial!r} and {wf.final!r}",
            )
    steps: list[tuple[Path, WorkflowTransition | WorkflowAction]] = [
        *((("workflow", "transitions", i), t) for i, t in enumerate(wf.transitions)),
        *((("workflow", "actions", i), a) for i, a in enumerate(wf.actions)),
    ]
    first: dict[str, WorkflowTransition | WorkflowAction] = {}
    for here, step in steps:
        yield from _trigger(step, here)
        earlier = first.setdefault(step.trigger, step)
        if (earlier.role, earlier.requires) != (step.role, step.requires):
            yield (
                (*here, "role" if earlier.role != step.role else "requires"),
                (
                    f"{step.trigger!r} is declared again with another role or requirement "
                    f"(first: role {earlier.role!r}, requires {earlier.requires!r}); "
                    "one trigger has one role and one requirement"
                ),
            )


def _bad_name(what: str, name: str) -> str:
    return (
        f"{what} name {name!r} must be lower-case ASCII letters, digits and '_', "
        "not starting with a digit"
    )


def _trigger(step: WorkflowTransition | WorkflowAction, here: Path) -> Iterator[Found]:
    name = step.trigger
    if not NAME.match(name):
        yield (*here, "trigger"), _bad_name("trigger", name)
    elif name in RESERVED:
        yield (
            (*here, "trigger"),
            (f"{name!r} is an event the engine records itself; reserved: {', '.join(RESERVED)}"),
        )
    if name == "consolidate" and step.role != "consolidator":
        yield (
            (*here, "role"),
            (
                f"'consolidate' is fired by the consolidator (Engine.consolidate acts as the "
                f"consolidator), found role {step.role!r}"
            ),
        )
    if name == "consolidate" and step.requires is not None:
        yield (
            (*here, "requires"),
            (
                "'consolidate' is fired by Engine.consolidate for every ready task and carries "
                f"nothing; remove requires: {step.requires}"
            ),
        )
    if name == "reassign" and step.requires != "agency":
        yield (
            (*here, "requires"),
            (
                f"'reassign' hands the task to another agency and needs requires: agency, "
                f"found {step.requires!r}"
            ),
        )


def split_path(path: str) -> Path:
    """``transitions[2].source[0]`` -> ``("transitions", 2, "source", 0)``."""
    out: list[str | int] = []
    for part in path.replace("]", "").split("."):
        name, *indexes = part.split("[")
        out.append(name)
        out.extend(int(i) for i in indexes)
    return tuple(out)
