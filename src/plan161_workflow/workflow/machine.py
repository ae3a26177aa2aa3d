"""The one module that imports ``transitions``.

One ``Machine`` per workflow serves every task: a task's state is carried into the machine on a
throw-away object that is never registered (``add_model`` is quadratic in bulk, keeps every model
alive and resets its state), and the trigger is fired with the public ``Event.trigger``. Trigger
and state names from a rules file are passed as names only: no callback is ever given to
``transitions``, so no string from a rules file can be resolved to an importable callable.
"""

from __future__ import annotations

from transitions import Machine, MachineError

from plan161_workflow.model.plan import Workflow


class _Carrier:
    """Holds a state while the shared machine fires a trigger on it."""

    __slots__ = ("state",)

    def __init__(self, state: str) -> None:
        self.state = state


class Lifecycle:
    """The state machine of a workflow, shared by every task."""

    def __init__(self, workflow: Workflow) -> None:
        self.workflow = workflow
        self._machine = Machine(
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
        self._events = self._machine.events
        actions = tuple(a.trigger for a in workflow.actions)
        self._allowed = {
            state: (*self._machine.get_triggers(state), *actions) for state in workflow.states
        }
        self.triggers = frozenset(t.trigger for t in workflow.transitions)
        """Names of state-changing triggers."""
        self.actions = frozenset(actions)
        """Names of recorded actions that change no state."""

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
        carrier = _Carrier(state)
        try:
            self._events[trigger].trigger(carrier)
        except (MachineError, KeyError) as exc:
            raise ValueError(f"{trigger!r} is not allowed in state {state!r}") from exc
        return carrier.state
