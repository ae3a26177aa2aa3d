"""The one module that imports ``transitions`` (tests/test_layout.py checks it): it runs a
workflow with its ``Machine``, and draws one as Mermaid text with its ``GraphMachine`` for
``reporting/diagram.py`` (``mermaid_source``).

One ``Machine`` per workflow is the definition every task shares. Trigger and state names from a
rules file are passed as names only: no callback is ever given to ``transitions``, so no string
from a rules file can be resolved to an importable callable.

A task's state is never registered with the machine (``add_model`` is quadratic in bulk, keeps
every model alive and resets its state). Instead, when a ``Lifecycle`` is built, the machine is
asked once, with its public ``Event.trigger`` on a throw-away carrier object, what every trigger
does from every state; the answers form a table that ``fire`` reads. With no callbacks and no
conditions, a trigger's outcome depends on the state alone, so the table is exactly what the
machine would answer on each change, at a dictionary lookup instead of ~8 µs of ``transitions``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from transitions import Machine, MachineError

from plan161_workflow.model.plan import Workflow


class _Carrier:
    """Holds a state while the shared machine fires a trigger on it."""

    __slots__ = ("state",)

    def __init__(self, state: str) -> None:
        self.state = state


def _machine_of(workflow: Workflow) -> Machine:
    """The ``transitions`` machine of a workflow: its states and transitions, nothing else."""
    return Machine(
        model=None,
        states=list(workflow.states),
        transitions=[
            {"trigger": t.trigger, "source": list(t.source), "dest": t.dest}
            for t in workflow.transitions
        ],
        initial=workflow.initial,
        auto_transitions=False,
        send_event=False,
    )


def _fire_on_machine(machine: Machine, trigger: str, state: str) -> str | None:
    """The state the machine reaches firing ``trigger`` from ``state``; None if not allowed."""
    carrier = _Carrier(state)
    try:
        machine.events[trigger].trigger(carrier)
    except (MachineError, KeyError):
        return None
    return carrier.state


class Lifecycle:
    """The state machine of a workflow, shared by every task."""

    def __init__(self, workflow: Workflow) -> None:
        self.workflow = workflow
        machine = _machine_of(workflow)
        triggers = tuple(dict.fromkeys(t.trigger for t in workflow.transitions))  # declared order
        self.triggers = frozenset(triggers)
        """Names of state-changing triggers."""
        actions = tuple(a.trigger for a in workflow.actions)
        self.actions = frozenset(actions)
        """Names of recorded actions that change no state."""
        self._next: dict[tuple[str, str], str] = {}
        """(trigger, state) -> the state the machine reaches, for every pair it allows."""
        for state in workflow.states:
            for trigger in triggers:
                dest = _fire_on_machine(machine, trigger, state)
                if dest is not None:
                    self._next[trigger, state] = dest
        self._allowed = {
            state: (*(t for t in triggers if (t, state) in self._next), *actions)
            for state in workflow.states
        }
        """State -> the triggers the table allows there, in declared order, then the actions."""

    def allowed(self, state: str) -> tuple[str, ...]:
        """Triggers and actions allowed in ``state`` (empty in the final state)."""
        if state == self.workflow.final:
            return ()
        return self._allowed.get(state, ())

    def fire(self, trigger: str, state: str) -> str:
        """The state after firing ``trigger`` from ``state``; actions leave it unchanged.

        Raises:
            ValueError: the trigger is not allowed in that state (callers check ``allowed`` first).
        """
        if trigger in self.actions:
            return state
        dest = self._next.get((trigger, state))
        if dest is not None:
            return dest
        raise ValueError(f"{trigger!r} is not allowed in state {state!r}")


class _Drawn:
    """The model a ``GraphMachine`` needs to draw; nothing is ever fired on it."""

    state: str


def mermaid_source(
    states: Sequence[str],
    edges: Sequence[tuple[str, Sequence[str], str, str]],
    initial: str,
    title: str,
) -> str:
    """A state machine as ``transitions``' Mermaid backend draws it: a ``stateDiagram-v2`` with
    no state highlighted (the definition, not a task).

    Args:
        states: the state ids, in order (already Mermaid-safe).
        edges: (trigger, source ids, destination id, label) per transition.
        initial: the initial state's id.
        title: the front-matter line under ``---`` (such as ``title: "..."``).
    """
    # imported here: only drawing needs the diagrams extension, not every task change
    from transitions.extensions.diagrams import GraphMachine

    model = _Drawn()
    machine = GraphMachine(
        model=model,
        states=list(states),
        transitions=[
            {"trigger": trigger, "source": list(source), "dest": dest, "label": label}
            for trigger, source, dest, label in edges
        ],
        initial=initial,
        auto_transitions=False,
        graph_engine="mermaid",
    )
    graph = machine.model_graphs[id(model)]
    graph.reset_styling()
    # the mermaid backend returns a DigraphMock, whose ``source`` the protocol type does not name
    drawn: Any = graph.get_graph(title=title)
    return str(drawn.source)
