"""Structure queries of ``workflow.definition``: which transition ``plan161 evaluate`` fires."""

from __future__ import annotations

import attrs

from plan161_workflow.model.plan import Workflow, WorkflowTransition
from plan161_workflow.workflow.definition import DEFAULT_WORKFLOW, evaluating_transition

_APPROVE = WorkflowTransition("phe_duyet", ("consolidated",), "evaluated", "evaluator")
_RATE = WorkflowTransition("danh_gia", ("consolidated",), "evaluated", "evaluator", "rating")


def _with(*extra: WorkflowTransition) -> Workflow:
    kept = tuple(t for t in DEFAULT_WORKFLOW.transitions if t.trigger != "evaluate")
    return attrs.evolve(DEFAULT_WORKFLOW, transitions=kept + extra)


def test_the_default_workflow_is_evaluated_by_evaluate() -> None:
    found = evaluating_transition(DEFAULT_WORKFLOW)
    assert found is not None
    assert (found.trigger, found.source, found.requires) == (
        "evaluate",
        ("consolidated",),
        "rating",
    )


def test_the_transition_into_the_final_state_that_takes_a_rating_is_preferred() -> None:
    assert evaluating_transition(_with(_APPROVE, _RATE)) == _RATE
    assert evaluating_transition(_with(_APPROVE)) == _APPROVE  # else the first declared


def test_no_transition_into_the_final_state_gives_none() -> None:
    assert evaluating_transition(_with()) is None
