"""The lifecycle's table is what ``transitions`` answers, for any workflow.

``Lifecycle`` asks its machine once what every trigger does from every state and reads the
answers on each change. The oracle here is ``transitions`` used the other way, the way its
README shows: a model registered with its own machine and the trigger method bound on it.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from transitions import Machine, MachineError

from plan161_workflow.model.plan import Plan, Workflow, WorkflowAction, WorkflowTransition
from plan161_workflow.workflow.machine import Lifecycle


class Model:
    """A plain model that ``transitions`` binds its trigger methods on."""

    state: str


def registered_fire(workflow: Workflow, trigger: str, state: str) -> str | None:
    """Fire ``trigger`` from ``state`` on a model registered with a fresh machine."""
    model = Model()
    Machine(
        model=model,
        states=list(workflow.states),
        transitions=[
            {"trigger": t.trigger, "source": list(t.source), "dest": t.dest}
            for t in workflow.transitions
        ],
        initial=state,
        auto_transitions=False,
    )
    try:
        model.trigger(trigger)  # type: ignore[attr-defined]
    except (MachineError, AttributeError):
        return None
    return model.state


def assert_agrees(workflow: Workflow) -> None:
    life = Lifecycle(workflow)
    for state in workflow.states:
        for trigger in sorted(life.triggers):
            expected = registered_fire(workflow, trigger, state)
            if expected is None:
                with pytest.raises(ValueError, match="not allowed"):
                    life.fire(trigger, state)
            else:
                assert life.fire(trigger, state) == expected
            if state != workflow.final:
                assert (trigger in life.allowed(state)) == (expected is not None)
        for action in life.actions:
            assert life.fire(action, state) == state
            assert (action in life.allowed(state)) == (state != workflow.final)


def test_the_plans_workflow_fires_as_transitions_does(plan: Plan) -> None:
    assert_agrees(plan.workflow)


NAMES = st.sampled_from(["a", "b", "c", "d", "e"])


@st.composite
def workflows(draw: st.DrawFn) -> Workflow:
    states = tuple(draw(st.lists(NAMES, min_size=1, max_size=5, unique=True)))
    transitions = tuple(
        WorkflowTransition(
            draw(st.sampled_from(["go", "back", "skip", "stop"])),
            tuple(draw(st.lists(st.sampled_from(states), min_size=1, unique=True))),
            draw(st.sampled_from(states)),
            "responsible",
        )
        for _ in range(draw(st.integers(1, 6)))
    )
    return Workflow(
        states=states,
        initial=states[0],
        final=states[-1],
        transitions=transitions,
        actions=(WorkflowAction("note", "participant", "text"),),
    )


@pytest.mark.slow
@given(workflows())
def test_any_workflow_fires_as_transitions_does(workflow: Workflow) -> None:
    """Several transitions of one trigger, loops, a state left by nothing: the table agrees."""
    assert_agrees(workflow)
